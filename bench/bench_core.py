"""Core benchmark: open time, search latency and memory of the archive, against references.

For each size it generates (or reuses) a seeded archive with bench/generate.py and prints:
open time (json.load, TinyDB's own load, Archive.open cold and warm), search latency for a
fixed mix of queries, peak memory of each way of opening (each in its own fresh process),
and the same queries on SQLite FTS5 built from the same records. See bench/README.md.

    python bench/bench_core.py [--sizes 10000,100000] [--seed 1] [--shipped]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import re
import shutil
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (
    ensure_repo_on_path,
    fresh_home,
    machine_line,
    median,
    parse_sizes,
    peak_rss_mb,
    percentile,
    reset_peak_rss,
    rss_mb,
    run_worker,
    verdict,
)

ensure_repo_on_path()

SCRIPT = Path(__file__).resolve()
OUT_DIR = SCRIPT.parent / "out"

# Targets (checked at the largest generated size unless noted).
SEARCH_MEDIAN_MS = 5.0
SEARCH_P95_MS = 25.0
FTS_SPEEDUP = 10.0
COLD_OPEN_VS_JSON = 3.0
MEMORY_VS_TINYDB = 2.0
SHIPPED_WARM_OPEN_S = 1.0
TARGET_SIZE = 100_000


# --------------------------------------------------------------------------- query mix


@dataclass
class BenchQuery:
    """One query of the mix, in our syntax and as the closest FTS5 equivalent."""

    label: str
    query: str
    filters: dict | None = None
    sort: str | None = None  # None: relevance with words, date without
    fts_match: str | None = None  # FTS5 MATCH expression; None: no full-text condition
    fts_where: str = ""  # extra SQL condition on docs alias d
    fts_params: tuple = ()
    everything: bool = False  # the match-nearly-everything query the FTS5 target compares

    @property
    def order(self) -> str:
        if self.sort:
            return self.sort
        return "relevance" if self.fts_match else "date"


def _pick(words: Sequence[str], start_rank: int, min_len: int = 5) -> str:
    """First plain lowercase word at or after a frequency rank (stable for a corpus)."""
    pattern = re.compile(rf"[a-z]{{{min_len},}}")
    for w in words[start_rank:]:
        if pattern.fullmatch(w):
            return w
    for w in reversed(words):
        if pattern.fullmatch(w):
            return w
    raise ValueError("no plain word in the vocabulary")


def query_mix(words: Sequence[str], title_words: Sequence[str]) -> list[BenchQuery]:
    """At least 15 queries: common, rare, phrase, prefix, field, OR, NOT, dates, filters, sorts.

    Words are picked by frequency rank from the generator's vocabulary, so they mean the same
    (very common / mid / rare) at every size.
    """
    common = "the"
    mid = _pick(words, 50)  # in roughly half of the records
    mid2 = _pick(words, 200)
    rare = _pick(words, 15_000)  # a few dozen records in 100k
    rarest = _pick(words, len(words) // 2)  # a handful of records in 10k
    title_word = _pick([w.lower() for w in title_words], 10)
    prefix = mid2[:4]
    return [
        BenchQuery("common word", common, fts_match=common, everything=True),
        BenchQuery("common word, by date", common, sort="date", fts_match=common, everything=True),
        BenchQuery("common word, newest", common, sort="-date", fts_match=common),
        BenchQuery("common word, by title", common, sort="title", fts_match=common),
        BenchQuery("mid word", mid, fts_match=mid),
        BenchQuery("rare word", rare, fts_match=rare),
        BenchQuery("rarest word", rarest, fts_match=rarest),
        BenchQuery("two words (AND)", f"{mid} {mid2}", fts_match=f"{mid} {mid2}"),
        BenchQuery("phrase", '"secretary of state"', fts_match='"secretary of state"'),
        BenchQuery("prefix", f"{prefix}*", fts_match=f"{prefix}*"),
        BenchQuery("field: title", f"title:{title_word}", fts_match=f"title : {title_word}"),
        BenchQuery("OR", f"{rare} OR {mid2}", fts_match=f"{rare} OR {mid2}"),
        BenchQuery("NOT", f"{mid} -{mid2}", fts_match=f"{mid} NOT {mid2}"),
        BenchQuery(
            "date range in query",
            f"{mid} date:1961..1963",
            fts_match=mid,
            fts_where="d.date_end >= ? AND d.date_start <= ?",
            fts_params=("1961", "1963"),
        ),
        BenchQuery(
            "type filter, no words",
            "",
            filters={"document_type": ["Telegram"]},
            fts_where="d.document_type = ?",
            fts_params=("Telegram",),
        ),
        BenchQuery(
            "word + place filter + dates",
            mid,
            filters={"places": ["Moscow"], "date_from": "1955", "date_to": "1975"},
            fts_match=mid,
            fts_where=(
                "d.rowid IN (SELECT rid FROM places WHERE value = ?)"
                " AND d.date_end >= ? AND d.date_start <= ?"
            ),
            fts_params=("Moscow", "1955", "1975"),
        ),
        BenchQuery("everything, by date", "", sort="date"),
        BenchQuery("Unicode name", "gromyko", fts_match="gromyko OR громыко"),
        BenchQuery("no hits (typo)", f"{mid}qx", fts_match=f"{mid}qx"),
    ]


# --------------------------------------------------------------------------- SQLite FTS5


class Fts5Reference:
    """The same records in SQLite FTS5 (title, summary, text, facets), for comparison."""

    FACET_COLUMNS = ("collection", "document_type", "language", "decade", "year")
    FACET_TABLES = ("people", "places", "subjects")

    def __init__(self, records: Sequence[dict]) -> None:
        from archive_tui.dates import parse_date

        t0 = time.perf_counter()
        db = sqlite3.connect(":memory:")
        db.executescript(
            """
            CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, title TEXT, sort_key INTEGER,
                date_start INTEGER, date_end INTEGER, collection TEXT, document_type TEXT,
                language TEXT, decade TEXT, year INTEGER);
            CREATE INDEX docs_sort ON docs(sort_key);
            CREATE TABLE people(rid INTEGER, value TEXT, PRIMARY KEY(rid, value)) WITHOUT ROWID;
            CREATE TABLE places(rid INTEGER, value TEXT, PRIMARY KEY(rid, value)) WITHOUT ROWID;
            CREATE TABLE subjects(rid INTEGER, value TEXT, PRIMARY KEY(rid, value)) WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(title, summary, text, people, places, subjects,
                tokenize = "unicode61 remove_diacritics 2");
            """
        )
        docs, facets, texts = [], {t: [] for t in self.FACET_TABLES}, []
        for n, r in enumerate(records, start=1):
            d = parse_date(r["date"])
            docs.append(
                (
                    n,
                    r["id"],
                    r["title"],
                    d.sort_key,
                    d.start,
                    d.end,
                    r.get("collection"),
                    r.get("document_type"),
                    r.get("language"),
                    d.decade,
                    d.year,
                )
            )
            for t in self.FACET_TABLES:
                facets[t].extend((n, v) for v in dict.fromkeys(r.get(t) or ()))
            texts.append(
                (
                    n,
                    r["title"],
                    r.get("summary", ""),
                    r.get("text", ""),
                    "; ".join(r.get("people") or ()),
                    "; ".join(r.get("places") or ()),
                    "; ".join(r.get("subjects") or ()),
                )
            )
        db.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?)", docs)
        for t in self.FACET_TABLES:
            db.executemany(f"INSERT INTO {t} VALUES (?,?)", facets[t])
        db.executemany(
            "INSERT INTO fts(rowid, title, summary, text, people, places, subjects)"
            " VALUES (?,?,?,?,?,?,?)",
            texts,
        )
        db.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        db.commit()
        self.db = db
        self.build_seconds = time.perf_counter() - t0

    def _params(self, q: BenchQuery) -> tuple:
        """Dates in fts_params ("1961", "1963") become day ordinals: from-start, to-end."""
        from archive_tui.dates import parse_date

        out: list = []
        dates_seen = 0
        for p in q.fts_params:
            if isinstance(p, str) and re.fullmatch(r"\d{4}(-\d{2}){0,2}", p):
                d = parse_date(p)
                out.append(d.start if dates_seen % 2 == 0 else d.end)
                dates_seen += 1
            else:
                out.append(p)
        return tuple(out)

    def _matches_sql(self, q: BenchQuery) -> tuple[str, tuple]:
        params = self._params(q)
        if q.fts_match:
            sql = "SELECT fts.rowid AS rid, fts.rank AS rank FROM fts WHERE fts MATCH ?"
            if q.fts_where:
                sql = (
                    f"SELECT f.rid AS rid, f.rank AS rank FROM ({sql}) f"
                    f" JOIN docs d ON d.rowid = f.rid WHERE {q.fts_where}"
                )
            return sql, (q.fts_match, *params)
        where = q.fts_where or "1"
        return f"SELECT d.rowid AS rid, 0 AS rank FROM docs d WHERE {where}", params

    ORDER_SQL: ClassVar[dict[str, str]] = {
        "relevance": "m.rank, d.sort_key",
        "date": "d.sort_key, d.rowid",
        "-date": "d.sort_key DESC, d.rowid",
        "title": "d.title COLLATE NOCASE, d.sort_key",
    }

    def search(self, q: BenchQuery, limit: int = 20) -> tuple[int, list[str]]:
        """Count, first page in the query's order, and all facet counts, like Archive.search."""
        db = self.db
        sql, params = self._matches_sql(q)
        db.execute("DROP TABLE IF EXISTS temp.m")
        db.execute(f"CREATE TEMP TABLE m AS {sql}", params)
        total = db.execute("SELECT count(*) FROM m").fetchone()[0]
        page = [
            row[0]
            for row in db.execute(
                "SELECT d.id FROM m JOIN docs d ON d.rowid = m.rid"
                f" ORDER BY {self.ORDER_SQL[q.order]} LIMIT ?",
                (limit,),
            )
        ]
        for col in self.FACET_COLUMNS:
            db.execute(
                f"SELECT d.{col}, count(*) c FROM m JOIN docs d ON d.rowid = m.rid"
                f" GROUP BY d.{col} ORDER BY c DESC"
            ).fetchall()
        for table in self.FACET_TABLES:
            db.execute(
                f"SELECT v.value, count(*) c FROM m JOIN {table} v ON v.rid = m.rid"
                " GROUP BY v.value ORDER BY c DESC"
            ).fetchall()
        return total, page

    def page_only(self, q: BenchQuery, limit: int = 20) -> list[str]:
        """Just the ordered first page, one statement, no count or facets (FTS5's best case)."""
        sql, params = self._matches_sql(q)
        return [
            row[0]
            for row in self.db.execute(
                f"SELECT d.id FROM ({sql}) m JOIN docs d ON d.rowid = m.rid"
                f" ORDER BY {self.ORDER_SQL[q.order]} LIMIT ?",
                (*params, limit),
            )
        ]


