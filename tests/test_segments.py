"""Segments: writes index only what changed, and searching many segments equals one build.

Real files in a temporary ARCHIVE_TUI_HOME (conftest), real subprocesses for the CLI and
for the crash tests (a real SIGKILL at a controlled point of a write).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO_ROOT
from search_fixtures import RECORDS, write_archive
from test_bench_generate import generate

from archive_tui.archive import Archive, wait_for_cache_writes
from archive_tui.index import store_index
from archive_tui.index.store_index import STATS, store_folder
from archive_tui.store import RecordStore, StoreError

QUERIES = [
    ("", None, {}),
    ("soviet", None, {}),
    ("secretary state", None, {}),
    ("soviet OR cuba", None, {}),
    ('"secretary of state"', None, {}),
    ("title:telegram", "-date", {}),
    ("sov*", None, {}),
    ("berlin -soviet", "title", {}),
    ("", "title", {"date_from": "1960", "date_to": "1975"}),
    ("memorandum", None, {"document_type": ["Memorandum"]}),
    ("gromyko pine manach", None, {}),
    ("id:u-1*", None, {}),
]


def outcome(archive: Archive) -> list:
    """What a user can see of every query: totals, hits with scores, order, facets."""
    out = []
    for query, sort, filters in QUERIES:
        result = archive.search(query, filters or None, sort=sort, limit=40)
        out.append(
            (
                query,
                result.total,
                [(h.id, h.score, h.highlights) for h in result.hits],
                result.ids(),
                result.facets,
                result.suggestions,
            )
        )
    stats = {k: v for k, v in archive.stats().items() if k not in ("open_ms", "from_cache")}
    stats.pop("segments")
    out.append(stats)
    return out


@pytest.fixture(scope="module")
def generated() -> list[dict]:
    return generate.generate_records(420, seed=7)


def test_many_small_writes_rank_exactly_like_one_fresh_build(
    tmp_path: Path, generated: list[dict]
) -> None:
    base = write_archive(tmp_path / "base.json", generated[:300])
    user = tmp_path / "user.json"
    archive = Archive.open(user, base=base)
    archive.wait_for_cache()
    base_segments = json.loads((store_folder(base) / "manifest.json").read_text())["segments"]
    builds = STATS["store_builds"]
    rng = np.random.default_rng(3)
    pending = [dict(r, id=f"u-{i}") for i, r in enumerate(generated[300:])]
    for step in range(20):
        batch = pending[step * 6 : step * 6 + 6]
        if step % 3 == 1:  # replace some of the user's records, override shipped ones
            shipped = generated[int(rng.integers(0, 300))]
            batch.append(dict(shipped, title=shipped["title"] + " (my correction)"))
            mine = pending[int(rng.integers(0, step * 6))]
            batch.append(dict(mine, summary="Rewritten by me about Berlin and Gromyko."))
        archive.add(batch)
        if step % 4 == 3:  # remove a user record and an override
            ids = [pending[int(rng.integers(0, step * 6))]["id"]]
            overrides = [r["id"] for r in archive.store.load() if not r["id"].startswith("u-")]
            archive.remove(ids + overrides[:1])
    wait_for_cache_writes()
    assert STATS["store_builds"] == builds  # no store was indexed again from its file
    assert STATS["merges"] >= 1
    again = json.loads((store_folder(base) / "manifest.json").read_text())["segments"]
    assert again == base_segments  # the shipped segment was never rebuilt
    segmented = Archive.open(user, base=base)
    assert segmented.from_cache and segmented.lazy
    assert sum(segmented.stats()["segments"]) >= 3
    fresh = Archive.open(user, base=base, use_cache=False)  # one build of the final records
    assert fresh.stats()["segments"] == [1, 1]
    assert outcome(segmented) == outcome(fresh)
    assert outcome(archive) == outcome(fresh)  # the writer's own archive shows it too
    assert list(segmented.records()) == list(fresh.records())
    assert segmented.related(generated[5]["id"]) == fresh.related(generated[5]["id"])


def test_an_import_indexes_only_what_it_adds(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    archive = Archive.open(path)
    archive.wait_for_cache()
    written = STATS["segments_written"]
    builds = STATS["store_builds"]
    archive.add([{"id": "late", "date": "1990", "title": "Soviet reunification note"}])
    assert STATS["segments_written"] == written + 1 and STATS["store_builds"] == builds
    assert "late" in archive.search("soviet").ids()
    reopened = Archive.open(path)
    assert reopened.from_cache and reopened.stats()["segments"] == [2]
    assert "late" in reopened.search("soviet").ids()
    # replacing a record is a delete (in the old segment) and an add (in a new one)
    archive.add([dict(RECORDS[0], title="Letter from Wilgress about Cuba")])
    reopened = Archive.open(path)
    assert "wilgress" in reopened.search("title:cuba").ids()
    assert "wilgress" not in reopened.search("title:soviet").ids()
    assert reopened.search("").total == 11


def test_remove_and_overrides(tmp_path: Path) -> None:
    base = write_archive(tmp_path / "base.json")
    user = tmp_path / "user.json"
    archive = Archive.open(user, base=base)
    archive.add(
        [
            dict(RECORDS[2], title="My own Piné telegram"),
            {"id": "mine", "date": "2001", "title": "M"},
        ]
    )
    assert archive.get("pine")["title"] == "My own Piné telegram"
    assert archive.remove(["pine", "mine", "wilgress", "nope"]) == 2
    assert archive.get("pine")["title"] == RECORDS[2]["title"]  # the shipped one again
    assert archive.get("mine") is None and archive.get("wilgress") is not None
    reopened = Archive.open(user, base=base)
    assert reopened.get("pine")["title"] == RECORDS[2]["title"] and reopened.get("mine") is None
    assert len(reopened) == 10 and reopened.stats()["user_records"] == 0
    assert RecordStore.open(user).remove(["nope"]) == 0


def test_an_archive_is_a_snapshot_until_reopened(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    mine = Archive.open(path)
    assert not mine.changed_on_disk()
    other = Archive.open(path)
    other.add([{"id": "later", "date": "2002", "title": "Added by another process"}])
    assert mine.changed_on_disk()
    assert mine.get("later") is None and mine.search("process").total == 0
    assert [r["id"] for r in mine.records()][:3] == [r["id"] for r in RECORDS[:3]]
    newer = mine.reopen()
    assert newer.get("later") is not None and not newer.changed_on_disk()
    assert newer.from_cache  # the other process's write left the index current


def test_a_store_changed_by_hand_rebuilds_only_that_store(tmp_path: Path) -> None:
    base = write_archive(tmp_path / "base.json")
    user = write_archive(tmp_path / "user.json", [{"id": "mine", "date": "2001", "title": "A"}])
    Archive.open(user, base=base).wait_for_cache()
    builds = STATS["store_builds"]
    RecordStore.open(user).upsert([{"id": "hand", "date": "2003", "title": "Soviet by hand"}])
    reopened = Archive.open(user, base=base)
    assert STATS["store_builds"] == builds + 1  # the user file only
    assert "hand" in reopened.search("soviet").ids()


def test_a_segment_damaged_under_an_open_archive_is_rebuilt_not_trusted(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    Archive.open(path).wait_for_cache()
    warm = Archive.open(path)
    assert warm.from_cache
    expected = Archive.open(path, use_cache=False).search("soviet").ids()
    (victim,) = store_folder(path).glob("seg-*/post_doc_small.npy")
    header = len(victim.read_bytes()) - len(np.load(victim))  # the .npy header
    with open(victim, "r+b") as fh:  # in place: the mapped pages see it
        fh.seek(header)
        fh.write(b"\xff" * (victim.stat().st_size - header))
    damaged = STATS["damaged"]
    assert warm.search("soviet").ids() == expected  # rebuilt, searched again
    assert STATS["damaged"] > damaged and not warm.from_cache


def test_the_lock_file_is_never_followed_through_a_symlink(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    target = tmp_path / "elsewhere" / "victim"
    target.parent.mkdir()
    (tmp_path / "a.json.lock").unlink(missing_ok=True)
    (tmp_path / "a.json.lock").symlink_to(target)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="locked"):
        Archive.open(path).add([{"id": "x", "date": "2000", "title": "t"}])
    assert not target.exists() and path.read_bytes() == before


# ----------------------------------------------------------------------------- processes


def run(*args: object, home: Path, **env: str) -> subprocess.CompletedProcess:
    full = dict(os.environ, ARCHIVE_TUI_HOME=str(home), COLUMNS="100", **env)
    full.pop("ARCHIVE_TUI_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "archive_tui", *map(str, args)],
        capture_output=True,
        text=True,
        env=full,
        cwd=REPO_ROOT,
        timeout=300,
    )


def test_records_imported_after_a_first_start_are_seen(tmp_path: Path) -> None:
    """Issue 8 item 2: a search first (the index of a missing user archive), then import."""
    home = tmp_path / "home"
    mine = tmp_path / "mine.json"
    mine.write_text(
        json.dumps(
            [{"id": f"mine-{i}", "date": "1999", "title": f"Zyzzogeton memo {i}"} for i in range(3)]
        )
    )
    first = run("search", "zyzzogeton", home=home)
    assert first.returncode == 0 and "mine-0" not in first.stdout
    imported = run("import", mine, home=home)
    assert imported.returncode == 0, imported.stderr
    user = home / "data" / "records.json"  # the import indexed what it added
    manifests = [json.loads(m.read_text()) for m in home.glob("cache/segments/*/manifest.json")]
    (manifest,) = [m for m in manifests if m["store"] == str(user.resolve())]
    assert manifest["fingerprint"] == RecordStore.open(user).fingerprint()
    found = run("search", "zyzzogeton", "--json", home=home)
    assert found.returncode == 0, found.stderr
    assert {"mine-0", "mine-1", "mine-2"} <= {h["id"] for h in json.loads(found.stdout)["hits"]}
    shown = run("show", "mine-1", home=home)
    assert shown.returncode == 0 and "Zyzzogeton memo 1" in shown.stdout
    stats = run("stats", home=home)
    assert stats.returncode == 0 and "3" in stats.stdout
    again = run("import", mine, home=home)
    assert again.returncode == 0 and "unchanged" in again.stdout + again.stderr
    removed = run("remove", "mine-0", home=home)  # removing keeps the index current too
    assert removed.returncode == 0, removed.stderr
    manifests = [json.loads(m.read_text()) for m in home.glob("cache/segments/*/manifest.json")]
    (manifest,) = [m for m in manifests if m["store"] == str(user.resolve())]
    assert manifest["fingerprint"] == RecordStore.open(user).fingerprint()
    after = run("search", "zyzzogeton", "--json", home=home)
    assert {h["id"] for h in json.loads(after.stdout)["hits"]} == {"mine-1", "mine-2"}


CRASH_WRITER = """
import sys
from archive_tui.archive import Archive
archive = Archive.open(sys.argv[1])
archive.add([{"id": f"crash-{i}", "date": "1999", "title": f"Zyzzogeton {i}"}
             for i in range(int(sys.argv[2]), int(sys.argv[3]))])
