"""PgArchive: an archive in PostgreSQL with the local Archive's reading and writing calls.

Searches are compiled to SQL (:mod:`.compile`) and run in the database: matching (the
words' posting lists joined to the records), scoring, ordering, paging, the total and the
histogram's day counts. What stays in Python is what must equal the local engine character
for character and is small: reading the query, matching a filter value as the user sees it
against the stored values (values.matching_values, the People resolver and alias files),
and highlighting the page; and the facet counts of the matching records, which the search
statement returns by ``seq`` and numpy counts over every record's value ids read once per
database generation (:mod:`.facet_counts`; in SQL when the database moved on meanwhile).
Those lookups are cached per database generation (every write makes a new one).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import orjson

from ..annotation_search import ANNOTATION_FACETS, uses_annotations
from ..query import ParsedQuery, Phrase, Term, positive_nodes
from ..search import (
    Filters,
    prepare_search,
)
from .chunk_search import plan as chunk_plan
from .compile import MAX_EXPANSIONS, Compiler, Context, confirm, expand_like
from .connection import connect, read_with_settings
from .driver import driver_sql, query_terms
from .facet_lookups import FacetLookups
from .filters import date_bounds, date_key_bounds, filter_sql
from .phrase import legacy_terms
from .records import ensure_schema, prepare, remove_records, write_records
from .result import PgSearchResult
from .suggest import suggest_words

_ORDER = {  # ties: earlier date, then archive order (search.SearchResult._prepare)
    "relevance": "score DESC, date_key, seq",
    "date": "date_key, seq",
    "-date": "date_key DESC, seq DESC",
    "title": "title_key, date_key, seq",
}
log = logging.getLogger(__name__)
SEARCH_BUDGET_S = 10.0  # seconds a search may take on the server
NO_ANNOTATIONS = "Your tags, notes and lists are not available here: none matched."


class PgArchive(FacetLookups):
    """One PostgreSQL archive (``postgresql://`` address); see the module docstring."""

    # queries of plain words chunk by chunk (chunk_search.py); False: the general
    # statement for every query (tests compare the two)
    chunk_search = True

    def __init__(self, address: str, conn: Any) -> None:
        self.address = address
        self.conn = conn
        self.lock = threading.RLock()  # one connection, searched from worker threads
        self._generation = -1
        self._cache: dict[str, Any] = {}
        self.notes: list[str] = []
        self.searched_again = 0  # searches redone: kept lookups of an older generation

    @classmethod
    def open(cls, address: str) -> PgArchive:
        """Connect (DatabaseProblem, one sentence, if it cannot) to an initialised archive."""
        conn = connect(address, autocommit=True)
        try:
            ensure_schema(conn)
        except Exception:
            conn.close()
            raise
        return cls(address, conn)

    def close(self) -> None:
        self.conn.close()

    # ------------------------------------------------------------------ small reads

    def _query(self, sql: str, params: Any = None) -> list[tuple]:
        with self.lock, self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def _read(self, settings: dict[str, str], sql: str, params: Any = None) -> list[tuple]:
        """One read with planner ``settings`` local to it (connection.read_with_settings:
        one round trip)."""
        with self.lock:
            return read_with_settings(self.conn, settings, sql, params)

    def _stats_row(self) -> tuple[int, float, int]:
        n, total, gen = self._query("SELECT records, total_dl, generation FROM archive_stats")[0]
        self._saw_generation(gen)
        return int(n), float(total), int(gen)

    def _saw_generation(self, generation: int) -> None:
        """A read saw the database at ``generation``: what was kept of another is dropped."""
        if generation != self._generation:
            self._cache = {}
            self._generation = generation

    def _stats_and_dfs(self, terms: list[str]) -> tuple[int, float, Any, bool]:
        """The live count and total length, and the document frequencies of ``terms``:
        (n, total_dl, a ``dfs`` that answers for those terms without asking, assumed).
        Asked in one round trip, then kept for the database generation it saw; when all
        are kept, nothing is asked and ``assumed`` is True: the search's statement tells
        the generation it saw, and :meth:`search` searches again if that is a newer one
        (a round trip less a keystroke; on a busy server each is a wait in the queue)."""
        vocab = self._cache.get("vocab")
        stats = self._cache.get("stats")
        assumed = stats is not None and vocab is not None and all(t in vocab for t in terms)
        if not assumed:
            rows = self._query(
                "SELECT s.records, s.total_dl, s.generation, v.term, v.id, v.df FROM "
                "archive_stats s LEFT JOIN archive_vocab v ON v.term = ANY(%s) AND v.df > 0",
                (terms,),
            )
            n, total, gen = rows[0][:3]
            self._saw_generation(gen)
            stats = self._cache["stats"] = (int(n), float(total))
            vocab = self._cache.setdefault("vocab", {})
            found = {term: (tid, df) for *_, term, tid, df in rows if term is not None}
            vocab.update((t, found.get(t)) for t in terms)
        assert vocab is not None and stats is not None

        def dfs(wanted: list[str]) -> dict[str, tuple[int, int]]:
            missing = [t for t in wanted if t not in vocab]
            if missing:
                got = self.dfs(missing)
                vocab.update((t, got.get(t)) for t in missing)
            return {t: vocab[t] for t in wanted if vocab[t] is not None}

        return stats[0], stats[1], dfs, assumed

    def _legacy_terms(self, tids: list[int]) -> bool:
        """phrase.legacy_terms, asked once per word set and database generation (every
        search of plain words asks it: a round trip a keystroke otherwise)."""
        key = ("legacy", tuple(sorted(tids)))
        if key not in self._cache:
            self._cache[key] = legacy_terms(self._query, list(tids))
        return self._cache[key]

    def __len__(self) -> int:
        return self._stats_row()[0]

    def get(self, record_id: str) -> dict | None:
        rows = self._query("SELECT body FROM archive_records WHERE id = %s", (record_id,))
        return orjson.loads(rows[0][0]) if rows else None

    def records(self) -> Iterator[dict]:
        """Every record in archive order (read in batches)."""
        last = -1
        while True:
            rows = self._query(
                "SELECT seq, body FROM archive_records WHERE seq > %s ORDER BY seq LIMIT 2000",
                (last,),
            )
            if not rows:
                return
            for _seq, body in rows:
                yield orjson.loads(body)
            last = rows[-1][0]

    def by_seq(self, seqs: list[int]) -> dict[int, dict]:
        rows = self._query(
            "SELECT seq, body FROM archive_records WHERE seq = ANY(%s)", (list(seqs),)
        )
        return {seq: orjson.loads(body) for seq, body in rows}

    # ------------------------------------------------------------------ writes

    def add(self, records: Iterable[object]) -> tuple[int, int]:
        """Validate all (ValidationFailed: nothing written), then upsert in one transaction."""
        batch = prepare(records)
        with self.lock:
            return write_records(self.conn, batch)

    def remove(self, record_ids: Iterable[str]) -> int:
        with self.lock:
            return remove_records(self.conn, record_ids)

    # ------------------------------------------------------------------ value lookups

    def count(self) -> int:
        return len(self)

    def dfs(self, terms: list[str]) -> dict[str, tuple[int, int]]:
        """term -> (vocabulary id, document frequency), for terms some record holds."""
        rows = self._query(
            "SELECT term, id, df FROM archive_vocab WHERE term = ANY(%s) AND df > 0",
            (list(terms),),
        )
        return {term: (tid, df) for term, tid, df in rows}

    def expand(self, kind: str, pattern: str, notes: list[str]) -> list[str]:
        """Vocabulary words a prefix or wildcard term stands for (wildcard.expand_terms)."""
        key = f"expand:{kind}:{pattern}"
        if key in self._cache:
            terms, said = self._cache[key]
        else:
            lo, hi, like = expand_like(kind, pattern)
            rows = self._query(
                "SELECT term, df FROM archive_vocab WHERE term >= %s AND term < %s "
                "AND term LIKE %s AND df > 0 ORDER BY term",
                (lo, hi, like),
            )
            rows = [r for r in rows if r[0] in set(confirm(kind, pattern, [t for t, _ in rows]))]
            said = []
            if len(rows) > MAX_EXPANSIONS:
                shown = like.replace("%", "*").replace("_", "?")
                said.append(
                    f"{shown} matches {len(rows):,} words: the {MAX_EXPANSIONS} most frequent "
                    "were searched."
                )
                keep = sorted(rows, key=lambda r: -r[1])[:MAX_EXPANSIONS]
                rows = sorted(keep)
            terms = [t for t, _ in rows]
            self._cache[key] = (terms, said)
        notes.extend(n for n in said if n not in notes)
        return terms

    def resolve_id(self, value: str) -> str | None:
        rows = self._query("SELECT id FROM archive_records WHERE id = %s", (value,))
        if rows:
            return rows[0][0]
        folded = value.casefold()
        rows = self._query(
            "SELECT id FROM archive_records WHERE lower(id) = lower(%s) ORDER BY seq", (value,)
        )
        return next((r[0] for r in rows if r[0].casefold() == folded), None)

    # ------------------------------------------------------------------ search

    def search(
        self,
        query: str | ParsedQuery = "",
        filters: Filters | Mapping[str, Any] | None = None,
        sort: str | None = None,
        offset: int = 0,
        limit: int = 20,
        *,
        should_stop: Any = None,
        annotations: Any = None,
        budget_s: float | None = SEARCH_BUDGET_S,
    ) -> PgSearchResult:
        """The local search's result, computed in PostgreSQL (see search.execute).

        ``budget_s``: the server stops a search that takes longer (a note says so,
        ``cut_short`` is set); a database answers all at once, so it is longer than the
        local engine's, which returns what it has so far.
        """
        t0 = time.perf_counter()
        parsed, filters, sort = prepare_search(query, filters, sort)
        annot = None
        if annotations is not None:
            from .annotations import PgAnnotations

            annot = PgAnnotations(self, annotations)
        elif uses_annotations(parsed.root) or any(filters.facets.get(f) for f in ANNOTATION_FACETS):
            parsed.notes.append(NO_ANNOTATIONS)
        n, total_dl, known, assumed = self._stats_and_dfs(query_terms(parsed.root))
        generation = self._generation
        mean = total_dl / n if n else 0.0
        ctx = Context(
            n=n,
            avgdl=mean if n and mean > 0 else 1.0,
            df=known,
            phrase_legacy=self._legacy_terms,
            expand=self.expand,
            facet_values=self.match_values,
            person_words=self.person_words,
            resolve_id=self.resolve_id,
            notes=parsed.notes,
            annotations=annot,
        )
        compiler = Compiler(ctx)
        with self.lock:
            driver = None
            if parsed.root is None:
                match, score = "true", None
            else:
                match, score = compiler.node(parsed.root)
                driver = driver_sql(compiler, parsed.root, n)
                if driver is not None:  # only the records of those posting lists are read
                    match = f"({driver} AND {match})"
            plain: dict[str, Any] = {}
            fsql = filter_sql(self, compiler, filters, parsed.notes, annot, plain)
            result = PgSearchResult(
                self,
                query=parsed.text,
                parsed=parsed,
                filters=filters,
                sort=sort,
                offset=max(0, int(offset)),
                limit=max(0, int(limit)),
                match=match,
                filters_sql=fsql,
                score=score,
                norm=compiler.norm_sql(),
                order=_ORDER[sort],
                params=compiler.params,
                annotations=annot,
                joins=" ".join(compiler.joins),
            )
            result.driver = "postings" if driver is not None else "scan"
            # plain words: chunk_search.py, when it can (with the filter panel's choices:
            # sorted by date or title, walking the index; counted from the facet arrays)
            if self.chunk_search and (
                not fsql or (sort != "relevance" and annot is None and not plain["annotations"])
            ):
                found = chunk_plan(compiler, parsed.root, sort, self._legacy_terms)
                if found is not None and fsql:
                    found = found if found.walk else None
                    if found is not None:
                        found.filters = list(fsql.values())
                        # (a year, decade or date filter: the walk starts and stops there)
                        found.filters += date_bounds(compiler, date_key_bounds(self, plain))
                        result.plain_filters = plain
                result.chunk_plan = found
            if parsed.root is None and annot is None and not plain["annotations"]:
                result.plain_filters = plain  # filters only: counted from the arrays
                result.bounds = date_bounds(compiler, date_key_bounds(self, plain))
            result.run(budget_s, should_stop)
            if assumed and result.generation not in (-1, generation) and not result.cut_short:
                # the lookups kept were an older generation's: again, asking afresh
                self._cache = {}
                self.searched_again += 1
                log.info("the archive changed since the words were looked up: searched again")
                return self.search(
                    query,
                    filters,
                    sort,
                    offset,
                    limit,
                    should_stop=should_stop,
                    annotations=annotations,
                    budget_s=budget_s,
                )
            if result.total == 0 and parsed.root is not None and not result.cut_short:
                result.suggestions = self.suggest(_query_words(parsed))
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def suggest(self, words: list[str], limit: int = 5) -> list[str]:
        """Known words within edit distance 2 of unknown query words (search.suggest;
        pg/suggest.py)."""
        known = self.dfs(words) if words else {}
        unknown = [w for w in dict.fromkeys(words) if w.isalpha() and w not in known]
        if not unknown:
            return []
        min_df = 2 if len(self) >= 50 else 1  # index.suggestion_arrays: suggestible words
        return suggest_words(self, unknown, min_df, limit)

    # ------------------------------------------------------------------ the rest

    def related(self, record_id: str, limit: int = 10) -> list[dict]:
        """Records sharing the most subjects and people (one a person), then nearest in
        date, then archive order (Archive.related)."""
        if limit <= 0:
            return []
        me = self._query(
            "SELECT seq, fv, (date_start::bigint + date_end) / 2 FROM archive_records "
            "WHERE id = %s",
            (record_id,),
        )
        if not me:
            return []
        seq, fv, mid = me[0]
        subjects = set(self.field_value_ids("subjects")) & set(fv)
        people = self.people()
        pids = self.field_value_ids("people")
        index_of = {vid: i for i, vid in enumerate(pids)}
        mine = {int(people.canonical_id[index_of[v]]) for v in fv if v in index_of}
        variants = [
            vid for vid, c in zip(pids, people.canonical_id.tolist(), strict=True) if c in mine
        ]
        persons = [int(people.canonical_id[index_of[v]]) for v in variants]
        rows = self._query(
            "SELECT r.body FROM archive_records r, "
            "LATERAL (SELECT count(*) AS n FROM unnest(r.fv) v "
            "WHERE v = ANY(%(subjects)s::integer[])) s, "
            "LATERAL (SELECT count(DISTINCT g.person) AS n FROM unnest(r.fv) v "
            "JOIN unnest(%(variants)s::integer[], %(persons)s::integer[]) AS g(raw, person) "
            "ON g.raw = v) p "
            "WHERE r.seq <> %(seq)s "
            "ORDER BY s.n + p.n DESC, abs((r.date_start::bigint + r.date_end) / 2 - %(mid)s), "
            "r.seq LIMIT %(limit)s",
            {
                "subjects": sorted(subjects),
                "variants": variants,
                "persons": persons,
                "seq": seq,
                "mid": mid,
                "limit": int(limit),
            },
        )
        return [orjson.loads(r[0]) for r in rows]

    def stats(self) -> dict:
        n, _total, gen = self._stats_row()
        first = self._query("SELECT body FROM archive_records ORDER BY date_key, seq LIMIT 1")
        last = self._query(
            "SELECT body FROM archive_records ORDER BY date_key DESC, seq DESC LIMIT 1"
        )
        vocab = self._query("SELECT count(*) FROM archive_vocab")[0][0]
        return {
            "records": n,
            "path": _redacted(self.address),
            "date_min": orjson.loads(first[0][0])["date"] if first else None,
            "date_max": orjson.loads(last[0][0])["date"] if last else None,
            "collections": len(self.facet_values("collection")),
            "people": len(self.facet_values("people")),
            "subjects": len(self.facet_values("subjects")),
            "vocabulary": int(vocab),
            "generation": gen,
        }


def _redacted(address: str) -> str:
    from .connection import redact

    return redact(address)


def _query_words(parsed: ParsedQuery) -> list[str]:
    words = [
        n.text for n in positive_nodes(parsed.root) if isinstance(n, Term) and n.kind == "word"
    ]
    for node in positive_nodes(parsed.root):
        if isinstance(node, Phrase):
            words.extend(node.tokens)
    return words


__all__ = ["NO_ANNOTATIONS", "PgArchive"]