# --------------------------------------------------------------------------- timing


@dataclass
class Timing:
    label: str
    runs_ms: list[float] = field(default_factory=list)
    total: int | None = None

    @property
    def median(self) -> float:
        return median(self.runs_ms)

    @property
    def p95(self) -> float:
        return percentile(self.runs_ms, 95)


def time_calls(label: str, call: Callable[[], int | None], repeat: int) -> Timing:
    """One warm-up call, then `repeat` timed calls (gc disabled while timing, as timeit does)."""
    timing = Timing(label, total=call())
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            call()
            timing.runs_ms.append((time.perf_counter() - t0) * 1000)
    finally:
        if gc_was:
            gc.enable()
    return timing


def archive_call(archive, q: BenchQuery) -> Callable[[], int]:
    def call() -> int:
        result = archive.search(q.query, filters=q.filters, sort=q.sort, offset=0, limit=20)
        _ = result.facets, [h.record for h in result.hits]
        return result.total

    return call


# --------------------------------------------------------------------------- subprocess workers


def _baseline() -> float:
    """RSS now, with the peak mark reset, so the peak read later is the open's own."""
    gc.collect()
    reset_peak_rss()
    return rss_mb()


def worker(kind: str, path: str) -> dict:
    """Measure one way of opening `path` in this (fresh) process: time and peak RSS."""
    if kind == "json":
        base = _baseline()
        t0 = time.perf_counter()
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        seconds = time.perf_counter() - t0
        n = len(data.get("records", data)) if isinstance(data, dict) else len(data)
    elif kind == "tinydb":
        from tinydb import TinyDB

        base = _baseline()
        t0 = time.perf_counter()
        db = TinyDB(path, access_mode="r")  # TinyDB's default JSONStorage
        n = len(db.table("records").all())
        seconds = time.perf_counter() - t0
    elif kind in ("archive", "default"):
        import archive_tui.archive as archive_mod  # numpy and the engine, before the baseline

        base = _baseline()
        t0 = time.perf_counter()
        if kind == "default":
            archive = archive_mod.Archive.open_default()
        else:
            archive = archive_mod.Archive.open(path, read_only=True)
        seconds = time.perf_counter() - t0
        n = len(archive)
        t1 = time.perf_counter()
        result = archive.search("", limit=20)
        _ = result.facets, result.hits
        first_search_ms = (time.perf_counter() - t1) * 1000
        # a cold open writes its index cache on a thread after it returns: wait, so the
        # peak memory below includes that write, and say how long it took after the open
        archive.wait_for_cache()
        cache_write_s = time.perf_counter() - t0 - seconds
        return {
            "seconds": seconds,
            "records": n,
            "rss_base_mb": base,
            "rss_peak_mb": peak_rss_mb(),
            "first_search_ms": first_search_ms,
            "cache_write_s": cache_write_s,
        }
    else:
        raise SystemExit(f"unknown worker kind {kind}")
    return {"seconds": seconds, "records": n, "rss_base_mb": base, "rss_peak_mb": peak_rss_mb()}