"""


def kill_at(point: str, path: Path, home: Path, lo: int, hi: int, tmp_path: Path) -> None:
    """Run a writer that pauses at ``point`` and SIGKILL it there."""
    marker = tmp_path / f"paused-{point}-{lo}"
    env = dict(
        os.environ,
        ARCHIVE_TUI_HOME=str(home),
        ARCHIVE_TUI_PAUSE_AT=point,
        ARCHIVE_TUI_PAUSE_FILE=str(marker),
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_WRITER, str(path), str(lo), str(hi)], env=env, cwd=REPO_ROOT
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, "the writer ended before its pause point"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def test_kill_during_a_segment_write_leaves_a_searchable_archive(tmp_path: Path) -> None:
    home = Path(os.environ["ARCHIVE_TUI_HOME"])
    path = write_archive(tmp_path / "a.json")
    Archive.open(path).wait_for_cache()
    kill_at("segment-written", path, home, 0, 5, tmp_path)
    # the store file was written, the manifest was not: this store is indexed again
    archive = Archive.open(path)
    assert sorted(archive.search("zyzzogeton").ids()) == [f"crash-{i}" for i in range(5)]
    assert (
        archive.search("soviet").total == Archive.open(path, use_cache=False).search("soviet").total
    )
    archive.wait_for_cache()
    folder = store_folder(path)
    manifest = json.loads((folder / "manifest.json").read_text())
    on_disk = {p.name for p in folder.iterdir() if p.name.startswith(("seg-", "gen-", ".tmp"))}
    assert on_disk == {*manifest["segments"], manifest["generation"]}  # orphans removed


def test_kill_during_a_merge_leaves_a_searchable_archive(tmp_path: Path) -> None:
    home = Path(os.environ["ARCHIVE_TUI_HOME"])
    path = write_archive(tmp_path / "a.json")
    archive = Archive.open(path)
    archive.wait_for_cache()
    small = store_index.MERGE_FACTOR - 1  # one small segment short of a merge
    for i in range(small):
        archive.add([{"id": f"small-{i}", "date": "2000", "title": "Zyzzogeton small"}])
    wait_for_cache_writes()
    assert Archive.open(path).stats()["segments"] == [1 + small]
    kill_at("merge-written", path, home, 0, 1, tmp_path)  # its add triggers the merge
    reopened = Archive.open(path)
    assert reopened.from_cache  # the add was committed before the merge began
    assert reopened.stats()["segments"] == [2 + small]  # the merge was not
    expected = {"crash-0", *(f"small-{i}" for i in range(small))}
    assert set(reopened.search("zyzzogeton").ids()) == expected
    reopened.add([{"id": "after", "date": "2001", "title": "Zyzzogeton after"}])
    wait_for_cache_writes()
    merged = Archive.open(path)
    assert merged.stats()["segments"] == [2]  # the merge happened on the next write
    assert set(merged.search("zyzzogeton").ids()) == expected | {"after"}
    assert merged.search("").total == Archive.open(path, use_cache=False).search("").total


IMPORTER = """
import sys
from archive_tui.archive import Archive
path, tag = sys.argv[1], sys.argv[2]
for batch in range(8):
    Archive.open(path).add([{"id": f"{tag}-{batch}-{i}", "date": "1999",
                             "title": f"Zyzzogeton {tag}"} for i in range(5)])
