"""The archive-tui command line, run as a user runs it: a real process on real TinyDB files."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cli_helpers
import pytest
from conftest import REPO_ROOT, SHIPPED_PATH

RECORDS = [
    {
        "id": "t-1944-wilgress",
        "date": "November 09, 1944",
        "title": "Letter No. 402 from L.D. Wilgress, Canadian Embassy, Moscow",
        "summary": "Wilgress reviews Soviet foreign policy in Europe.",
        "collection": "Wilson Center Digital Archive",
        "document_type": "Letter",
        "language": "English",
        "people": ["L.D. Wilgress"],
        "places": ["Moscow"],
    },
    {
        "id": "t-1955-pine",
        "date": "March 19, 1955",
        "title": "Telegram to V. M. Molotov on Report of the Agency France Press",
        "summary": "A meeting is needed with Piné about the Geneva accords.",
        "collection": "Wilson Center Digital Archive",
        "document_type": "Telegram",
        "language": "English",
        "places": ["Paris"],
    },
    {
        "id": "t-1969-manach",
        "date": "1969-10-28",
        "title": "Telegram Number 2142-08, 'Conversation with the Deputy-Minister'",
        "summary": "Luo Guibo is curious, while Etienne Manac’h inquires about ambassadors.",
        "collection": "Wilson Center Digital Archive",
        "document_type": "Telegram",
        "language": "French",
    },
    {
        "id": "t-2007-society",
        "date": "June, 2007",
        "title": "The USSR-France Society. Folder 71. The Chekist Anthology",
        "summary": "This note describes the U.S.S.R. – France Society.",
        "collection": "Wilson Center Digital Archive",
    },
    {
        "id": "t-1964-embassy",
        "date": "1964-02-12",
        "title": "Cable From the Embassy in France to the Department of State",
        "summary": "We appear to be heading for a confrontation on Cuban trade.",
        "text": "Paris, February 12, 1964.\nWe appear to be heading for a confrontation.",
        "collection": "Foreign Relations of the United States, 1964–1968, Volume XII",
        "document_type": "Telegram",
        "language": "English",
        "people": ["Bohlen, Charles E."],
        "places": ["Paris"],
        "subjects": ["Western Europe", "France"],
        "url": "https://history.state.gov/historicaldocuments/frus1964-68v12/d25",
    },
    {
        "id": "t-1961-vienna",
        "date": "1961-06-04",
        "title": "Memorandum of Conversation, Vienna",
        "summary": "Громыко attended the luncheon.",
        "collection": "Foreign Relations of the United States, 1961–1963, Volume V",
        "document_type": "Memorandum of Conversation",
        "language": "English",
        "people": ["Khrushchev, Nikita S.", "Kennedy, John F."],
        "places": ["Vienna"],
        "subjects": ["Soviet Union"],
    },
    {
        "id": "t-1970-escape",
        "date": "1970",
        "title": "Report \x1b[31mred\x1b[0m on the bell\x07 question",
        "summary": "A title with control characters in it, as a hostile file might have.",
        "collection": "Foreign Relations of the United States, 1961–1963, Volume V",
        "document_type": "Report",
    },
]
ALL_IDS = {r["id"] for r in RECORDS}
DATE_ORDER = [
    "t-1944-wilgress",
    "t-1955-pine",
    "t-1961-vienna",
    "t-1964-embassy",
    "t-1969-manach",
    "t-1970-escape",
    "t-2007-society",
]


def run_cli(
    *args: object, home: Path | None = None, timeout: float = 120, **env_extra: str
) -> subprocess.CompletedProcess:
    """`cli_helpers.run_cli` with extra environment variables as keywords (EDITOR=...)."""
    return cli_helpers.run_cli(*args, home=home, env=dict(os.environ, **env_extra), timeout=timeout)


def write_json(path: Path, value: object) -> Path:
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def small_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 7-record archive built with the CLI's own import (which creates the --db file)."""
    folder = tmp_path_factory.mktemp("small")
    source = write_json(folder / "input.json", RECORDS)
    db = folder / "small.json"
    proc = run_cli("--db", db, "import", source, home=tmp_path_factory.mktemp("home"))
    assert proc.returncode == 0, proc.stderr
    assert "7 added" in proc.stdout
    return db


@pytest.fixture
def db_copy(small_db: Path, tmp_path: Path) -> Path:
    """A private copy for tests that write."""
    return Path(shutil.copy(small_db, tmp_path / "archive.json"))