def measure(kind: str, path: Path, runs: int, home: Path | None = None) -> list[dict]:
    env = {"ARCHIVE_TUI_HOME": str(home)} if home else {}
    return [run_worker(SCRIPT, ["--worker", kind, str(path)], env) for _ in range(runs)]


def measure_cold_warm(kind: str, path: Path, runs: int) -> tuple[list[dict], list[dict]]:
    """Cold: a fresh ARCHIVE_TUI_HOME (no cache) each run. Warm: later opens with that cache."""
    cold, warm = [], []
    homes = []
    for _ in range(runs):
        home = fresh_home()
        homes.append(home)
        cold += measure(kind, path, 1, home)
    warm = measure(kind, path, runs, homes[-1])
    for home in homes:
        shutil.rmtree(home, ignore_errors=True)
    return cold, warm


# --------------------------------------------------------------------------- report


class Report:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.data: dict = {}
        self.misses: list[str] = []

    def out(self, line: str = "") -> None:
        print(line, flush=True)
        self.lines.append(line)

    def target(self, name: str, ok: bool, detail: str) -> None:
        self.out(f"  [{verdict(ok)}] {name}: {detail}")
        if not ok:
            self.misses.append(f"{name}: {detail}")


def _med(rows: list[dict], key: str) -> float:
    return median([r[key] for r in rows])


