"""PostgreSQL backend (issue 12): import time, search latency against the local engine on the
same queries in the same run, and searches while another process imports.

    python bench/bench_postgres.py                       # 100,000 generated records (seed 1)
    python bench/bench_postgres.py --count 20000 --clients 8

Needs a PostgreSQL server (``--server``, else ``ARCHIVE_TUI_TEST_DB``, else the local
cluster's socket, as the tests use): a throwaway database is made and dropped. Targets (the
issue's): 100k records imported with COPY in <= 60 s; search incl. facets median <= 30 ms,
p95 <= 150 ms; 20 clients searching while one imports: no error, p95 <= 500 ms.
Generated records are made in memory (bench/generate.py, seeded), never committed.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import ensure_repo_on_path, machine_line, median, percentile

ensure_repo_on_path()

DEFAULT_SERVER = "postgresql:///postgres?host=/var/run/postgresql"

QUERIES: list[tuple[str, dict, str | None]] = [
    ("soviet", {}, None),
    ("soviet union", {}, None),
    ('"secretary of state"', {}, None),
    ("nuclear OR atomic", {}, None),
    ("berlin -wall", {}, None),
    ("sov*", {}, None),
    ("gr?myko", {}, None),
    ("Громыко", {}, None),
    ("manach", {}, None),
    ("title:treaty", {}, None),
    ("date:1962-10", {}, None),
    ("date:1950..1955 soviet", {}, None),
    ("", {}, None),
    ("", {"type": "Telegram"}, None),
    ("soviet", {"decade": "1960s"}, "date"),
    ("china", {}, "-date"),
    ("agreement", {}, "title"),
    ("admin:kennedy cuba", {}, None),
]


def server_address(explicit: str | None) -> str:
    return explicit or os.environ.get("ARCHIVE_TUI_TEST_DB") or DEFAULT_SERVER


def make_database(server: str) -> tuple[str, str]:
    import psycopg

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from pg_server import with_database

    name = f"atui_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, with_database(server, name)


def drop_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def timed_searches(archive, repeat: int) -> tuple[list[float], dict[str, float]]:
    """Every query ``repeat`` times (after one warm-up each): all times, and each median."""
    times: list[float] = []
    per_query: dict[str, float] = {}
    for query, filters, sort in QUERIES:
        archive.search(query, filters=filters, sort=sort, limit=20)
        runs = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = archive.search(query, filters=filters, sort=sort, limit=20)
            result.hits  # noqa: B018 - the first page with its highlights is part of it
            runs.append((time.perf_counter() - t0) * 1000)
        times += runs
        per_query[f"{query} {filters or ''} {sort or ''}".strip()] = median(runs)
    return times, per_query


def _client(address: str, stop, out) -> None:
    """One client: searches in a loop until ``stop`` is set; its latencies and errors."""
    from archive_tui.pg.archive import PgArchive

    times: list[float] = []
    errors: list[str] = []
    try:
        archive = PgArchive.open(address)
    except Exception as exc:
        out.put(([], [f"open: {exc}"]))
        return
    i = os.getpid()
    while not stop.is_set():
        query, filters, sort = QUERIES[i % len(QUERIES)]
        i += 1
        t0 = time.perf_counter()
        try:
            archive.search(query, filters=filters, sort=sort, limit=20)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        times.append((time.perf_counter() - t0) * 1000)
    archive.close()
    out.put((times, errors))


def _importer(address: str, records: list[dict], out) -> None:
    from archive_tui.pg.archive import PgArchive

    archive = PgArchive.open(address)
    t0 = time.perf_counter()
    try:
        archive.add(records)
        out.put(("ok", time.perf_counter() - t0))
    except Exception as exc:
        out.put((f"{type(exc).__name__}: {exc}", time.perf_counter() - t0))
    archive.close()


def concurrent(address: str, clients: int, records: list[dict], least_s: float = 10) -> dict:
    """``clients`` processes search while one process imports ``records`` (and at least
    ``least_s`` seconds)."""
    ctx = mp.get_context("fork")
    results = ctx.Queue()
    imported = ctx.Queue()
    stop = ctx.Event()
    procs = [ctx.Process(target=_client, args=(address, stop, results)) for _ in range(clients)]
    for p in procs:
        p.start()
    time.sleep(1)  # clients connected and searching before the import starts
    t0 = time.time()
    importer = ctx.Process(target=_importer, args=(address, records, imported))
    importer.start()
    status = imported.get()
    importer.join()
    while time.time() < t0 + least_s:
        time.sleep(0.2)
    stop.set()
    times: list[float] = []
    errors: list[str] = []
    for _ in procs:
        t, e = results.get()
        times += t
        errors += e
    for p in procs:
        p.join()
    return {"import": status, "times": times, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--concurrent-import", type=int, default=5000)
    parser.add_argument("--server", help="an admin postgresql:// address")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args(argv)

    from archive_tui.archive import Archive, add_to_store
    from archive_tui.pg import connect
    from archive_tui.pg.archive import PgArchive
    from archive_tui.pg.migrations import migrate
    from archive_tui.pg.records import prepare, write_records
    from bench.generate import generate_records

    os.environ["ARCHIVE_TUI_HOME"] = tempfile.mkdtemp(prefix="atui-bench-pg-")
    print(machine_line())
    t0 = time.perf_counter()
    records = generate_records(args.count + args.concurrent_import, args.seed)
    extra = records[args.count :]
    records = records[: args.count]
    print(
        f"generated {len(records):,} + {len(extra):,} records in {time.perf_counter() - t0:.1f} s"
    )
    server = server_address(args.server)
    name, address = make_database(server)
    figures: dict = {"count": args.count, "machine": machine_line()}
    try:
        with connect(address, autocommit=True) as conn:
            migrate(conn)
            t0 = time.perf_counter()
            batch = prepare(records)
            t1 = time.perf_counter()
            write_records(conn, batch)
            t2 = time.perf_counter()
            conn.execute("ANALYZE")
        figures["import_s"] = round(t2 - t0, 1)
        figures["import_validate_s"] = round(t1 - t0, 1)
        figures["import_write_s"] = round(t2 - t1, 1)
        print(
            f"PostgreSQL import of {len(records):,} records: {t2 - t0:.1f} s "
            f"(validation {t1 - t0:.1f} s, rows + COPY + upsert {t2 - t1:.1f} s; target <= 60 s)"
        )
        store = Path(os.environ["ARCHIVE_TUI_HOME"]) / "local.json"
        t0 = time.perf_counter()
        add_to_store(store, records)
        local = Archive.open(store)
        print(f"local import + open: {time.perf_counter() - t0:.1f} s")
        pg = PgArchive.open(address)
        pg_times, pg_each = timed_searches(pg, args.repeat)
        local_times, local_each = timed_searches(local, args.repeat)
        for label, times in (("PostgreSQL", pg_times), ("local", local_times)):
            print(
                f"{label:<11} search incl. facets: median {median(times):.1f} ms, "
                f"p95 {percentile(times, 95):.1f} ms over {len(times)} searches"
            )
        print(f"{'query':<40} {'pg ms':>8} {'local ms':>9}")
        for key in pg_each:
            print(f"{key[:40]:<40} {pg_each[key]:>8.1f} {local_each[key]:>9.1f}")
        figures["pg_median_ms"] = round(median(pg_times), 1)
        figures["pg_p95_ms"] = round(percentile(pg_times, 95), 1)
        figures["local_median_ms"] = round(median(local_times), 1)
        figures["local_p95_ms"] = round(percentile(local_times, 95), 1)
        figures["per_query_ms"] = {
            k: [round(pg_each[k], 1), round(local_each[k], 1)] for k in pg_each
        }
        pg.close()
        got = concurrent(address, args.clients, prepare(extra))
        times = got["times"]
        print(
            f"{args.clients} clients searching while one imports {len(extra):,} records: "
            f"{len(times):,} searches, {len(got['errors'])} errors, median "
            f"{median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms (target <= 500 ms); "
            f"import {got['import'][0]} in {got['import'][1]:.1f} s"
        )
        for error in got["errors"][:5]:
            print(f"  error: {error}")
        figures["concurrent"] = {
            "clients": args.clients,
            "searches": len(times),
            "errors": len(got["errors"]),
            "median_ms": round(median(times), 1),
            "p95_ms": round(percentile(times, 95), 1),
            "import": got["import"][0],
            "import_s": round(got["import"][1], 1),
        }
    finally:
        drop_database(server, name)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
