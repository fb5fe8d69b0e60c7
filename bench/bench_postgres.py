"""PostgreSQL backend (issue 12): import time, search latency against the local engine on the
same queries in the same run, and searches while another process imports.

    python bench/bench_postgres.py                       # 100,000 generated records (seed 1)
    python bench/bench_postgres.py --count 20000 --clients 8
    python bench/bench_postgres.py --count 1000000 --pg-only --no-concurrent   # streamed import
    python bench/bench_postgres.py --database postgresql:///mine --pg-only      # an archive as is

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


def server_setting(address: str, name: str) -> str:
    """A setting of the server (the figures depend on its cache size)."""
    import psycopg

    with psycopg.connect(address, autocommit=True) as conn:
        return str(conn.execute("SELECT current_setting(%s)", (name,)).fetchone()[0])


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


def _client(address: str, stop, out, ready=None) -> None:
    """One client: one search untimed (its per-process caches read, as an app that is
    already open has them), then searches in a loop until ``stop`` is set; its latencies
    and errors."""
    from archive_tui.pg.archive import PgArchive

    times: list[float] = []
    errors: list[str] = []
    which: list[int] = []  # the query of each time (QUERIES index)
    try:
        archive = PgArchive.open(address)
    except Exception as exc:
        out.put(([], [f"open: {exc}"], []))
        if ready is not None:
            ready.put(False)
        return
    if ready is not None:
        archive.search("soviet", limit=20)
        ready.put(True)
    i = os.getpid()
    while not stop.is_set():
        query, filters, sort = QUERIES[i % len(QUERIES)]
        which.append(i % len(QUERIES))
        i += 1
        t0 = time.perf_counter()
        try:
            archive.search(query, filters=filters, sort=sort, limit=20)
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        times.append((time.perf_counter() - t0) * 1000)
    archive.close()
    out.put((times, errors, which))


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
    ready = ctx.Queue()
    procs = [
        ctx.Process(target=_client, args=(address, stop, results, ready)) for _ in range(clients)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # every client open, its caches read (as a running app's)
        ready.get()
    time.sleep(1)  # clients searching before the import starts
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
    by_query: dict[int, list[float]] = {}
    for _ in procs:
        t, e, w = results.get()
        times += t
        errors += e
        for q, ms in zip(w, t, strict=True):
            by_query.setdefault(q, []).append(ms)
    for p in procs:
        p.join()
    return {"import": status, "times": times, "errors": errors, "by_query": by_query}


def streamed_records(count: int, seed: int, start: int = 0, chunk: int = 50_000):
    """bench/generate.py's records ``start`` .. ``count`` in chunks (the same records as
    generate_records(count, seed)[start:], never all in memory at once)."""
    from bench.generate import _Generator, load_corpus_model

    gen = _Generator(load_corpus_model(None), count, seed)
    batch: list[dict] = []
    for i in range(count):
        record = gen.record(i)  # in order: the generator's streams advance record by record
        if i >= start:
            batch.append(record)
        if len(batch) >= chunk:
            yield batch
            batch = []
    if batch:
        yield batch


def import_streamed(conn, count: int, extra: int, seed: int, chunk: int):
    """Import ``count`` generated records chunk by chunk; the ``extra`` records generated
    after them are kept: (validation s, write s, the extra records)."""
    from archive_tui.pg.records import prepare, write_records

    validate = write = 0.0
    done = 0
    tail: list[dict] = []
    for records in streamed_records(count + extra, seed, chunk=chunk):
        mine = records[: max(0, count - done)]
        tail += records[len(mine) :]
        done += len(mine)
        if not mine:
            continue
        t0 = time.perf_counter()
        batch = prepare(mine)
        t1 = time.perf_counter()
        write_records(conn, batch)
        validate += t1 - t0
        write += time.perf_counter() - t1
        print(f"  imported {done:,}: chunk {time.perf_counter() - t0:.1f} s", flush=True)
    return validate, write, tail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--concurrent-import", type=int, default=5000)
    parser.add_argument("--server", help="an admin postgresql:// address")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--pg-only", action="store_true", help="skip the local engine (no local index built)"
    )
    parser.add_argument(
        "--no-concurrent", action="store_true", help="skip the clients-while-importing part"
    )
    parser.add_argument(
        "--database",
        help="search this existing archive (postgresql:// address) as it is: nothing "
        "generated, imported or dropped (implies --pg-only; the concurrent part imports "
        "generated records into it)",
    )
    parser.add_argument("--chunk", type=int, default=50_000, help="records a streamed import")
    args = parser.parse_args(argv)
    pg_only = args.pg_only or bool(args.database)

    os.environ["ARCHIVE_TUI_HOME"] = tempfile.mkdtemp(prefix="atui-bench-pg-")
    print(machine_line())
    print(f"load average before: {os.getloadavg()}")
    figures: dict = {"count": args.count, "machine": machine_line()}
    server = server_address(args.server)
    name = None
    if args.database:
        address = args.database
        records: list[dict] = []
        from archive_tui.pg.archive import PgArchive

        pg = PgArchive.open(address)
        figures["count"] = len(pg)  # the archive's, not --count
        pg.close()
        print(f"archive {address}: {figures['count']:,} records")
    else:
        name, address = make_database(server)
    figures["shared_buffers"] = server_setting(address, "shared_buffers")
    print(f"server shared_buffers: {figures['shared_buffers']} (README: sizing the server)")
    try:
        local = None
        if not args.database:
            records, local = _import(address, args, pg_only, figures)
        _searches(address, local, args.repeat, figures)
        if not args.no_concurrent:
            from archive_tui.pg.records import prepare

            if args.database:  # new records (ids of their own) of another seed
                from bench.generate import generate_records

                extra = generate_records(args.concurrent_import, args.seed + 1)
                for record in extra:
                    record["id"] = "bench-extra-" + record["id"]
            else:
                extra = records if pg_only else records[args.count :]
            _concurrent(address, args.clients, prepare(extra), figures)
            if args.database:  # the archive as it was
                from archive_tui.pg.archive import PgArchive

                pg = PgArchive.open(address)
                pg.remove(r["id"] for r in extra)
                pg.close()
    finally:
        if name is not None:
            drop_database(server, name)
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2), encoding="utf-8")
    print(f"load average after: {os.getloadavg()}")
    return 0


def _import(address: str, args, pg_only: bool, figures: dict):
    """Generate and import (streamed when ``pg_only``): (records, local archive or None)."""
    from archive_tui.archive import Archive, add_to_store
    from archive_tui.pg import connect
    from archive_tui.pg.migrations import migrate
    from archive_tui.pg.records import prepare, write_records
    from bench.generate import generate_records

    records: list[dict] = []
    with connect(address, autocommit=True) as conn:
        migrate(conn)
        if pg_only:
            t0 = time.perf_counter()
            validate, write, records = import_streamed(
                conn, args.count, args.concurrent_import, args.seed, args.chunk
            )
            t1, t2 = t0 + validate, t0 + validate + write
        else:
            t0 = time.perf_counter()
            records = generate_records(args.count + args.concurrent_import, args.seed)
            print(f"generated {len(records):,} records in {time.perf_counter() - t0:.1f} s")
            t0 = time.perf_counter()
            batch = prepare(records[: args.count])
            t1 = time.perf_counter()
            write_records(conn, batch)
            t2 = time.perf_counter()
        conn.execute("ANALYZE")
    figures["import_s"] = round(t2 - t0, 1)
    figures["import_validate_s"] = round(t1 - t0, 1)
    figures["import_write_s"] = round(t2 - t1, 1)
    print(
        f"PostgreSQL import of {args.count:,} records: {t2 - t0:.1f} s "
        f"(validation {t1 - t0:.1f} s, rows + COPY + upsert {t2 - t1:.1f} s; target <= 60 s "
        "at 100k)"
    )
    if pg_only:
        return records, None  # the extra records only
    store = Path(os.environ["ARCHIVE_TUI_HOME"]) / "local.json"
    t0 = time.perf_counter()
    add_to_store(store, records[: args.count])
    local = Archive.open(store)
    print(f"local import + open: {time.perf_counter() - t0:.1f} s")
    return records, local


def _searches(address: str, local, repeat: int, figures: dict) -> None:
    """Every query ``repeat`` times on PostgreSQL (and the local engine if given)."""
    from archive_tui.pg.archive import PgArchive

    pg = PgArchive.open(address)
    t0 = time.perf_counter()
    pg.search("")
    print(f"PostgreSQL first search (caches read): {(time.perf_counter() - t0) * 1000:.0f} ms")
    pg_times, pg_each = timed_searches(pg, repeat)
    runs = [("PostgreSQL", pg_times)]
    local_each: dict[str, float] = {}
    if local is not None:
        local_times, local_each = timed_searches(local, repeat)
        runs.append(("local", local_times))
        figures["local_median_ms"] = round(median(local_times), 1)
        figures["local_p95_ms"] = round(percentile(local_times, 95), 1)
    for label, times in runs:
        print(
            f"{label:<11} search incl. facets: median {median(times):.1f} ms, "
            f"p95 {percentile(times, 95):.1f} ms over {len(times)} searches"
        )
    print(f"{'query':<40} {'pg ms':>8} {'local ms':>9}")
    for key in pg_each:
        there = f"{local_each[key]:>9.1f}" if key in local_each else f"{'-':>9}"
        print(f"{key[:40]:<40} {pg_each[key]:>8.1f} {there}")
    figures["pg_median_ms"] = round(median(pg_times), 1)
    figures["pg_p95_ms"] = round(percentile(pg_times, 95), 1)
    figures["per_query_ms"] = {
        k: [round(pg_each[k], 1), round(local_each[k], 1) if k in local_each else None]
        for k in pg_each
    }
    pg.close()


def _concurrent(address: str, clients: int, extra: list[dict], figures: dict) -> None:
    got = concurrent(address, clients, extra)
    times = got["times"]
    print(
        f"{clients} clients searching while one imports {len(extra):,} records: "
        f"{len(times):,} searches, {len(got['errors'])} errors, median "
        f"{median(times):.1f} ms, p95 {percentile(times, 95):.1f} ms (target <= 500 ms); "
        f"import {got['import'][0]} in {got['import'][1]:.1f} s"
    )
    for error in got["errors"][:5]:
        print(f"  error: {error}")
    print(f"  {'query (while importing)':<40} {'median':>8} {'p95':>8} {'n':>5}")
    for q, ms in sorted(got["by_query"].items(), key=lambda kv: -median(kv[1])):
        query, filters, sort = QUERIES[q]
        label = f"{query} {filters or ''} {sort or ''}".strip()
        print(f"  {label[:40]:<40} {median(ms):>8.1f} {percentile(ms, 95):>8.1f} {len(ms):>5}")
    figures["concurrent"] = {
        "clients": clients,
        "searches": len(times),
        "errors": len(got["errors"]),
        "median_ms": round(median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "import": got["import"][0],
        "import_s": round(got["import"][1], 1),
    }


if __name__ == "__main__":
    raise SystemExit(main())