def open_section(rep: Report, path: Path, runs: int, kind: str = "archive") -> dict:
    size_mb = path.stat().st_size / 1e6
    rep.out(f"  file: {path} ({size_mb:.1f} MB)")
    js = measure("json", path, runs) if kind == "archive" else []
    tdb = measure("tinydb", path, runs) if kind == "archive" else []
    cold, warm = measure_cold_warm(kind, path, runs)
    rows = [("json.load", js), ("TinyDB load (.all())", tdb)] if js else []
    rows += [("Archive.open cold (no cache)", cold), ("Archive.open warm (cache)", warm)]
    rep.out(f"  open time, median of {runs} fresh processes; peak RSS above the imports:")
    for name, rs in rows:
        extra = ""
        if "first_search_ms" in rs[0]:
            extra = f"   first search {_med(rs, 'first_search_ms'):7.1f} ms"
        if name.endswith("(no cache)"):
            extra += f"   cache written {_med(rs, 'cache_write_s'):5.2f} s later (background)"
        rep.out(
            f"    {name:30s} {_med(rs, 'seconds'):7.2f} s   "
            f"peak +{_med(rs, 'rss_peak_mb') - _med(rs, 'rss_base_mb'):7.0f} MB"
            f" (total {_med(rs, 'rss_peak_mb'):6.0f} MB){extra}"
        )
    out = {name: rs for name, rs in rows}
    out["file_mb"] = size_mb
    return out


