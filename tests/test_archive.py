"""Archive: opening real TinyDB files, layering, adding, related records and the index cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import FRUS_PATH
from search_fixtures import IDS, RECORDS, write_archive

from archive_tui.archive import Archive
from archive_tui.index import TokenIndex, build_stats, native_build_available
from archive_tui.index.store_index import store_folder
from archive_tui.paths import cache_dir
from archive_tui.records import ValidationFailed
from archive_tui.store import LazyRecords, RecordStore, StaleLayout, StoreError

# these tests count and damage the files of the cache folder: it starts empty
pytestmark = pytest.mark.cold_shipped_cache


def cache_files() -> list[Path]:
    """The manifests (one per indexed store file) under the cache folder."""
    folder = cache_dir() / "segments"
    return sorted(folder.glob("*/manifest.json")) if folder.exists() else []


def segment_files(store: Path) -> list[Path]:
    return sorted(store_folder(store).glob("seg-*/*.npy"))


def test_open_search_get_and_iterate(tmp_path: Path) -> None:
    archive = Archive.open(write_archive(tmp_path / "a.json"))
    assert len(archive) == 10
    assert archive.get("pine")["title"] == RECORDS[2]["title"]
    assert archive.get("nope") is None
    assert [r["id"] for r in archive.records()] == IDS
    assert archive.search("cuba").total == 3


def test_missing_or_bad_files(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        Archive.open(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError):
        Archive.open(bad)
    assert bad.read_text(encoding="utf-8") == "{not json"  # never touched
    created = Archive.open(tmp_path / "new.json", create=True)
    assert len(created) == 0 and not (tmp_path / "new.json").exists()


def test_add_validates_everything_first(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    before = path.read_bytes()
    archive = Archive.open(path)
    good = {"id": "new-1", "date": "1970-01-05", "title": "Fresh telegram on Cambodia"}
    bad = {"id": "new-2", "date": "someday", "title": "Broken"}
    with pytest.raises(ValidationFailed) as info:
        archive.add([good, bad])
    assert "someday" in str(info.value)
    assert path.read_bytes() == before
    assert archive.get("new-1") is None and archive.search("fresh").total == 0


def test_add_updates_the_index(tmp_path: Path) -> None:
    path = tmp_path / "user.json"
    archive = Archive.open(path, create=True)
    added = archive.add(
        [
            {"id": "n1", "date": "1970-01", "title": "Fresh telegram on Cambodia"},
            {"id": "n2", "date": "1971", "title": "Piné report", "people": "Manac’h, Étienne"},
        ]
    )
    assert added == (2, 0)
    assert [h.id for h in archive.search("cambodia").hits] == ["n1"]
    assert [h.id for h in archive.search("person:manach").hits] == ["n2"]
    assert archive.add([{"id": "n1", "date": "1970-01", "title": "Renamed note"}]) == (0, 1)
    assert archive.search("cambodia").total == 0
    assert [h.id for h in archive.search("renamed").hits] == ["n1"]
    reopened = Archive.open(path)
    assert len(reopened) == 2 and reopened.get("n1")["title"] == "Renamed note"


def test_read_only_archive_refuses_add(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    archive = Archive.open(path, read_only=True)
    with pytest.raises(StoreError):
        archive.add([{"id": "x", "date": "1970", "title": "X"}])
    assert len(Archive.open(path)) == 10


def test_layering_user_over_base(tmp_path: Path) -> None:
    base = write_archive(tmp_path / "base.json")
    user = tmp_path / "user.json"
    archive = Archive.open(user, base=base)
    assert len(archive) == 10 and not user.exists()
    override = dict(RECORDS[2], title="My corrected telegram about Piné")
    archive.add([override, {"id": "mine", "date": "2001", "title": "My own note"}])
    assert len(archive) == 11
    assert archive.get("pine")["title"] == "My corrected telegram about Piné"
    assert [h.id for h in archive.search("corrected").hits] == ["pine"]
    assert archive.search("agency").total == 0  # the base title is hidden
    assert archive.search("").total == 11
    # the base file is never written
    assert "corrected" not in base.read_text(encoding="utf-8")
    reopened = Archive.open(user, base=base)
    assert reopened.get("pine")["title"].startswith("My corrected")
    stats = reopened.stats()
    assert stats["records"] == 11 and stats["user_records"] == 2 and stats["base_records"] == 9


def test_related_prefers_shared_subjects_and_people(tmp_path: Path) -> None:
    archive = Archive.open(write_archive(tmp_path / "a.json"))
    related = [r["id"] for r in archive.related("gromyko", limit=4)]
    # khrushchev shares Cuba, Soviet Union and Kennedy; then estimate (Cuba) 9 days away,
    # then wilgress/degaulle (Soviet Union), the nearer in date first
    assert related == ["khrushchev", "estimate", "degaulle", "wilgress"]
    assert "gromyko" not in [r["id"] for r in archive.related("gromyko", limit=20)]
    assert archive.related("missing") == []
    # no shared subjects or people: nearest in date
    lonely = [r["id"] for r in archive.related("manach", limit=2)]
    assert lonely == ["khrushchev", "gromyko"]


def test_stats(tmp_path: Path) -> None:
    stats = Archive.open(write_archive(tmp_path / "a.json")).stats()
    assert stats["records"] == 10
    assert stats["date_min"] == "1944-11-09" and stats["date_max"] == "1989-11-10"
    assert stats["collections"] == 2


def test_index_cache_is_reused_and_invalidated(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    first = Archive.open(path)
    assert not first.from_cache
    first.wait_for_cache()  # written on a thread after the open
    assert len(cache_files()) == 1
    second = Archive.open(path)
    assert second.from_cache
    assert [h.id for h in second.search("soviet").hits] == [
        h.id for h in first.search("soviet").hits
    ]
    second.add([{"id": "late", "date": "1990", "title": "Soviet reunification note"}])
    third = Archive.open(path)  # add() rebuilt the index and cached it
    assert third.from_cache and "late" in {h.id for h in third.search("soviet").hits}
    # a change made by someone else (another process) invalidates the cache
    RecordStore.open(path).upsert([{"id": "other", "date": "1991", "title": "Soviet coup"}])
    fourth = Archive.open(path)
    assert not fourth.from_cache
    assert {"late", "other"} <= {h.id for h in fourth.search("soviet").hits}
    assert Archive.open(path).from_cache
    assert len(cache_files()) == 1  # one cache file per archive, overwritten


def test_cache_is_written_when_a_process_exits_right_after_opening(tmp_path: Path) -> None:
    """As the app does: open on a daemon thread, then quit at once; the next start is warm."""
    path = write_archive(tmp_path / "a.json")
    script = textwrap.dedent(
        f"""
        import threading
        from archive_tui.archive import Archive
        opened = threading.Thread(target=Archive.open, args=({str(path)!r},), daemon=True)
        opened.start()
        opened.join()
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(cache_files()) == 1
    assert Archive.open(path).from_cache


