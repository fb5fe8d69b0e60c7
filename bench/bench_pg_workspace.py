"""PostgreSQL workspace benchmark: a researcher's workspace in a real server.

Makes a throwaway database and two researcher roles on the server at ``--admin`` (a
superuser address; default: the local cluster's Unix socket, as the tests use), seeds
``--annotations`` tagged records (with notes on 20 %) for role A, then measures:

- ``open``: ``PgWorkspace.open`` (what the app adds to its start);
- ``tag op``: one ``add_tags`` (one transaction: lock the role's row, apply, log), median
  and p95 of ``--ops``;
- ``changed_on_disk``: the app's poll for another session's changes (median);
- ``shared change -> listener``: A tags with a shared tag, B's ``Listener`` hears it
  (median of 20);
- ``2 x 500 concurrent``: two processes of role A, 500 tag operations each; wall time and
  how many of the 1,000 are present afterwards.

Everything made is dropped at the end.

    python bench/bench_pg_workspace.py [--admin postgresql:///postgres?host=/var/run/postgresql]
        [--annotations 10000] [--ops 200]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import textwrap
import time
import uuid

from archive_tui.pg import connect
from archive_tui.pg.listen import Listener
from archive_tui.pg.migrations import migrate
from archive_tui.pg.workspace import PgWorkspace
from archive_tui.pg.workspace_admin import add_user

sys.path.insert(0, "tests")
from pg_roles import role_address
from pg_server import DEFAULT_ADDRESS, with_database


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def p95(values: list[float]) -> float:
    return sorted(values)[int(len(values) * 0.95) - 1]


def run(admin: str, annotations: int, ops: int) -> None:
    name = f"atui_bench_{uuid.uuid4().hex[:8]}"
    roles = [f"atui_bench_a_{uuid.uuid4().hex[:6]}", f"atui_bench_b_{uuid.uuid4().hex[:6]}"]
    with connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    db = with_database(admin, name)
    try:
        with connect(db, autocommit=True) as conn:
            migrate(conn)
            for role in roles:
                add_user(conn, role, "bench")
        a, b = (role_address(db, role, "bench") for role in roles)
        ws = PgWorkspace.open(a)
        ws.share("tag", "shared", "archive_tui_users")
        ids = [f"rec-{n:07d}" for n in range(annotations)]
        for start in range(0, annotations, 5000):
            ws.add_tags(ids[start : start + 5000], ["berlin", "1961"])
        for record_id in ids[: annotations // 5]:
            ws.set_note(record_id, f"A note on {record_id}: Manac’h, Громыко.")
        opens = []
        for _ in range(5):
            started = time.perf_counter()
            PgWorkspace.open(a).close()
            opens.append(time.perf_counter() - started)
        print(f"open ({annotations} tagged records): median {ms(statistics.median(opens))}")
        tag_ops = []
        for n in range(ops):
            started = time.perf_counter()
            ws.add_tags([f"op-{n}"], ["wall"])
            tag_ops.append(time.perf_counter() - started)
        print(f"tag op: median {ms(statistics.median(tag_ops))}, p95 {ms(p95(tag_ops))}")
        polls = []
        for _ in range(ops):
            started = time.perf_counter()
            ws.changed_on_disk()
            polls.append(time.perf_counter() - started)
        print(f"changed_on_disk: median {ms(statistics.median(polls))}")
        heard = []
        with Listener(b) as listener:
            for n in range(20):
                started = time.perf_counter()
                ws.add_tags([f"shared-{n}"], ["shared"])
                assert listener.wait(5.0), "the listener heard nothing"
                heard.append(time.perf_counter() - started)
        print(f"shared change -> listener: median {ms(statistics.median(heard))}")
        concurrent(a)
    finally:
        with connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for role in roles:
                conn.execute(f'DROP ROLE IF EXISTS "{role}"')


def concurrent(address: str) -> None:
    script = textwrap.dedent(
        """
        import sys
        from archive_tui.pg.workspace import PgWorkspace
        ws = PgWorkspace.open(sys.argv[1])
        for n in range(500):
            ws.add_tags([f"{sys.argv[2]}-{n}"], ["concurrent"])
        """
    )
    started = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-c", script, address, p]) for p in "xy"]
    codes = [child.wait() for child in children]
    wall = time.perf_counter() - started
    present = sum("concurrent" in tags for tags in PgWorkspace.open(address).tagged().values())
    print(f"2 x 500 concurrent: {wall:.2f} s, exit codes {codes}, {present} of 1000 present")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--admin", default=DEFAULT_ADDRESS, help="a superuser address")
    parser.add_argument("--annotations", type=int, default=10000)
    parser.add_argument("--ops", type=int, default=200)
    args = parser.parse_args()
    run(args.admin, args.annotations, args.ops)


if __name__ == "__main__":
    main()