def search_json(db: Path, *args: object) -> dict:
    proc = run_cli("--db", db, "search", *args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def ids_of(result: dict) -> list[str]:
    return [hit["id"] for hit in result["hits"]]


# --------------------------------------------------------------------------- search


def test_search_json_shape_and_exact_hits(small_db: Path) -> None:
    result = search_json(small_db, "conversation")
    assert result["query"] == "conversation"
    assert set(ids_of(result)) == {"t-1969-manach", "t-1961-vienna"}
    assert result["total"] == 2
    hit = next(h for h in result["hits"] if h["id"] == "t-1969-manach")
    assert set(hit) >= {"id", "date", "title", "summary", "score"}
    assert hit["date"] == "1969-10-28"
    assert hit["summary"] == RECORDS[2]["summary"]
    assert isinstance(hit["score"], float)


def test_facets_are_keyed_by_record_key(small_db: Path) -> None:
    result = search_json(small_db, "")
    facets = result["facets"]
    assert "type" not in facets and "lang" not in facets
    assert facets["document_type"]["Telegram"] == 3
    assert facets["collection"]["Wilson Center Digital Archive"] == 4
    assert facets["places"] == {"Paris": 2, "Moscow": 1, "Vienna": 1}
    assert facets["language"]["French"] == 1


def test_empty_query_lists_everything_in_date_order(small_db: Path) -> None:
    assert ids_of(search_json(small_db)) == DATE_ORDER
    assert ids_of(search_json(small_db, "--sort", "-date")) == DATE_ORDER[::-1]
    by_title = search_json(small_db, "--sort", "title")
    titles = [h["title"].casefold() for h in by_title["hits"]]
    assert titles == sorted(titles)


def test_filters_on_one_field_are_ored_and_across_fields_anded(small_db: Path) -> None:
    either = search_json(small_db, "--filter", "type=Telegram", "--filter", "document_type=Letter")
    assert set(ids_of(either)) == {
        "t-1944-wilgress",
        "t-1955-pine",
        "t-1969-manach",
        "t-1964-embassy",
    }
    both = search_json(small_db, "--filter", "type=Telegram", "--filter", "lang=French")
    assert ids_of(both) == ["t-1969-manach"]
    place = search_json(
        small_db, "--filter", "place=Paris", "--filter", "person=Bohlen, Charles E."
    )
    assert ids_of(place) == ["t-1964-embassy"]
    subject = search_json(small_db, "--filter", "subjects=Soviet Union")
    assert ids_of(subject) == ["t-1961-vienna"]


def test_limit_zero_gives_only_total_and_facets(small_db: Path) -> None:
    result = search_json(small_db, "--limit", "0")
    assert result["hits"] == []
    assert result["total"] == 7
    assert sum(result["facets"]["collection"].values()) == 7


def test_limit_and_offset_page_through(small_db: Path) -> None:
    page = search_json(small_db, "--limit", "2", "--offset", "2")
    assert ids_of(page) == DATE_ORDER[2:4]
    assert page["total"] == 7


def test_date_range_includes_the_whole_period(small_db: Path) -> None:
    assert ids_of(search_json(small_db, "--from", "1950", "--to", "1965")) == [
        "t-1955-pine",
        "t-1961-vienna",
        "t-1964-embassy",
    ]
    # A month-precise record overlaps any day of its month, but not the month before.
    assert ids_of(search_json(small_db, "--from", "2007-06-15", "--to", "2007-06-15")) == [
        "t-2007-society"
    ]
    assert "t-2007-society" not in ids_of(search_json(small_db, "--to", "2007-05"))
    assert ids_of(search_json(small_db, "--from", "2007")) == ["t-2007-society"]


def test_unicode_variants_find_the_same_records(small_db: Path) -> None:
    for query in ("Pine", "piné", "PINÉ"):
        assert ids_of(search_json(small_db, query)) == ["t-1955-pine"], query
    for query in ("manach", "Manac'h", "Manac’h"):
        assert ids_of(search_json(small_db, query)) == ["t-1969-manach"], query
    assert ids_of(search_json(small_db, "gromyko")) == ["t-1961-vienna"]


def test_plain_search_is_readable_and_escape_free(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "search")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "June, 2007" in out and "November 09, 1944" in out
    assert "t-2007-society" in out
    assert "7 records" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "␛[31mred" in out  # the control character is shown, not acted on


def test_plain_search_explains_a_malformed_query(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "search", '"de gaulle')
    assert proc.returncode == 0, proc.stderr
    assert "note:" in proc.stdout


ODD_QUERIES = ['"', "*", "(", ")", "-", "AND", "type:", "date:", "Громыко", "x" * 10_000]


@pytest.mark.parametrize("query", ODD_QUERIES, ids=[q[:10] for q in ODD_QUERIES])
def test_odd_queries_never_fail(small_db: Path, query: str) -> None:
    proc = run_cli("--db", small_db, "search", "--json", "--", query)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["total"] <= 7


def test_json_output_escapes_terminal_controls(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "search", "hostile", "--json")
    assert "\x1b" not in proc.stdout and "\x07" not in proc.stdout
    hit = json.loads(proc.stdout)["hits"][0]
    assert hit["title"] == RECORDS[6]["title"]  # but the JSON value is exact


# --------------------------------------------------------------------------- show and stats


def test_show_prints_every_field(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "show", "t-1964-embassy")
    assert proc.returncode == 0, proc.stderr
    record = RECORDS[4]
    for key in ("title", "collection", "url"):
        assert record[key] in proc.stdout
    for value in ("Bohlen, Charles E.", "Western Europe", "Paris", "Telegram", "Cuban trade"):
        assert value in proc.stdout
    assert "confrontation." in proc.stdout  # the text
    assert "February 12, 1964" in proc.stdout


def test_show_json_is_the_record(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "show", "t-1969-manach", "--json")
    assert json.loads(proc.stdout) == RECORDS[2]


def test_show_unknown_id_is_a_clear_error(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "show", "no-such-id")
    assert proc.returncode == 1
    assert "no-such-id" in proc.stderr
    assert proc.stdout == ""


def test_stats_counts_and_paths(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "stats")
    assert proc.returncode == 0, proc.stderr
    assert "records:" in proc.stdout and " 7" in proc.stdout
    assert str(small_db) in proc.stdout
    assert "Wilson Center Digital Archive" in proc.stdout
    assert "1960s" in proc.stdout


# --------------------------------------------------------------------------- import


def test_import_creates_the_db_and_updates_instead_of_duplicating(tmp_path: Path) -> None:
    db = tmp_path / "new.json"
    source = write_json(tmp_path / "in.json", RECORDS[:2])
    first = run_cli("--db", db, "import", source)
    assert first.returncode == 0, first.stderr
    assert "2 added, 0 updated" in first.stdout
    changed = dict(RECORDS[0], title="Letter No. 402, corrected title")
    jsonl = tmp_path / "in.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in [changed, RECORDS[2]]) + "\n",
        encoding="utf-8",
    )
    second = run_cli("--db", db, "import", jsonl)
    assert second.returncode == 0, second.stderr
    assert "1 added, 1 updated" in second.stdout
    result = search_json(db)
    assert result["total"] == 3
    assert ids_of(result) == ["t-1944-wilgress", "t-1955-pine", "t-1969-manach"]
    assert result["hits"][0]["title"] == "Letter No. 402, corrected title"