def test_a_cache_write_cut_short_leaves_no_litter(tmp_path: Path) -> None:
    """A process that died mid-write left a temp folder and a segment no manifest names;
    the next write of that store's index removes them."""
    path = write_archive(tmp_path / "a.json")
    Archive.open(path).wait_for_cache()
    folder = store_folder(path)
    orphan_tmp = folder / ".tmp-seg-abcd1234"
    orphan_seg = folder / "seg-0123456789abcdef"
    orphan_tmp.mkdir()
    (orphan_tmp / "post_doc.npy").write_bytes(b"half a segment")
    orphan_seg.mkdir()
    (folder / "manifest.json").unlink()
    rebuilt = Archive.open(path)
    rebuilt.wait_for_cache()
    assert not orphan_tmp.exists() and not orphan_seg.exists()
    assert len(cache_files()) == 1 and len(list(folder.glob("seg-*"))) == 1


def test_cache_is_never_trusted_blindly(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    Archive.open(path).wait_for_cache()
    assert Archive.open(path).from_cache
    # a group/world-writable segment file: ignored, the store is indexed again
    os.chmod(segment_files(path)[0], 0o666)
    rebuilt = Archive.open(path)
    assert not rebuilt.from_cache
    rebuilt.wait_for_cache()
    assert Archive.open(path).from_cache
    # garbage in a segment file: ignored and rewritten
    victim = next(f for f in segment_files(path) if f.name == "post_doc_small.npy")
    victim.write_bytes(b"not an npy")
    again = Archive.open(path)
    assert not again.from_cache and again.search("cuba").total == 3
    again.wait_for_cache()
    assert Archive.open(path).from_cache
    # an array of the wrong shape (a valid .npy): ignored
    victim = next(f for f in segment_files(path) if f.name == "term_ptr.npy")
    np.save(victim, np.zeros(3, np.int64))
    os.chmod(victim, 0o600)
    assert not Archive.open(path).from_cache
    # a damaged manifest: ignored
    Archive.open(path).wait_for_cache()
    (manifest,) = cache_files()
    manifest.write_text("{not json")
    damaged = Archive.open(path)
    assert not damaged.from_cache and damaged.search("cuba").total == 3


def test_no_cache_mode_writes_nothing(tmp_path: Path) -> None:
    archive = Archive.open(write_archive(tmp_path / "a.json"), use_cache=False)
    assert archive.search("cuba").total == 3 and cache_files() == []


def test_index_validates_its_own_arrays(tmp_path: Path) -> None:
    index = TokenIndex.build(RECORDS)
    assert index._valid()
    index.post_doc = index.post_doc + 100
    assert not index._valid()


def test_open_default_layers_user_archive_over_shipped(tmp_path: Path) -> None:
    from archive_tui.paths import shipped_archive_path, user_archive_path

    archive = Archive.open_default()
    shipped = shipped_archive_path()
    assert archive.store.path == user_archive_path()
    if shipped.exists():
        assert archive.base is not None and archive.base.path == shipped


@pytest.mark.skipif(not FRUS_PATH.exists(), reason="needs ../shared/data/frus-records.json")
def test_frus_smoke(tmp_path: Path) -> None:
    import json

    records = json.loads(FRUS_PATH.read_text(encoding="utf-8"))[:800]
    archive = Archive.open(write_archive(tmp_path / "frus.json", records))
    result = archive.search("telegram", limit=5)
    assert result.total > 100 and len(result.hits) == 5
    assert sum(result.facets["decade"].values()) == result.total


def test_unchanged_files_are_trusted_and_changed_ones_validated_again(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    Archive.open(path).wait_for_cache()
    (manifest,) = cache_files()
    # the manifest covers the file's fingerprint, at which every record was valid
    assert json.loads(manifest.read_text())["fingerprint"] == RecordStore.open(path).fingerprint()
    warm = Archive.open(path)
    assert warm.from_cache and warm.search("cuba").total == 3
    # a hand edit changes the fingerprint: the bad record is caught, not trusted
    text = path.read_text(encoding="utf-8").replace('"date":"1944-11-09"', '"date":"soon"', 1)
    assert '"soon"' in text
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StoreError, match="soon"):
        Archive.open(path)


def test_a_file_needing_normalizing_is_never_trusted(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    doc = {"id": "x1", "date": "1962", "title": "Cuba note", "people": "Castro"}
    path.write_text('{"records": {"1": ' + json.dumps(doc) + "}}", encoding="utf-8")
    first = Archive.open(path)
    assert first.get("x1")["people"] == ["Castro"]
    first.wait_for_cache()
    warm = Archive.open(path)
    assert warm.from_cache and warm.get("x1")["people"] == ["Castro"]
    assert warm.search("person:castro").total == 1


INDEX_ARRAYS = (
    "term_ptr",
    "post_doc",
    "post_wtf",
    "post_fields",
    "pos_ptr",
    "positions",
    "stream",
    "part_ptr",
    "part_positions",
    "seg_start",
    "title_order",
)


def test_the_cached_index_is_the_built_one(tmp_path: Path) -> None:
    filler = " ".join(["filler"] * 70_000)  # gaps beyond uint16 between the two needles
    long_record = {
        "id": "long",
        "date": "1970",
        "title": "Needle report",
        "text": f"Needle haystack {filler} needle haystack; Manac’h’s note by Manac’h",
        "people": ["Громыко", "Piné"],
    }
    path = write_archive(tmp_path / "a.json", [*RECORDS, long_record])
    opened = Archive.open(path)
    opened.wait_for_cache()
    built = opened.index.parts[0].seg
    cached = Archive.open(path)
    assert cached.from_cache
    loaded = cached.index.parts[0].seg
    assert isinstance(loaded.post_fields, np.memmap)  # mapped, not read
    assert type(loaded).__name__ == "Segment"
    packed = {"post_doc": loaded.all_post_docs(), "post_wtf": loaded.all_wtf()}
    packed["positions"] = loaded.all_positions()
    for name in (*INDEX_ARRAYS, "date_start", "date_end", "date_order", "date_rank"):
        a, b = getattr(built, name), packed.get(name, getattr(loaded, name, None))
        assert a.dtype == b.dtype and np.array_equal(a, b), name
    for tid in range(len(built.vocab)):  # every row decoded alone, as a search reads it
        pairs = zip(built.row(tid), loaded.row(tid), strict=True)
        assert all(np.array_equal(x, y) for x, y in pairs)
        assert np.array_equal(built.term_positions(tid), loaded.term_positions(tid))
    assert loaded.vocab == built.vocab
    assert cached.search('"needle haystack"').total == 1
    assert cached.search('"haystack filler"').total == 1
    assert cached.search("manach gromyko pine").total == 1


def many_records() -> list[dict]:
    """RECORDS again under new ids, with words that differ per copy (vocabularies grow)."""
    out = []
    for copy in range(12):
        for r in RECORDS:
            extra = f" Memo {copy}x{r['id']} de Gaulle’s Громыко"
            out.append({**r, "id": f"{r['id']}-{copy}", "title": r["title"] + extra})
    return out


def test_build_paths_are_counted_and_a_fallback_is_never_silent(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The pure-Python build is the reference; a native build asked for without the
    compiled module falls back to it, counted in build_stats() and Archive.stats()."""
    from archive_tui.index import build as build_module

    records = many_records()
    before = build_stats()
    reference = TokenIndex.build(records, native=False)
    assert build_stats()["pure_builds"] == before["pure_builds"] + 1
    if native_build_available():
        native = TokenIndex.build(records, native=True)
        assert build_stats()["native_builds"] == before["native_builds"] + 1
        assert native.vocab == reference.vocab
        for name in INDEX_ARRAYS:
            assert np.array_equal(getattr(reference, name), getattr(native, name)), name
    assert build_stats()["fallbacks"] == before["fallbacks"]
    monkeypatch.setattr(build_module, "_index_native", None)  # as without a C compiler
    with caplog.at_level("WARNING", logger="archive_tui.index"):
        fallback = TokenIndex.build(records, native=True)
    assert build_stats()["fallbacks"] == before["fallbacks"] + 1
    assert "pure Python" in caplog.text
    assert fallback.vocab == reference.vocab
    for name in INDEX_ARRAYS:
        assert np.array_equal(getattr(reference, name), getattr(fallback, name)), name
    path = write_archive(Path(os.environ["ARCHIVE_TUI_HOME"]) / "a.json", records)
    assert Archive.open(path, use_cache=False).stats()["fallbacks"] == before["fallbacks"] + 2


# ----------------------------------------------------------------------------- lazy warm open


def layered(tmp_path: Path) -> tuple[Path, Path]:
    """A base archive and a user archive overriding one of its records and adding one."""
    base = write_archive(tmp_path / "base.json")
    user = tmp_path / "user.json"
    override = dict(RECORDS[2], title="My corrected telegram about Piné")
    write_archive(user, [override, {"id": "mine", "date": "2001", "title": "My own Cuba note"}])
    return base, user


def result_view(archive: Archive, query: str, sort: str | None = None, **filters) -> tuple:
    result = archive.search(query, filters or None, sort=sort, limit=50)
    hits = [(h.id, h.score, h.highlights, h.record) for h in result.hits]
    return result.total, hits, result.facets, list(result.ids())


QUERIES = [
    ("", None, {}),
    ("cuba", None, {}),
    ("pine OR gromyko", "title", {}),
    ('"secretary of state"', "-date", {}),
    ("id:pi*", None, {}),
    ("id:mine", None, {}),
    ("", "title", {"date_from": "1950"}),
]


def test_warm_open_reads_lazily_and_serves_what_a_cold_open_does(tmp_path: Path) -> None:
    base, user = layered(tmp_path)
    cold = Archive.open(user, base=base)  # builds the cache, noting where each record is
    assert not cold.lazy and not cold.from_cache
    warm = Archive.open(user, base=base)
    assert warm.lazy and warm.from_cache
    assert warm.base is not None and warm.base._cache is None  # the file was not parsed
    for query, sort, filters in QUERIES:
        assert result_view(warm, query, sort, **filters) == result_view(
            cold, query, sort, **filters
        )
    assert warm.get("pine")["title"] == "My corrected telegram about Piné"
    assert warm.get("mine")["title"] == "My own Cuba note"
    assert warm.get("nope") is None
    assert [warm.get(i) for i in IDS] == [cold.get(i) for i in IDS]
    assert list(warm.records()) == list(cold.records())
    assert warm.related("gromyko") == cold.related("gromyko")
    ignore = {"open_ms", "from_cache"}
    assert {k: v for k, v in warm.stats().items() if k not in ignore} == {
        k: v for k, v in cold.stats().items() if k not in ignore
    }
    assert warm.stats()["user_records"] == 2


def test_a_file_changed_after_the_cache_was_built_is_read_again(tmp_path: Path) -> None:
    base, user = layered(tmp_path)
    Archive.open(user, base=base)
    before = os.stat(base)
    data = base.read_bytes()
    assert b"Wilgress" in data
    time.sleep(0.02)  # past the file system's timestamp granularity
    base.write_bytes(data.replace(b"Wilgress", b"Wilgrexx"))  # same size, same mtime
    os.utime(base, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(base).st_size == before.st_size
    reopened = Archive.open(user, base=base)
    assert not reopened.lazy
    assert reopened.search("wilgrexx").total == 1 and reopened.search("title:wilgress").total == 0
    assert "Wilgrexx" in json.dumps(reopened.get("wilgress"), ensure_ascii=False)


def test_a_line_changed_under_a_lazy_archive_never_gives_a_wrong_record(tmp_path: Path) -> None:
    base, user = layered(tmp_path)
    Archive.open(user, base=base)
    warm = Archive.open(user, base=base)
    assert warm.lazy
    # Move line breaks in place (same size, still valid JSON): lines no longer hold one
    # record each, so reading by the old spans must notice and reload the whole file.
    data = base.read_bytes()
    tampered = data.replace(b',\n"3": ', b', "3":\n', 1)
    assert tampered != data and len(tampered) == len(data)
    with open(base, "r+b") as fh:
        fh.write(tampered)
    assert warm.get("wall")["id"] == "wall"
    assert [warm.get(i)["id"] for i in IDS] == IDS
    assert [h.record["id"] for h in warm.search("", limit=20).hits] == warm.search(
        "", limit=20
    ).ids()[:20]
    assert not warm.lazy


def test_lazy_records_check_every_line_they_read(tmp_path: Path) -> None:
    path = write_archive(tmp_path / "a.json")
    store = RecordStore.open(path)
    fingerprint, (offsets, lengths) = store.record_spans()
    reloads: list[int] = []

    def reload() -> dict[str, dict]:
        reloads.append(1)
        return {r["id"]: r for r in RecordStore.open(path).load()}

    good = LazyRecords([(path, fingerprint)], IDS, [0] * 10, offsets, lengths, reload)
    assert [good[i]["id"] for i in range(10)] == IDS and good[-1]["id"] == IDS[-1]
    assert [r["id"] for r in good] == IDS and reloads == []
    # spans pointing at the wrong lines: the ids do not match, so the file is reloaded
    wrong = LazyRecords([(path, fingerprint)], IDS, [0] * 10, offsets[::-1], lengths[::-1], reload)
    assert wrong[0]["id"] == IDS[0] and reloads == [1]
    assert [r["id"] for r in wrong] == IDS
    with pytest.raises(StaleLayout):  # a fingerprint the file does not have
        LazyRecords([(path, "0:0:0:0:0")], IDS, [0] * 10, offsets, lengths, reload)


def test_a_file_replaced_under_a_lazy_archive_still_serves_what_was_indexed(
    tmp_path: Path,
) -> None:
    base, user = layered(tmp_path)
    Archive.open(user, base=base)
    warm = Archive.open(user, base=base)
    other = Archive.open(user, base=base)
    other.add([{"id": "later", "date": "2002", "title": "Added by another process"}])
    assert warm.get("later") is None and warm.get("mine")["title"] == "My own Cuba note"
    reopened = Archive.open(user, base=base)  # the cache rebuilt by add() notes the new lines
    assert reopened.lazy and reopened.get("later")["title"] == "Added by another process"
