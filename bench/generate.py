"""Seeded generator of large archives shaped like the real FRUS corpus.

The benchmarks need archives of 10,000 and 100,000 records that stress the
index the way real ones would: vocabulary and word frequencies taken from the
shipped corpus (Zipf-like, with a growing tail of rare words), dates spread
over 1945-1991 with a few month- and year-precision ones, facets with realistic
cardinalities and skew, a few Unicode names, and text lengths distributed like
the real texts (mean ~3,000 characters, capped at 4,000).

The same seed (and the same corpus) always gives the same records and the same
file. Import it from the repository root as ``from bench.generate import ...``
(``bench`` is a namespace package), or run it as a script::

    python bench/generate.py --count 100000 --seed 1 -o /tmp/archive-100k.json
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import numpy as np

REPO_ROOT = Path(__file__).resolve().parents[1]
FRUS_PATH = REPO_ROOT.parent / "shared" / "data" / "frus-records.json"
SHIPPED_PATH = REPO_ROOT / "data" / "records.json"
DEFAULT_OUT_DIR = REPO_ROOT / "bench" / "out"

# Bump when the generated records change shape, so cached archives are rebuilt.
# 2: source notes drawn from the corpus's real ones (one "Generated benchmark record" note
# a record made the repository facet one value a record), and the derived provenance
# fields stored as `archive-tui import` and the shipped archive store them.
GENERATOR_VERSION = 2
_DRAWS_VERSION = 1  # seeds the draws of every other field: unchanged since version 1

FIRST_YEAR, LAST_YEAR = 1945, 1991
TEXT_CAP = 4000
MONTH_PRECISION_SHARE = 0.01
YEAR_PRECISION_SHARE = 0.005
TAIL_SHARE = 0.015  # share of body tokens drawn from the rare-word tail (vocabulary growth)
TARGET_PEOPLE, TARGET_PLACES, TARGET_SUBJECTS, TARGET_COLLECTIONS = 3000, 200, 250, 50
PEOPLE_PER_RECORD = (0.20, 0.20, 0.25, 0.20, 0.15)  # P(0..4 people)
SUBJECTS_PER_RECORD = (0.30, 0.60, 0.10)  # P(1..3 subjects)
PLACES_PER_RECORD = (0.05, 0.93, 0.02)  # P(0..2 places)
LANGUAGES = (("English", 0.96), ("French", 0.02), ("German", 0.01), ("Russian", 0.01))
UNICODE_PEOPLE = (  # (rank among people, name, word used in the text)
    (25, "Громыко, Андрей Андреевич", "Громыко"),
    (60, "Piné, Antoine", "Piné"),
    (140, "Manac’h, Étienne", "Manac’h"),
)
COLLOCATIONS = (
    "United States", "Soviet Union", "Secretary of State", "Department of State",
    "United Nations", "Security Council", "National Security Council", "Prime Minister",
    "Foreign Minister", "the President", "Middle East", "Western Europe", "Far East",
    "General Assembly", "Defense Department", "the Embassy", "nuclear weapons",
    "military assistance", "economic aid", "Joint Chiefs of Staff", "Central Intelligence Agency",
    "East Germany", "West Germany", "Federal Republic", "Warsaw Pact", "North Atlantic Treaty",
    "peace settlement", "cease-fire", "armistice negotiations", "trade agreement",
    "arms control", "test ban", "the Ambassador", "Foreign Office", "White House",
    "Communist China", "the Kremlin", "balance of payments", "mutual security", "the Cabinet",
)  # fmt: skip
_SYLLABLES = [c + v for c in "bdfgklmnprstvzch" for v in "aeiou"]  # 80 two-letter syllables
_WORD_RE = re.compile(r"\S+")
_YEAR_RE = re.compile(r"(\d{4})(?:\s*[–-]\s*(\d{2,4}))?")


@dataclass(frozen=True)
class CorpusModel:
    """What the generator learned from the corpus: vocabularies, frequencies, length samples."""

    source: str
    words: tuple[str, ...]  # body tokens, most frequent first
    word_cdf: np.ndarray
    title_words: tuple[str, ...]
    title_cdf: np.ndarray
    title_lengths: np.ndarray  # words per title, one sample per corpus record
    text_lengths: np.ndarray  # characters per text, one sample per corpus record
    document_types: tuple[str, ...]
    document_type_cdf: np.ndarray
    people: tuple[str, ...]  # most frequent first
    places: tuple[str, ...]
    subjects: tuple[str, ...]
    collections: tuple[tuple[str, int, int], ...]  # (name, first year, last year)
    source_notes: tuple[str, ...] = ()  # the corpus's "Source:" notes, as printed


def _cdf(weights: Iterable[float]) -> np.ndarray:
    w = np.asarray(list(weights), dtype=np.float64)
    c = np.cumsum(w)
    return c / c[-1]


def _zipf_cdf(n: int, s: float = 1.0, q: float = 2.7) -> np.ndarray:
    """Zipf-Mandelbrot rank weights 1/(rank+q)^s, as a cumulative distribution."""
    return _cdf(1.0 / (np.arange(1, n + 1, dtype=np.float64) + q) ** s)


def _pseudo_word(i: int, syllables: int = 3) -> str:
    """A distinct pronounceable non-word for index i (i < 80**syllables)."""
    n = (i * 7919 + 104729) % len(_SYLLABLES) ** syllables  # scramble, still a bijection
    parts = []
    for _ in range(syllables):
        n, d = divmod(n, len(_SYLLABLES))
        parts.append(_SYLLABLES[d])
    return "".join(parts)


def _pseudo_name(i: int) -> str:
    return f"{_pseudo_word(i, 3).capitalize()}, {_pseudo_word(i + 7, 2).capitalize()}"


def _read_corpus(path: Path) -> list[dict]:
    """Records from a JSON array or a TinyDB file ({"records": {"1": {...}}})."""
    with path.open(encoding="utf-8") as f:
        data = json.load(f)
    if isinstance(data, dict):
        table = data.get("records", data.get("_default", {}))
        data = list(table.values()) if isinstance(table, dict) else []
    return [r for r in data if isinstance(r, dict) and r.get("text") and r.get("title")]


def default_corpus_path() -> Path:
    """The FRUS corpus beside the repository, else the shipped archive."""
    for path in (FRUS_PATH, SHIPPED_PATH):
        if path.exists() and _read_corpus_cached(path):
            return path
    raise FileNotFoundError(
        f"no corpus to learn from: neither {FRUS_PATH} nor {SHIPPED_PATH} holds records"
    )


@lru_cache(maxsize=2)
def _read_corpus_cached(path: Path) -> tuple[dict, ...]:
    return tuple(_read_corpus(path))


def _ranked(counter: Counter, pad_to: int, make: Callable[[int], str] | None = None) -> list[str]:
    ranked = [v for v, _ in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))]
    i = 0
    while len(ranked) < pad_to:
        ranked.append(_pseudo_name(i) if make is None else make(i))
        i += 1
    return ranked


def _collections(records: Sequence[dict]) -> list[tuple[str, int, int]]:
    spans: dict[str, list[int]] = {}
    for r in records:
        name = r.get("collection")
        year = str(r.get("date", ""))[:4]
        if isinstance(name, str) and name and year.isdigit():
            spans.setdefault(name, []).append(int(year))
    out = [(name, min(ys), max(ys)) for name, ys in sorted(spans.items())]
    # Synthetic volumes fill the years the corpus lacks (1945-47, 1981-91), up to 50 in all.
    gaps = [(1945, 1947), (1981, 1984), (1985, 1988), (1989, 1991)]
    i = 0
    while len(out) < TARGET_COLLECTIONS:
        first, last = gaps[i % len(gaps)]
        out.append(
            (f"Generated Collection, {first}–{last}, Volume {i // len(gaps) + 1}", first, last)
        )
        i += 1
    return out


@lru_cache(maxsize=2)
def load_corpus_model(path: Path | None = None) -> CorpusModel:
    """Learn vocabularies and distributions from the corpus (cached per process)."""
    path = Path(path) if path is not None else default_corpus_path()
    records = _read_corpus_cached(path)
    if not records:
        raise ValueError(f"{path}: no records with a title and a text to learn from")
    words: Counter = Counter()
    title_words: Counter = Counter()
    types: Counter = Counter()
    people: Counter = Counter()
    places: Counter = Counter()
    subjects: Counter = Counter()
    for r in records:
        words.update(r["text"].split())
        title_words.update(r["title"].split())
        types[r.get("document_type") or "Other"] += 1
        people.update(p for p in r.get("people") or () if isinstance(p, str))
        places.update(p for p in r.get("places") or () if isinstance(p, str))
        subjects.update(s for s in r.get("subjects") or () if isinstance(s, str))
    # Hapaxes are mostly OCR noise; the synthetic tail replaces them.
    body = [w for w, n in sorted(words.items(), key=lambda kv: (-kv[1], kv[0])) if n >= 2]
    counts = np.array([words[w] for w in body], dtype=np.float64)
    titles = [w for w, _ in sorted(title_words.items(), key=lambda kv: (-kv[1], kv[0]))]
    ranked_types = [t for t, _ in sorted(types.items(), key=lambda kv: (-kv[1], kv[0]))]
    ranked_people = _ranked(people, 0)
    for rank, name, _ in UNICODE_PEOPLE:
        ranked_people.insert(min(rank, len(ranked_people)), name)
    i = 0
    while len(ranked_people) < TARGET_PEOPLE:
        ranked_people.append(_pseudo_name(i))
        i += 1
    return CorpusModel(
        source=str(path),
        words=tuple(body),
        word_cdf=_cdf(counts),  # the real frequencies: Zipf-like by nature
        title_words=tuple(titles),
        title_cdf=_cdf(title_words[w] for w in titles),
        title_lengths=np.array([max(1, len(r["title"].split())) for r in records]),
        text_lengths=np.array([min(TEXT_CAP, len(r["text"])) for r in records]),
        document_types=tuple(ranked_types),
        document_type_cdf=_cdf(types[t] for t in ranked_types),
        people=tuple(ranked_people),
        places=tuple(_ranked(places, TARGET_PLACES, lambda i: _pseudo_word(i).capitalize())),
        subjects=tuple(
            _ranked(subjects, TARGET_SUBJECTS, lambda i: f"Affairs of {_pseudo_word(i).title()}")
        ),
        collections=tuple(_collections(records)),
        source_notes=tuple(
            sorted({r["source"] for r in records if isinstance(r.get("source"), str)})
        ),
    )


def _draw(rng: np.random.Generator, cdf: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), len(cdf) - 1)


def _distinct(rng: np.random.Generator, cdf: np.ndarray, k: int) -> list[int]:
    """k distinct indices drawn with the cdf's weights (order of first draw)."""
    out: list[int] = []
    while len(out) < k:
        for i in _draw(rng, cdf, 2 * k).tolist():
            if i not in out:
                out.append(i)
                if len(out) == k:
                    break
    return out