def test_import_reads_a_tinydb_file(small_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.json"
    proc = run_cli("--db", db, "import", small_db)
    assert proc.returncode == 0, proc.stderr
    assert "7 added" in proc.stdout
    assert search_json(db)["total"] == 7


def test_invalid_records_are_all_reported_and_nothing_is_written(
    db_copy: Path, tmp_path: Path
) -> None:
    before = digest(db_copy)
    rows = [
        {"id": "ok-1", "date": "1950", "title": "Fine"},
        {"id": "bad-date", "date": "someday", "title": "No date"},
        {"id": "ok-2", "date": "1951", "title": "Also fine"},
        {"id": "no-title", "date": "1952"},
    ]
    proc = run_cli("--db", db_copy, "import", write_json(tmp_path / "bad.json", rows))
    assert proc.returncode == 1
    assert "record 2" in proc.stderr and "someday" in proc.stderr
    assert "record 4" in proc.stderr and "title" in proc.stderr
    assert "nothing was imported" in proc.stderr
    assert digest(db_copy) == before


def test_unreadable_import_file_is_a_clear_error(db_copy: Path, tmp_path: Path) -> None:
    before = digest(db_copy)
    broken = tmp_path / "broken.json"
    broken.write_text('[{"id": "x", "date": "1950", "title": "y"},', encoding="utf-8")
    proc = run_cli("--db", db_copy, "import", broken)
    assert proc.returncode == 1
    assert "broken.json" in proc.stderr
    missing = run_cli("--db", db_copy, "import", tmp_path / "missing.json")
    assert missing.returncode == 1
    assert "missing.json" in missing.stderr
    assert digest(db_copy) == before


def test_dry_run_writes_nothing(db_copy: Path, tmp_path: Path) -> None:
    before = digest(db_copy)
    rows = [dict(RECORDS[0], title="Changed"), {"id": "n", "date": "1950", "title": "New"}]
    proc = run_cli("--db", db_copy, "import", write_json(tmp_path / "in.json", rows), "--dry-run")
    assert proc.returncode == 0, proc.stderr
    assert "add 1" in proc.stdout and "update 1" in proc.stdout
    assert digest(db_copy) == before
    fresh = tmp_path / "fresh.json"
    run_cli("--db", fresh, "import", tmp_path / "in.json", "--dry-run")
    assert not fresh.exists()


def test_import_without_db_goes_to_the_user_archive(isolated_home: Path, tmp_path: Path) -> None:
    shipped_before = SHIPPED_PATH.stat() if SHIPPED_PATH.exists() else None
    rows = [{"id": "mine-1", "date": "1999-01-02", "title": "My own document"}]
    proc = run_cli("import", write_json(tmp_path / "mine.json", rows))
    assert proc.returncode == 0, proc.stderr
    user_archive = isolated_home / "data" / "records.json"
    assert user_archive.exists()
    assert "mine-1" in user_archive.read_text(encoding="utf-8")
    if shipped_before is not None:
        after = SHIPPED_PATH.stat()
        assert (after.st_size, after.st_mtime_ns) == (
            shipped_before.st_size,
            shipped_before.st_mtime_ns,
        )
    shown = run_cli("show", "mine-1")
    assert shown.returncode == 0, shown.stderr
    assert "My own document" in shown.stdout


# --------------------------------------------------------------------------- cite and export


def test_cite_in_each_style(small_db: Path) -> None:
    default = run_cli("--db", small_db, "cite", "t-1964-embassy")
    assert default.returncode == 0, default.stderr
    assert "Cable From the Embassy in France" in default.stdout
    bibtex = run_cli("--db", small_db, "cite", "t-1964-embassy", "--style", "bibtex")
    assert bibtex.stdout.lstrip().startswith("@")
    ris = run_cli("--db", small_db, "cite", "t-1964-embassy", "--style", "ris")
    assert "TY  -" in ris.stdout
    unknown = run_cli("--db", small_db, "cite", "nope")
    assert unknown.returncode == 1 and "nope" in unknown.stderr
    bad_style = run_cli("--db", small_db, "cite", "t-1964-embassy", "--style", "harvard")
    assert bad_style.returncode == 2


def test_export_to_stdout_and_to_a_file_without_overwriting(small_db: Path, tmp_path: Path) -> None:
    proc = run_cli("--db", small_db, "export", "conversation", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert "t-1961-vienna" in proc.stdout and "t-1969-manach" in proc.stdout
    assert "t-1944-wilgress" not in proc.stdout
    assert "2 records" in proc.stderr

    target = tmp_path / "out.ris"
    first = run_cli(
        "--db", small_db, "export", "--filter", "type=Telegram", "--format", "ris", "-o", target
    )
    assert first.returncode == 0, first.stderr
    assert target.read_text(encoding="utf-8").count("TY  -") == 3
    before = digest(target)
    again = run_cli("--db", small_db, "export", "--format", "csv", "-o", target)
    assert again.returncode == 1
    assert "--force" in again.stderr
    assert digest(target) == before
    forced = run_cli("--db", small_db, "export", "--format", "csv", "-o", target, "--force")
    assert forced.returncode == 0, forced.stderr
    assert "t-2007-society" in target.read_text(encoding="utf-8")
    nowhere = run_cli("--db", small_db, "export", "--format", "csv", "-o", tmp_path / "no" / "x")
    assert nowhere.returncode == 1 and "does not exist" in nowhere.stderr
    assert not (tmp_path / "no").exists()


# --------------------------------------------------------------------------- errors


def test_missing_db_file_is_a_clear_error(tmp_path: Path) -> None:
    proc = run_cli("--db", tmp_path / "nowhere.json", "search", "x")
    assert proc.returncode == 1
    assert "nowhere.json" in proc.stderr
    assert not (tmp_path / "nowhere.json").exists()


def test_corrupt_db_file_is_a_clear_error_and_untouched(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.json"
    db.write_text('{"records": {"1": {"id": "x", ', encoding="utf-8")
    before = digest(db)
    for args in (["search", "x"], ["show", "x"], ["stats"]):
        proc = run_cli("--db", db, *args)
        assert proc.returncode == 1, args
        assert "corrupt.json" in proc.stderr
    rows = write_json(tmp_path / "in.json", [{"id": "y", "date": "1950", "title": "t"}])
    proc = run_cli("--db", db, "import", rows)
    assert proc.returncode == 1
    assert digest(db) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["search", "--filter", "typeTelegram"], "FIELD=VALUE"),
        (["search", "--filter", "colour=red"], "colour"),
        (["search", "--from", "someday"], "--from"),
        (["search", "--limit", "-1"], "--limit"),
        (["search", "--sort", "random"], "--sort"),
        (["export", "x"], "--format"),
    ],
)
def test_usage_errors_exit_2_with_a_message(small_db: Path, args: list[str], message: str) -> None:
    proc = run_cli("--db", small_db, *args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_the_app_without_a_terminal_says_what_to_do_instead(small_db: Path) -> None:
    proc = run_cli("--db", small_db)  # stdin and stdout are pipes here, not a terminal
    assert proc.returncode == 2
    assert "interactive terminal" in proc.stderr and "archive-tui search" in proc.stderr
    assert proc.stdout == ""


def test_db_option_is_accepted_after_the_command(small_db: Path) -> None:
    proc = run_cli("search", "conversation", "--db", small_db, "--json")
    assert json.loads(proc.stdout)["total"] == 2


def test_output_piped_into_head_ends_quietly(tmp_path: Path) -> None:
    many = [
        {"id": f"m-{i:05d}", "date": "1950", "title": f"Document number {i}"} for i in range(3000)
    ]
    db = tmp_path / "many.json"
    assert (
        run_cli("--db", db, "import", write_json(tmp_path / "many-in.json", many)).returncode == 0
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "archive_tui", "--db", str(db), "search", "--limit", "3000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode("utf-8")
    proc.wait(timeout=120)
    assert b"Document number" in first
    assert stderr == ""


def test_choices_match_the_core() -> None:
    from archive_tui import cli
    from archive_tui.citations import STYLES
    from archive_tui.export import FORMATS
    from archive_tui.formats import IMPORT_FORMATS
    from archive_tui.search import QUERY_FIELD_NAMES, SORTS

    assert cli.SORTS == SORTS
    assert cli.STYLES == STYLES
    assert cli.FORMATS == FORMATS
    assert cli.IMPORT_FORMATS == IMPORT_FORMATS
    assert cli.FILTER_ALIASES == QUERY_FIELD_NAMES


def test_a_terminal_without_unicode_gets_readable_output(small_db: Path) -> None:
    ascii_only = {"PYTHONIOENCODING": "ascii"}
    plain = run_cli("--db", small_db, "search", "manach", **ascii_only)
    assert plain.returncode == 0, plain.stderr
    assert "t-1969-manach" in plain.stdout
    shown = run_cli("--db", small_db, "show", "t-1969-manach", **ascii_only)
    assert shown.returncode == 0 and "Manac?h" in shown.stdout
    as_json = run_cli("--db", small_db, "show", "t-1969-manach", "--json", **ascii_only)
    assert json.loads(as_json.stdout) == RECORDS[2]  # escaped, so nothing is lost
    export = run_cli("--db", small_db, "export", "manach", "--format", "ris", **ascii_only)
    assert export.returncode == 1 and "-o FILE" in export.stderr


SLOW_CACHE_WRITE = """
import signal, sys, time
# Ctrl-C as a shell delivers it: a pytest-xdist worker may have SIGINT ignored or blocked, and
# a child inherits both (seen in CI: the child, waiting in join(), never got the signal)
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
signal.signal(signal.SIGINT, signal.default_int_handler)
from archive_tui.index import store_index
from archive_tui.cli import main
saving = store_index.save_segment
def slow_save(*args, **kwargs):
    print("saving", file=sys.stderr, flush=True)
    time.sleep(30)  # as a 400 MB cache on a slow disk
    return saving(*args, **kwargs)
store_index.save_segment = slow_save
sys.exit(main(sys.argv[1:]))
"""


def test_ctrl_c_while_the_index_cache_is_written_quits_cleanly(
    small_db: Path, tmp_path: Path
) -> None:
    """The search is printed; Ctrl-C during the cache write after it skips the write, with
    a sentence and the command's own status, never a traceback; the next run builds again."""
    import signal
    import time

    env = dict(os.environ, ARCHIVE_TUI_HOME=str(tmp_path / "home"), PYTHONFAULTHANDLER="1")
    env.pop("ARCHIVE_TUI_DEBUG", None)
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_CACHE_WRITE, "--db", str(small_db), "search", "molotov"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    assert proc.stderr is not None and proc.stdout is not None
    assert proc.stderr.readline().strip() == "saving"  # the write under way (since the open)
    printed = []
    while not printed or printed[-1] != "1 record.\n":  # and the search printed: it is done
        printed.append(proc.stdout.readline())
        assert printed[-1], printed
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:  # where is it stuck? (faulthandler prints every thread)
        proc.send_signal(signal.SIGABRT)
        out, err = proc.communicate(timeout=20)
        pytest.fail(f"Ctrl-C did not stop it within 20 s; its threads:\n{err}")
    out = "".join(printed) + out
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert "the search index was not saved" in err
    assert "Molotov" in out
    assert not (tmp_path / "home" / "cache").exists() or not any(
        p.suffix == ".npz" for p in (tmp_path / "home" / "cache").iterdir()
    )


# --------------------------------------------------------------------------- --json everywhere


def test_every_command_takes_json(small_db: Path, tmp_path: Path) -> None:
    stats = json.loads(run_cli("--db", small_db, "stats", "--json").stdout)
    assert stats["records"] == len(RECORDS)
    assert stats["facets"]["document_type"]["Telegram"] == 3
    cite = json.loads(run_cli("--db", small_db, "cite", "t-1955-pine", "--json").stdout)
    assert [c["id"] for c in cite["citations"]] == ["t-1955-pine"]
    assert cite["text"].startswith('"Telegram to V. M. Molotov')
    source = write_json(tmp_path / "one.json", RECORDS[:1])
    report = json.loads(run_cli("--db", tmp_path / "new.json", "import", source, "--json").stdout)
    assert (report["added"], report["updated"], report["invalid"]) == (1, 0, [])
    out = tmp_path / "out.bib"
    export = run_cli("--db", small_db, "export", "", "--format", "bibtex", "-o", out, "--json")
    assert json.loads(export.stdout)["exported"] == len(RECORDS)
    for command in ("search", "show", "stats", "import", "cite", "export", "remove", "edit"):
        helptext = run_cli(command, "--help").stdout
        assert "--json" in helptext, command


def test_a_failure_with_json_is_a_json_object_too(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "cite", "no-such-id", "--json")
    assert proc.returncode == 1
    assert "no record with id 'no-such-id'" in proc.stderr
    assert json.loads(proc.stdout) == {
        "error": "no record with id 'no-such-id'; nothing was cited",
        "status": 1,
    }


def test_cite_takes_several_ids_and_reads_ids_from_stdin(small_db: Path) -> None:
    many = run_cli("--db", small_db, "cite", "t-1964-embassy", "t-1955-pine", "--style", "mla")
    assert many.returncode == 0, many.stderr
    lines = [line for line in many.stdout.split("\n") if line]
    assert len(lines) == 2
    assert lines[0].startswith('"Cable From the Embassy')  # MLA: alphabetical by title
    proc = subprocess.run(
        [sys.executable, "-m", "archive_tui", "--db", str(small_db), "cite", "-"],
        input="t-1955-pine\n\n  t-1961-vienna  \n",
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Molotov" in proc.stdout and "Vienna" in proc.stdout
    missing = run_cli("--db", small_db, "cite", "t-1955-pine", "nope-1", "nope-2")
    assert missing.returncode == 1
    assert "no records with ids 'nope-1', 'nope-2'; nothing was cited" in missing.stderr
    assert missing.stdout == ""


def test_counts_are_said_with_correct_plurals(small_db: Path, tmp_path: Path) -> None:
    source = write_json(tmp_path / "one.json", RECORDS[:1])
    proc = run_cli("--db", tmp_path / "new.json", "import", source)
    assert "imported 1 record into" in proc.stdout
    out = tmp_path / "one.ris"
    export = run_cli("--db", small_db, "export", "id:t-1955-pine", "--format", "ris", "-o", out)
    assert "exported 1 record to" in export.stderr


def test_export_says_when_a_filter_value_matches_nothing(small_db: Path) -> None:
    proc = run_cli("--db", small_db, "export", "", "--filter", "place=Atlantis", "--format", "ris")
    assert proc.returncode == 0
    assert "note: No places value matches 'Atlantis'" in proc.stderr
    assert "exported 0 records" in proc.stderr