"""


def test_two_processes_importing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    Archive.open(path).wait_for_cache()
    procs = [
        subprocess.Popen([sys.executable, "-c", IMPORTER, str(path), tag], cwd=REPO_ROOT)
        for tag in ("a", "b")
    ]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    archive = Archive.open(path)
    assert archive.from_cache
    want = {f"{t}-{b}-{i}" for t in "ab" for b in range(8) for i in range(5)}
    assert set(archive.search("zyzzogeton", limit=0).ids()) == want
    assert len(archive) == 10 + 80
    assert archive.search("").total == Archive.open(path, use_cache=False).search("").total


def test_packed_rows_decode_alone_and_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    """The codec segments use: every row read alone equals the row, and so does all of it;
    a damaged packed array is refused."""
    from archive_tui.index import codec

    monkeypatch.setattr(codec, "_BLOCK", 7)  # rows across the packing blocks

    rng = np.random.default_rng(5)
    for rows in (0, 1, 7, 400):
        lengths = rng.integers(0, 8, rows)  # empty rows too
        ptr = np.zeros(rows + 1, np.int64)
        np.cumsum(lengths, out=ptr[1:])
        values = np.concatenate(
            [
                np.sort(rng.integers(0, 2**31 - 1 if r % 3 else 900, k))
                for r, k in enumerate(lengths)
            ]
            or [np.zeros(0)]
        ).astype(np.int64)
        packed = codec.pack(values, ptr)
        assert codec.check(packed, len(values))
        assert np.array_equal(codec.unpack(packed, ptr), values)
        for r in range(rows):
            a, b = int(ptr[r]), int(ptr[r + 1])
            assert np.array_equal(codec.row(packed, a, b, gaps=True), values[a:b])
    small, idx, val = codec.pack(np.array([1, 70_000, 3, 5]))
    assert not codec.check((small, idx + 9, val), 4) and not codec.check((small[:2], idx, val), 4)
    with pytest.raises(codec.DamagedArray):  # escapes are checked where they are read
        codec.row((small, idx, -val), 0, 4, gaps=False)
    with pytest.raises(codec.DamagedArray):
        codec.unpack((small, idx, -val))


def test_reopen_after_an_import_reuses_the_unchanged_base_and_never_parses_it(
    tmp_path: Path,
) -> None:
    """The app's live reload: only the changed store is opened again; the shipped one's
    mapped index is reused as it is, and its file is not read."""
    base = write_archive(tmp_path / "base.json")
    user = tmp_path / "user.json"
    Archive.open(user, base=base).wait_for_cache()
    shown = Archive.open(user, base=base)  # warm: records read by line from the files
    Archive.open(user, base=base).add([{"id": "late", "date": "2002", "title": "Soviet late"}])
    assert shown.changed_on_disk()
    reused, opened = STATS["stores_reused"], STATS["segments_opened"]
    newer = shown.reopen()
    assert STATS["stores_reused"] == reused + 1  # the base: its StoreIndex kept
    assert STATS["segments_opened"] == opened + 1  # the user store's one segment only
    assert newer.lazy and newer.base is not None
    assert newer.base._cache is None and shown.base._cache is None  # neither parsed the file
    assert "late" in newer.search("soviet").ids() and len(newer) == len(shown) + 1
    assert outcome(newer) == outcome(Archive.open(user, base=base))
    assert shown.get("late") is None and shown.search("").total == len(RECORDS)  # a snapshot


def test_a_write_starts_a_merge_thread_only_when_the_policy_finds_segments_to_merge(
    tmp_path: Path,
) -> None:
    """An import waits at exit for its merge thread: none is started when nothing merges."""
    path = tmp_path / "user.json"
    archive = Archive.open(path, create=True)
    started = STATS["merge_threads"]
    for k in range(store_index.MERGE_FACTOR - 1):
        archive.add([{"id": f"w{k}", "date": "1999", "title": f"Write {k}"}])
    assert STATS["merge_threads"] == started  # 1, 2, 3 one-record segments: no group yet
    merges = STATS["merges"]
    archive.add([{"id": "last", "date": "1999", "title": "Write last"}])
    wait_for_cache_writes()
    assert STATS["merge_threads"] == started + 1 and STATS["merges"] == merges + 1
    assert Archive.open(path).stats()["segments"] == [1]
    assert Archive.open(path).search("write").total == store_index.MERGE_FACTOR


def test_facet_values_of_a_big_and_a_small_segment_merge_in_order() -> None:
    """The union of sorted value lists, made around the longest one (the shipped
    archive's facet next to an import's), maps every list's values to their places."""
    import random

    from archive_tui.index.view import _union_sorted

    rng = random.Random(3)
    words = [f"{rng.choice('abcdefgh')}{rng.randrange(500)}" for _ in range(3000)]
    for sizes in ((2000, 40), (40, 2000, 7), (0, 10), (500, 500), (25,)):
        lists = [sorted(set(rng.sample(words, k))) for k in sizes]
        merged, maps = _union_sorted(lists)
        assert merged == sorted(set().union(*lists))
        for values, where in zip(lists, maps, strict=True):
            assert [merged[i] for i in where.tolist()] == values


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="names fds through /proc")
def test_segment_data_are_on_disk_before_the_manifest_names_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A power loss after the commit point must not leave a named segment with zeroed
    pages: every array of the new segment and layout, and their folders, are fsynced
    before the manifest is renamed into place."""
    path = write_archive(tmp_path / "a.json")
    archive = Archive.open(path)
    archive.wait_for_cache()
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    archive.add([{"id": "late", "date": "1990", "title": "Soviet reunification note"}])
    folder = store_folder(path)
    meta = json.loads((folder / "manifest.json").read_text())
    manifest_at = max(i for i, p in enumerate(synced) if ".manifest.json." in p)
    before = synced[:manifest_at]
    new_segment = folder / meta["segments"][-1]
    for written in [*new_segment.iterdir(), *(folder / meta["generation"]).iterdir()]:
        # synced under the temporary folder's name, before the rename into place
        assert any(p.endswith("/" + written.name) and "/.tmp-" in p for p in before), written
    assert str(folder) in before  # the renames themselves


def test_an_import_over_a_base_inserts_into_its_date_order(
    tmp_path: Path, generated: list[dict]
) -> None:
    """A view of the base's whole segment and an import's: the base's date order with the
    imported records inserted (no sort of every record), the order a full sort gives."""
    base = tmp_path / "base.json"
    RecordStore.open(base, create=True).upsert(generated[:300])
    user = tmp_path / "user.json"
    Archive.open(user, base=base).add(generated[300:])
    archive = Archive.open(user, base=base)
    view = archive._index
    assert len(view.parts) == 2 and view.date_order_merged
    key = np.zeros(view.n, np.int64)
    for p in view.parts:
        live = p.glob >= 0
        key[p.glob[live]] = np.asarray(p.seg.date_key)[live]
    assert np.array_equal(view.date_order, np.argsort(key, kind="stable"))
    fresh = Archive.open(tmp_path / "all.json", create=True)
    fresh.add(generated)
    assert (
        archive.search("", sort="date", limit=420).ids()
        == fresh.search("", sort="date", limit=420).ids()
    )