def _cut(text: str, limit: int) -> str:
    """Cut at the last word boundary before limit characters."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > 0 else limit]


class _Generator:
    """Holds the per-run arrays; one instance makes one archive's records."""

    def __init__(self, model: CorpusModel, count: int, seed: int) -> None:
        self.model = model
        self.rng = np.random.default_rng([seed, _DRAWS_VERSION])
        self.note_rng = np.random.default_rng([seed, GENERATOR_VERSION, 1])  # source notes
        self.words = np.array(model.words, dtype=object)
        self.title_words = np.array(model.title_words, dtype=object)
        tail_size = max(1000, count)
        self.tail = np.array([_pseudo_word(i, 3) for i in range(tail_size)], dtype=object)
        self.tail_cdf = _zipf_cdf(tail_size)
        self.people_cdf = _zipf_cdf(len(model.people), s=1.05)
        self.places_cdf = _zipf_cdf(len(model.places), s=1.2)
        self.subjects_cdf = _zipf_cdf(len(model.subjects), s=0.8)
        self.colloc_cdf = _zipf_cdf(len(COLLOCATIONS), s=0.9)
        self.lang_cdf = _cdf(p for _, p in LANGUAGES)
        probs = np.diff(model.word_cdf, prepend=0.0)
        lengths = np.fromiter((len(w) + 1 for w in model.words), dtype=np.float64)
        self.mean_token = float(probs @ lengths) if model.words else 6.0
        surnames = {name: word for _, name, word in UNICODE_PEOPLE}
        self.surname = {
            p: surnames.get(p, p.split(",")[0].split()[-1] if p.split(",")[0] else p)
            for p in model.people
        }
        self.by_year = {
            y: [i for i, (_, a, b) in enumerate(model.collections) if a <= y <= b] or [0]
            for y in range(FIRST_YEAR, LAST_YEAR + 1)
        }
        self.first_day = date(FIRST_YEAR, 1, 1).toordinal()
        self.last_day = date(LAST_YEAR, 12, 31).toordinal()

    def _date(self) -> tuple[str, date]:
        day = date.fromordinal(int(self.rng.integers(self.first_day, self.last_day + 1)))
        u = float(self.rng.random())
        if u < YEAR_PRECISION_SHARE:
            return f"{day.year:04d}", day
        if u < YEAR_PRECISION_SHARE + MONTH_PRECISION_SHARE:
            return f"{day.year:04d}-{day.month:02d}", day
        return day.isoformat(), day

    def _body(self, length: int, names: list[str]) -> str:
        rng = self.rng
        n = int(length / self.mean_token * 1.15) + 8
        tokens = self.words[_draw(rng, self.model.word_cdf, n)]
        tail = np.flatnonzero(rng.random(n) < TAIL_SHARE)
        if len(tail):
            tokens[tail] = self.tail[_draw(rng, self.tail_cdf, len(tail))]
        extras = [COLLOCATIONS[i] for i in _draw(rng, self.colloc_cdf, max(1, n // 60)).tolist()]
        extras += names
        positions = rng.integers(0, n, len(extras)).tolist()
        for pos, extra in zip(positions, extras, strict=True):
            tokens[pos] = extra
        return " ".join(tokens.tolist())

    def record(self, i: int) -> dict:
        m, rng = self.model, self.rng
        date_str, day = self._date()
        year = day.year
        collection = m.collections[self.by_year[year][int(rng.integers(len(self.by_year[year])))]][
            0
        ]
        n_people = int(_draw(rng, _cdf(PEOPLE_PER_RECORD), 1)[0])
        n_subjects = int(_draw(rng, _cdf(SUBJECTS_PER_RECORD), 1)[0]) + 1
        n_places = int(_draw(rng, _cdf(PLACES_PER_RECORD), 1)[0])
        people = [m.people[j] for j in _distinct(rng, self.people_cdf, n_people)]
        subjects = [m.subjects[j] for j in _distinct(rng, self.subjects_cdf, n_subjects)]
        places = [m.places[j] for j in _distinct(rng, self.places_cdf, n_places)]
        doc_type = m.document_types[int(_draw(rng, m.document_type_cdf, 1)[0])]
        language = LANGUAGES[int(_draw(rng, self.lang_cdf, 1)[0])][0]

        n_title = int(m.title_lengths[int(rng.integers(len(m.title_lengths)))])
        title_tokens = self.title_words[_draw(rng, m.title_cdf, n_title)].tolist()
        if rng.random() < 0.7:
            title_tokens = [*doc_type.split(), *title_tokens[: max(1, n_title - 2)]]
        title = " ".join(title_tokens)
        title = title[:1].upper() + title[1:]

        length = int(m.text_lengths[int(rng.integers(len(m.text_lengths)))])
        if day.day and len(date_str) == 10:
            when = f"{calendar.month_name[day.month]} {day.day}, {year}"
        elif len(date_str) == 7:
            when = f"{calendar.month_name[day.month]} {year}"
        else:
            when = str(year)
        dateline = f"{places[0] if places else 'Washington'}, {when}."
        names = [self.surname[p] for p in people]
        body = self._body(max(40, length - len(dateline) - 1), names)
        text = f"{dateline} {body}"
        if length >= TEXT_CAP - 10:
            text = _cut(text, TEXT_CAP - 2) + " …"
        else:
            text = _cut(text, length).rstrip(",;:") + "."
        body_part = text[len(dateline) + 1 :]
        summary = body_part if len(body_part) <= 400 else _cut(body_part, 400) + " …"

        rid = f"gen-{i + 1:07d}"
        notes = m.source_notes
        if notes:
            source = notes[int(self.note_rng.integers(len(notes)))]
        else:
            source = f"Source: Generated benchmark record {rid}, {collection}. {doc_type}."
        return {
            "id": rid,
            "date": date_str,
            "title": title,
            "summary": summary,
            "text": text,
            "collection": collection,
            "subjects": subjects,
            "source": source,
            "document_type": doc_type,
            "people": people,
            "places": places,
            "language": language,
            "url": f"https://bench.archive-tui.invalid/records/{rid}",
        }


def generate_records(count: int, seed: int = 1, *, corpus: Path | None = None) -> list[dict]:
    """count records, identical for the same seed and corpus."""
    if count < 0:
        raise ValueError("count must be >= 0")
    gen = _Generator(load_corpus_model(Path(corpus) if corpus else None), count, seed)
    records = [gen.record(i) for i in range(count)]
    try:
        from archive_tui.provenance import add_derived_fields
    except ImportError:  # an older archive_tui: records as they were
        return records
    return add_derived_fields(records)  # as `archive-tui import` stores them


def _write_tinydb(path: Path, records: Sequence[dict]) -> None:
    """Stand-in writer in the store's format, used only while archive_tui.store is missing."""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with tmp.open("w", encoding="utf-8") as f:
        f.write('{"records": {')
        for n, r in enumerate(records, start=1):
            sep = "," if n > 1 else ""
            f.write(f"{sep}\n{json.dumps(str(n))}: {json.dumps(r, ensure_ascii=False)}")
        f.write("\n}}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_archive(path: str | Path, records: Sequence[dict], *, overwrite: bool = False) -> Path:
    """Write records as a new TinyDB archive through the project's store."""
    path = Path(path)
    if path.exists():
        if not overwrite:
            raise FileExistsError(f"{path} exists (use overwrite=True / --force)")
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        from archive_tui.store import RecordStore
    except ImportError:
        print("note: archive_tui.store not available; writing the TinyDB file directly",
              file=sys.stderr)  # fmt: skip
        _write_tinydb(path, records)
        return path
    RecordStore.open(path, create=True).upsert(list(records))
    return path


def archive_path(count: int, seed: int = 1, out_dir: Path = DEFAULT_OUT_DIR) -> Path:
    return Path(out_dir) / f"archive-{count}-s{seed}.json"


def ensure_archive(
    count: int, seed: int = 1, out_dir: Path = DEFAULT_OUT_DIR, *, quiet: bool = False
) -> Path:
    """Path of a generated archive, generating it only if no up-to-date copy exists.

    A sidecar ``.meta.json`` records the generator version and corpus, so a stale
    file from an older generator is rebuilt rather than silently reused.
    """
    path = archive_path(count, seed, out_dir)
    meta_path = path.with_name(path.name + ".meta.json")
    model = load_corpus_model(None)
    meta = {"version": GENERATOR_VERSION, "count": count, "seed": seed, "corpus": model.source}
    if path.exists() and meta_path.exists():
        try:
            old = json.loads(meta_path.read_text(encoding="utf-8"))
        except ValueError:
            old = None
        if old == {**meta, "size": path.stat().st_size}:
            return path
    t0 = time.perf_counter()
    records = generate_records(count, seed)
    t1 = time.perf_counter()
    write_archive(path, records, overwrite=True)
    t2 = time.perf_counter()
    meta_path.write_text(json.dumps({**meta, "size": path.stat().st_size}), encoding="utf-8")
    if not quiet:
        print(
            f"generated {path} ({count:,} records, seed {seed}): "
            f"records {t1 - t0:.1f}s, write {t2 - t1:.1f}s",
            file=sys.stderr,
        )
    return path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000, help="records to generate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-o", "--output", type=Path, help="default: bench/out/archive-N-sS.json")
    parser.add_argument("--corpus", type=Path, help="corpus to learn from (default: FRUS)")
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be >= 0")
    out = args.output or archive_path(args.count, args.seed)
    try:
        t0 = time.perf_counter()
        records = generate_records(args.count, args.seed, corpus=args.corpus)
        t1 = time.perf_counter()
        write_archive(out, records, overwrite=args.force or args.output is None)
    except (FileNotFoundError, FileExistsError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{out}: {args.count:,} records, seed {args.seed}, {out.stat().st_size / 1e6:.1f} MB "
        f"(generate {t1 - t0:.1f}s, write {time.perf_counter() - t1:.1f}s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