def search_section(
    rep: Report,
    archive,
    queries: list[BenchQuery],
    repeat: int,
    fts: Fts5Reference | None,
) -> dict:
    ours = [time_calls(q.label, archive_call(archive, q), repeat) for q in queries]
    theirs: list[Timing | None] = []
    page_only: list[Timing | None] = []
    for q in queries:
        if fts is None:
            theirs.append(None)
            page_only.append(None)
            continue
        theirs.append(time_calls(q.label, lambda q=q: fts.search(q)[0], max(3, repeat // 4)))
        page_only.append(
            time_calls(q.label, lambda q=q: len(fts.page_only(q)), max(3, repeat // 4))
        )
    rep.out(f"  search (warm archive; {repeat} runs after 1 warm-up; facets + first page of 20)")
    rep.out(
        f"    {'query':30s} {'text':28s} {'total':>7s} {'median':>8s} {'p95':>8s}"
        f" | {'FTS5 total':>10s} {'full':>8s} {'page':>8s} {'x':>6s}"
    )
    for q, o, t, p in zip(queries, ours, theirs, page_only, strict=True):
        flag = "!" if o.median > SEARCH_MEDIAN_MS or o.p95 > SEARCH_P95_MS else " "
        ref = ""
        if t is not None and p is not None:
            ref = (
                f" | {t.total:>10,} {t.median:7.1f}ms {p.median:7.1f}ms"
                f" {t.median / max(o.median, 1e-6):5.1f}x"
            )
        text = (q.query or "(none)") + (" +filters" if q.filters else "")
        rep.out(
            f"   {flag}{q.label:30s} {text[:28]:28s} {o.total:>7,} {o.median:6.2f}ms"
            f" {o.p95:6.2f}ms{ref}"
        )
    all_runs = [ms for o in ours for ms in o.runs_ms]
    rep.out(
        f"    all queries: median {median(all_runs):.2f} ms, p95 {percentile(all_runs, 95):.2f} ms,"
        f" max {max(all_runs):.2f} ms"
    )
    return {
        "ours": ours,
        "fts": theirs,
        "fts_page": page_only,
        "median": median(all_runs),
        "p95": percentile(all_runs, 95),
    }


def profile_query(archive, q: BenchQuery, rep: Report, top: int = 15) -> None:
    prof = cProfile.Profile()
    call = archive_call(archive, q)
    call()  # warm-up: lazy one-time work (vocabulary dicts, ...) is not the steady state
    prof.enable()
    for _ in range(10):
        call()
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    rep.out(f"  cProfile of {q.label!r} ({q.query!r}), 10 runs, by own time:")
    for line in buf.getvalue().splitlines():
        if line.strip() and not line.startswith(("   Ordered", "   List reduced")):
            rep.out("    " + line.rstrip())


def profile_open(rep: Report, path: Path, top: int = 25) -> None:
    """cProfile one cold open (empty cache folder) in this process."""
    from archive_tui.archive import Archive

    home = fresh_home()
    os.environ["ARCHIVE_TUI_HOME"] = str(home)
    prof = cProfile.Profile()
    try:
        prof.enable()
        Archive.open(path, read_only=True)
        prof.disable()
    finally:
        shutil.rmtree(home, ignore_errors=True)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(top)
    rep.out(f"  cProfile of a cold Archive.open of {path.name}, by own time:")
    for line in buf.getvalue().splitlines():
        if line.strip() and not line.startswith(("   Ordered", "   List reduced")):
            rep.out("    " + line.rstrip())


def bench_size(rep: Report, size: int, args: argparse.Namespace) -> None:
    from archive_tui.archive import Archive
    from bench.generate import ensure_archive, load_corpus_model

    rep.out(f"\n=== {size:,} generated records (seed {args.seed}) ===")
    path = ensure_archive(size, args.seed)
    opens = open_section(rep, path, args.open_runs)

    home = fresh_home()
    os.environ["ARCHIVE_TUI_HOME"] = str(home)
    try:
        Archive.open(path, read_only=True)  # builds the cache
        archive = Archive.open(path, read_only=True)
        model = load_corpus_model(None)
        queries = query_mix(model.words, model.title_words)
        fts = None
        if not args.no_fts:
            with open(path, encoding="utf-8") as f:
                records = list(json.load(f)["records"].values())
            fts = Fts5Reference(records)
            del records
            rep.out(f"  FTS5 reference built in {fts.build_seconds:.1f} s (in memory)")
        res = search_section(rep, archive, queries, args.repeat, fts)
    finally:
        shutil.rmtree(home, ignore_errors=True)

    if size >= TARGET_SIZE or args.all_targets:
        rep.out(f"  targets at {size:,}:")
        rep.target(
            "search median", res["median"] <= SEARCH_MEDIAN_MS, f"{res['median']:.2f} ms ≤ 5 ms"
        )
        rep.target("search p95", res["p95"] <= SEARCH_P95_MS, f"{res['p95']:.2f} ms ≤ 25 ms")
        for q, o, t in zip(queries, res["ours"], res["fts"], strict=True):
            if q.everything and q.order == "date" and t is not None:
                ratio = t.median / max(o.median, 1e-6)
                rep.target(
                    "vs FTS5 by date, common word",
                    ratio >= FTS_SPEEDUP,
                    f"{ratio:.1f}x faster ({o.median:.2f} ms vs {t.median:.1f} ms) ≥ 10x",
                )
        cold = _med(opens["Archive.open cold (no cache)"], "seconds")
        js = _med(opens["json.load"], "seconds")
        rep.target(
            "cold open vs json.load",
            cold <= COLD_OPEN_VS_JSON * js,
            f"{cold / js:.2f}x ({cold:.2f} s vs {js:.2f} s) ≤ 3x",
        )
        tdb = opens["TinyDB load (.all())"]
        tdb_mb = _med(tdb, "rss_peak_mb") - _med(tdb, "rss_base_mb")
        for kind in ("cold", "warm"):
            rows = opens[f"Archive.open {kind} ({'no cache' if kind == 'cold' else 'cache'})"]
            ours_mb = _med(rows, "rss_peak_mb") - _med(rows, "rss_base_mb")
            rep.target(
                f"peak memory vs TinyDB, {kind} open",
                ours_mb <= MEMORY_VS_TINYDB * tdb_mb,
                f"{ours_mb / tdb_mb:.2f}x (+{ours_mb:.0f} MB vs +{tdb_mb:.0f} MB) ≤ 2x",
            )
        if args.profile:
            for q, o in zip(queries, res["ours"], strict=True):
                if o.median > SEARCH_MEDIAN_MS or o.p95 > SEARCH_P95_MS:
                    profile_query(archive, q, rep)
    if args.profile_open:
        profile_open(rep, path)
    rep.data[str(size)] = {
        "open": {k: v if isinstance(v, float) else [dict(r) for r in v] for k, v in opens.items()},
        "search": {
            q.label: {
                "query": q.query,
                "total": o.total,
                "median_ms": o.median,
                "p95_ms": o.p95,
                "fts_total": t.total if t else None,
                "fts_median_ms": t.median if t else None,
                "fts_page_median_ms": p.median if p else None,
            }
            for q, o, t, p in zip(queries, res["ours"], res["fts"], res["fts_page"], strict=True)
        },
        "search_median_ms": res["median"],
        "search_p95_ms": res["p95"],
    }


def bench_shipped(rep: Report, args: argparse.Namespace) -> None:
    from archive_tui.archive import Archive
    from archive_tui.paths import shipped_archive_path
    from bench.generate import load_corpus_model

    path = shipped_archive_path()
    rep.out("\n=== shipped archive (Archive.open_default, no user archive) ===")
    opens = open_section(rep, path, args.open_runs, kind="default")
    home = fresh_home()
    os.environ["ARCHIVE_TUI_HOME"] = str(home)
    try:
        Archive.open_default()
        archive = Archive.open_default()
        rep.out(f"  records: {len(archive):,}")
        model = load_corpus_model(None)
        queries = query_mix(model.words, model.title_words)
        res = search_section(rep, archive, queries, args.repeat, None)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    warm = _med(opens["Archive.open warm (cache)"], "seconds")
    rep.target("shipped warm open", warm <= SHIPPED_WARM_OPEN_S, f"{warm:.2f} s ≤ 1 s")
    rep.data["shipped"] = {
        "open": {k: v for k, v in opens.items()},
        "search_median_ms": res["median"],
        "search_p95_ms": res["p95"],
    }


def _git_state() -> str:
    """Commit of the checkout, and whether the engine files differ from it."""
    import subprocess

    def git(*a: str) -> str:
        r = subprocess.run(["git", *a], cwd=SCRIPT.parents[1], capture_output=True, text=True)
        return r.stdout.strip()

    head = git("log", "-1", "--format=%h %s")[:80] or "unknown"
    dirty = git("status", "--short", "--", "src/archive_tui")
    changed = [ln.split()[-1] for ln in dirty.splitlines() if "/ui/" not in ln]
    return head + (f" (+ uncommitted: {', '.join(changed)})" if changed else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated record counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shipped", action="store_true", help="also the shipped archive")
    parser.add_argument("--repeat", type=int, default=20, help="timed runs per query")
    parser.add_argument("--open-runs", type=int, default=3, help="fresh processes per open figure")
    parser.add_argument("--no-fts", action="store_true", help="skip the SQLite FTS5 reference")
    parser.add_argument("--profile", action="store_true", help="cProfile each query that misses")
    parser.add_argument("--profile-open", action="store_true", help="cProfile a cold open")
    parser.add_argument("--all-targets", action="store_true", help="check targets at every size")
    parser.add_argument("--worker", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(*args.worker)))
        return 0
    sizes = parse_sizes(args.sizes)
    rep = Report()
    rep.out(f"engine: {_git_state()}")
    rep.out(f"archive-tui core benchmark — {machine_line()}, SQLite {sqlite3.sqlite_version}")
    for size in sizes:
        bench_size(rep, size, args)
    if args.shipped:
        bench_shipped(rep, args)
    rep.out("\nmisses: " + ("; ".join(rep.misses) if rep.misses else "none"))
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    (OUT_DIR / f"core-{stamp}.txt").write_text("\n".join(rep.lines) + "\n", encoding="utf-8")
    (OUT_DIR / f"core-{stamp}.json").write_text(
        json.dumps(rep.data, default=lambda o: o.__dict__, indent=1), encoding="utf-8"
    )
    print(f"(saved bench/out/core-{stamp}.txt and .json)")
    return 1 if rep.misses else 0


if __name__ == "__main__":
    sys.exit(main())
