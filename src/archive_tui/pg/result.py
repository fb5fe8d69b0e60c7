"""PgSearchResult: search.SearchResult's face over SQL (total, pages, facets, histogram).

The compiled query is kept (SQL text with named parameters), so any other page, all the
ids or the histogram are one more query each. Highlights are made in Python on the page
only, with the local highlighter (search.highlight_spans).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from ..facets import FACET_FIELDS
from ..search import Hit, highlight_spans
from ..timeline import Histogram, histogram
from .binary import ints_of
from .cancel import watching
from .chunk_statement import body_of
from .facet_counts import by_field, facet_arrays

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ..query import ParsedQuery
    from ..search import Filters
    from .archive import PgArchive


STOPPED = "Search stopped before it finished: results are incomplete."  # as deadline.py says
_PAGE = " OFFSET %(_off)s LIMIT %(_lim)s"
_BODY = body_of("q")  # a page row's record
# People: a record naming two variants of one person counts once for that person
_MULTI = (
    "UNION ALL SELECT 3, d.canon, count(*){extra} FROM (SELECT DISTINCT {src}.seq, g.canon "
    "FROM {src}, unnest({src}.fv) AS v JOIN unnest(%(_mraw)s::integer[], "
    "%(_mcanon)s::integer[]) AS g(raw, canon) ON g.raw = v) d GROUP BY d.canon"
)


class PgSearchResult:
    """One search over a PgArchive; see search.SearchResult for the attributes."""

    def __init__(
        self,
        archive: PgArchive,
        *,
        query: str,
        parsed: ParsedQuery,
        filters: Filters,
        sort: str,
        offset: int,
        limit: int,
        match: str,
        filters_sql: dict[str, str],
        score: str | None,
        norm: str,
        order: str,
        params: dict[str, Any],
        annotations: Any = None,
        joins: str = "",
    ) -> None:
        self._annot = annotations
        self._joins = joins  # the posting lists the match and score read (compile.Compiler)
        self._archive = archive
        self.query = query
        self.parsed = parsed
        self.filters = filters
        self.sort = sort
        self.offset = offset
        self.limit = limit
        self._match = match
        self._fsql = filters_sql
        self._score = score or "0::real"
        self._norm = norm
        self._order = order
        self._params = params
        self.total = 0
        self.hits: list[Hit] = []
        self.facets: dict[str, dict[str, int]] = {}
        self.suggestions: list[str] = []
        self.elapsed_ms = 0.0
        self.cut_short = False
        self._histogram: Histogram | None = None
        self.facet_path = ""  # "numpy" or "sql": how the facet counts were made (a debug stat)
        self._budget: dict[str, str] = {}  # statement_timeout while run() runs
        self.driver = ""  # "postings" or "scan": which records were read (driver.py)
        self.stopped = False  # should_stop() asked for it: the statement was cancelled
        self.plain_filters: dict[str, Any] | None = None  # filters only: value ids, dates
        self.filter_path = ""  # "arrays" or "sql": how a filters-only search was counted
        self._done = False  # _run() finished
        self.chunk_plan: Any = None  # chunk_search.ChunkPlan: a query of plain words
        # conditions the filters imply (a date_key range: filters.date_key_bounds), added
        # where the records are read in order for a page, so the date index is walked
        # from the filters' first day
        self.bounds: list[str] = []
        # the facet arrays and the matching records (by row) they counted: the histogram
        # is made from their dates, not by another statement over every match
        self._chosen: tuple[Any, np.ndarray] | None = None
        self.histogram_path = ""  # "arrays" or "sql" (a debug stat)
        # a prefix with common words, or an OR of words, by relevance: True when the page
        # was made from the records holding a rarer word alone (chunk_statement._maxscore;
        # a debug stat)
        self.pruned: bool | None = None
        self.generation = -1  # the database generation the search's statement saw

    # -- SQL pieces

    def _where(self, skip: str | None = None) -> str:
        parts = [self._match, *(sql for k, sql in self._fsql.items() if k != skip)]
        return " AND ".join(parts)

    def _ranked(self, columns: str, tail: str = "") -> str:
        where = " AND ".join([self._where(), *self.bounds])
        return (
            f"SELECT {columns} FROM archive_records r {self._joins} "
            f"CROSS JOIN LATERAL (SELECT {self._norm} AS v) nrm "
            f"WHERE {where} ORDER BY {self._order}{tail}"
        )

    def _rows(
        self, sql: str, extra: dict[str, Any] | None = None, *, chunks: bool = False
    ) -> list[tuple]:
        params = dict(self._params)
        if extra:
            params.update(extra)
        archive = self._archive
        # the planner guesses 10 docs a posting list (unnest): it would probe the records
        # once per doc of a common word; hash joins read each list and the records once.
        # The cost that steers it away from nested loops would also start JIT compiling
        # (~0.5 s a statement): no JIT. Room for the matches in memory (not temp files).
        # (a chunk statement's rows are each a chunk's: no such guess to steer away from,
        # but a walk of the sort's index must not turn into a sort: chunk_search.py)
        walk = chunks and self.chunk_plan.walk
        settings = {
            "enable_nestloop": "off" if self._joins and not chunks else "on",
            **({"enable_sort": "off"} if walk else {}),
            "jit": "off",
            "work_mem": "64MB",
            **self._budget,
        }
        return archive._read(settings, sql, params)

    # -- running

    def run(self, budget_s: float | None = None, should_stop: Any = None) -> None:
        """Total, the first page and the facets, within ``budget_s`` seconds a statement
        (None: no limit), cancelled on the server once ``should_stop()`` is true
        (cancel.py). A search stopped either way finds nothing, and says so in the notes
        (``cut_short``; ``stopped`` when should_stop asked): a reader never waits without
        end, nor for a search nobody wants any more."""
        import psycopg

        if budget_s is not None:
            self._budget = {"statement_timeout": str(max(1, int(budget_s * 1000)))}
        watch = None
        try:
            with watching(self._archive.conn, should_stop) as watch:
                if should_stop is not None and should_stop():
                    watch.stopped = True
                else:
                    self._run()
        except psycopg.errors.QueryCanceled:
            if watch is None or not (watch.stopped or budget_s is not None):
                raise  # cancelled by someone else: not ours to hide
        finally:
            self._budget = {}
        if watch is not None and watch.stopped:
            self.stopped = True
            self._nothing(STOPPED)
        elif budget_s is not None and watch is not None and not self._done:
            self._nothing(
                f"Search stopped after {budget_s:.1f} s (its time limit): nothing is shown; "
                "make the query more specific."
            )

    def _nothing(self, note: str) -> None:
        """A search that did not finish: no results, and the note that says why."""
        self.total = 0
        self.hits = []
        self.facets = {name: {} for name in FACET_FIELDS}
        self.cut_short = True
        self.parsed.notes.append(note)
        self._histogram = histogram(np.zeros(0, np.int64), np.zeros(0, np.int64))

    def _run(self) -> None:
        """Total, the first page and the facet counts: one statement, the query evaluated
        once (a materialized CTE) when it selects anything less than everything; the
        matching seqs come back as one binary array (facet_counts.py counts them)."""
        archive = self._archive
        everything = self._match == "true" and not self._fsql
        extra = {"_off": self.offset, "_lim": self.limit}
        if everything:  # the page with its bodies, the count and the generation: one read
            page = self._ranked(f"r.seq, {self._score} AS score", _PAGE)
            rows = self._rows(
                f"SELECT 0, q.seq, q.score::float8, row_number() OVER (), {_BODY} FROM ({page}) q "
                "UNION ALL SELECT 1, records, 0, generation, NULL FROM archive_stats",
                extra,
            )
            self.total, self.generation = next((int(a), int(g)) for k, a, _, g, _ in rows if k)
            archive._saw_generation(self.generation)
            self.hits = self._page_hits([row[1:] for row in rows if not row[0]])
            self.facets = self._all_counts()
        elif self.chunk_plan is not None:
            self._chunk_matches(extra)
        elif self.plain_filters is None or not self._from_arrays(extra):
            self._matches(extra)
        if self._annot is not None:
            self._annotation_facets()
        self._done = True

    def _from_arrays(self, extra: dict[str, Any]) -> bool:
        """Filters only (no query words): the page in SQL (the date or GIN index), the
        total and every count from the facet arrays (facet_counts.FacetArrays.filter_rows)
        of the generation the page saw. False (logged; ``filter_path``) if the database
        moved on meanwhile: the caller counts in SQL."""
        page = self._ranked("r.seq, 0::real AS score", _PAGE)
        rows = self._rows(
            f"SELECT 0, q.seq, 0::float8, row_number() OVER (), {_BODY} FROM ({page}) q "
            "UNION ALL SELECT 1, generation, 0, 0, NULL FROM archive_stats",
            extra,
        )
        generation = self.generation = next(int(row[1]) for row in rows if row[0] == 1)
        arrays = self._arrays(generation)
        if arrays is None:
            self.filter_path = "sql"
            log.info("filters counted in SQL: the database changed during the search")
            return False
        self.hits = self._page_hits([row[1:] for row in rows if row[0] == 0])
        self._count_filtered(arrays, None)
        return True

    def _count_filtered(self, arrays: Any, matched: np.ndarray | None) -> None:
        """The total and the facet counts of the records (by row) ``matched`` (None:
        every record) that the filters keep, from the facet arrays; each filtered facet
        counted without its own filter (choosing a value does not hide the others)."""
        archive = self._archive
        plain = self.plain_filters or {}
        masks = arrays.filter_rows(plain["values"], plain["dates"])
        every = np.ones(len(arrays.seqs), bool) if matched is None else matched
        multi = archive.people_multi()
        chosen = np.logical_and.reduce([every, *masks.values()])
        self.total = int(np.count_nonzero(chosen))
        self._chosen = (arrays, chosen)
        self.facets = by_field(archive, *arrays.counts_rows(chosen, *multi))
        for name in masks.keys() & set(FACET_FIELDS):
            others = [m for k, m in masks.items() if k != name]
            if matched is None and not others:  # every record: the archive's own counts
                if "all_counts" not in archive._cache:
                    self._all_counts()
                if "all_counts" in archive._cache:
                    self.facets[name] = dict(archive._cache["all_counts"][name])
                    continue
            keep = np.logical_and.reduce([every, *others])
            if name == "people":  # (a person's names counted once a record)
                found = arrays.counts_rows(keep, *multi)
            else:
                ids = archive._facet_table()[name][1]
                found = (arrays.field_counts(name, ids, keep), {})
            self.facets[name] = by_field(archive, *found, name)[name]
        self.filter_path = self.facet_path = "arrays"

    def _matches(self, extra: dict[str, Any]) -> None:
        """The query evaluated once (a materialized CTE): the page by a top-N sort, the
        total, the matching seqs as one binary array (facet_counts.py counts them), and,
        for each facet field with a filter, the seqs matching without that filter (its
        own counts: choosing a value does not hide the others), all in one statement."""
        archive = self._archive
        multi_raw, multi_canon = archive.people_multi()
        # only what the order reads goes into the matches (the title is long)
        keys = "r.date_key, r.title_key" if "title_key" in self._order else "r.date_key"
        own = [k for k in self._fsql if k in FACET_FIELDS]  # each also counted without
        rest = [self._match, *(sql for k, sql in self._fsql.items() if k not in own)]
        flags = "".join(f", ({self._fsql[k]}) AS f{i}" for i, k in enumerate(own))
        every = " AND ".join(f"a.f{i}" for i in range(len(own))) or "true"
        sql = (
            f"WITH a AS MATERIALIZED (SELECT r.seq, {keys}, {self._score} AS score{flags} "
            f"FROM archive_records r {self._joins} "
            f"CROSS JOIN LATERAL (SELECT {self._norm} AS v) nrm WHERE {' AND '.join(rest)}), "
            f"m AS (SELECT * FROM a WHERE {every}) "
            # the page, numbered in the order it comes out of the sort, with the bodies
            "SELECT 0, p.seq, p.score::float8, p.rank, "
            f"{body_of('p')}, NULL::bytea FROM "
            "(SELECT seq, score, row_number() OVER () AS rank FROM "
            f"(SELECT seq, score FROM m ORDER BY {self._order}{_PAGE}) o) p "
            "UNION ALL SELECT 1, count(*), 0, 0, NULL, array_send(array_agg(seq)) FROM m "
            "UNION ALL SELECT 4, generation, 0, 0, NULL, NULL FROM archive_stats"
        )
        for i in range(len(own)):
            others = " AND ".join(f"a.f{j}" for j in range(len(own)) if j != i) or "true"
            sql += (
                f" UNION ALL SELECT {10 + i}, count(*), 0, 0, NULL, "
                f"array_send(array_agg(seq)) FROM a WHERE {others}"
            )
        page: list[tuple[int, float, int, str]] = []
        seqs = np.zeros(0, np.int64)
        own_seqs: dict[str, np.ndarray] = {}
        generation = -1
        for kind, a, b, rank, body, sent in self._rows(sql, extra):
            if kind == 0:
                page.append((int(a), float(b), int(rank), body))
            elif kind == 1:
                self.total, seqs = int(a), ints_of(sent)
            elif kind == 4:
                generation = self.generation = int(a)
            else:
                own_seqs[own[kind - 10]] = ints_of(sent)
        self.hits = self._page_hits(page)
        self.facets = self._facet_counts(generation, seqs, multi_raw, multi_canon, self._where())
        for name, found in own_seqs.items():
            counts = self._facet_counts(
                generation, found, multi_raw, multi_canon, self._where(skip=name), main=False
            )
            self.facets[name] = counts.get(name, {})

    def _chunk_matches(self, extra: dict[str, Any]) -> None:
        """A query of plain words, chunk by chunk (chunk_search.py): the page, the total
        and the matching docs (facet_counts.py counts them) in one statement."""
        from .chunk_statement import statement

        archive = self._archive
        multi_raw, multi_canon = archive.people_multi()
        sql = statement(self.chunk_plan, self._order, sets=True)
        page: list[tuple[int, float, int, str]] = []
        docs: list[np.ndarray] = []
        generation = -1
        for kind, a, b, rank, body, sent in self._rows(sql, extra, chunks=True):
            if kind == 0:
                page.append((int(a), float(b), int(rank), body))
            elif kind == 1:
                self.total = int(a)
            elif kind == 2:
                docs.append(ints_of(sent))
            elif kind == 3:
                self.pruned = bool(a)
            else:
                generation = self.generation = int(a)
        matched = np.concatenate(docs) if docs else np.zeros(0, np.int64)
        if self.plain_filters is not None and not self._filtered_docs(generation, matched):
            self.filter_path = "sql"
            log.info("filters counted in SQL: the database changed during the search")
            self.chunk_plan = None  # the general statement, later pages too
            self._matches(extra)
            return
        self.driver = "chunks"
        self.hits = self._page_hits(page)
        if self.plain_filters is None:
            self.facets = self._facet_counts(
                generation, matched, multi_raw, multi_canon, self._where(), by_doc=True
            )

    def _arrays(self, generation: int) -> Any:
        """The facet arrays of ``generation`` (the value tables read for it too), or None
        when the database has already moved past it (the caller counts in SQL)."""
        archive = self._archive
        if generation != archive._generation:
            archive._stats_row()
        arrays = facet_arrays(archive, generation)
        return arrays if arrays is not None and generation == archive._generation else None

    def _page_hits(self, page: list[tuple[int, float, int, str]]) -> list[Hit]:
        """The hits of page rows (seq, score, rank, body), in rank order."""
        page.sort(key=lambda row: row[2])
        bodies = {seq: orjson.loads(body) for seq, _, _, body in page}
        return self._hits([(seq, score) for seq, score, _, _ in page], bodies)

    def _filtered_docs(self, generation: int, matched: np.ndarray) -> bool:
        """The total and counts of the matching ``docs`` the filters keep, from the facet
        arrays of ``generation``; False if the database has moved past it."""
        arrays = self._arrays(generation)
        rows = None if arrays is None else arrays.rows_of_docs(matched)
        if rows is None:
            return False
        self._count_filtered(arrays, rows)
        return True

    def _facet_counts(
        self,
        generation: int,
        seqs: np.ndarray | str,
        multi_raw: list[int],
        multi_canon: list[int],
        where: str,
        *,
        by_doc: bool = False,
        main: bool = True,
    ) -> dict[str, dict[str, int]]:
        """The matching records' facet counts: numpy over the generation's value ids
        (facet_counts.py), or in SQL when the database has moved on (``facet_path``).
        ``by_doc``: ``seqs`` are the matches' docs (record versions), not their seqs;
        ``main``: they are the search's matches (not a facet's own, without its filter)."""
        archive = self._archive
        arrays = self._arrays(generation)
        found = None
        if arrays is not None:
            if isinstance(seqs, str):  # a comma list
                seqs = np.array(seqs.split(","), np.int64) if seqs else np.zeros(0, np.int64)
            chosen = arrays.rows_of_docs(seqs) if by_doc else arrays.rows_of_seqs(seqs)
            if chosen is not None:
                found = arrays.counts_rows(chosen, multi_raw, multi_canon)
                if main:
                    self._chosen = (arrays, chosen)
        if found is not None:
            self.facet_path = "numpy"
            return by_field(archive, *found)
        self.facet_path = "sql"
        log.info("facet counts made in SQL: the database changed during the search")
        sql = (
            f"WITH m AS MATERIALIZED (SELECT r.seq, r.fv FROM archive_records r {self._joins} "
            f"WHERE {where}) "
            "SELECT 2, v, count(*) FROM m, unnest(m.fv) AS v GROUP BY v "
            + _MULTI.format(src="m", extra="")
        )
        raw: dict[int, int] = {}
        multi: dict[int, int] = {}
        for kind, a, b in self._rows(sql, {"_mraw": multi_raw, "_mcanon": multi_canon}):
            (raw if kind == 2 else multi)[int(a)] = int(b)
        return archive.facet_counts(raw, multi)

    def _all_counts(self) -> dict[str, dict[str, int]]:
        """Every record's facet counts: numpy over the generation's arrays (cached per
        generation), or in SQL when the database has moved on (``facet_path``)."""
        archive = self._archive
        counts = archive._cache.get("all_counts")
        if counts is None:
            arrays = facet_arrays(archive, archive._generation)
            if arrays is None:
                self.facet_path = "sql"
                log.info("facet counts made in SQL: the database changed during the search")
                return archive.all_facet_counts()
            counts = archive._cache["all_counts"] = by_field(
                archive, *arrays.counts(arrays.seqs, *archive.people_multi())
            )
        self.facet_path = "numpy"
        return {name: dict(values) for name, values in counts.items()}

    def page(self, offset: int, limit: int) -> list[Hit]:
        """Hits ``offset`` .. ``offset + limit`` in order (one query)."""
        offset, limit = max(0, int(offset)), max(0, int(limit))
        if limit == 0 or offset >= self.total:
            return []
        if self.chunk_plan is not None:
            from .chunk_statement import statement

            sql = statement(self.chunk_plan, self._order, sets=False)
            found = self._rows(sql, {"_off": offset, "_lim": limit}, chunks=True)
            return self._page_hits([(r[1], float(r[2]), int(r[3]), r[4]) for r in found])
        rows = self._rows(
            self._ranked(f"r.seq, {self._score} AS score", _PAGE),
            {"_off": offset, "_lim": limit},
        )
        return self._hits(rows)

    def ids(self) -> list[str]:
        """Every matching id, in result order."""
        return [r[0] for r in self._rows(self._ranked(f"r.id, {self._score} AS score"))]

    def histogram(self) -> Histogram:
        """timeline.histogram of the results: from the dates of the records the facets
        counted (the facet arrays), else from day counts made in SQL."""
        if self._histogram is None and self._match == "true" and not self._fsql:
            arrays = facet_arrays(self._archive, self._archive._generation)
            if arrays is not None:  # every record
                self._chosen = (arrays, np.ones(len(arrays.seqs), bool))
        if self._histogram is None and self._chosen is not None:
            arrays, chosen = self._chosen
            starts = arrays.dates[chosen, 0].astype(np.int64)
            self._histogram = histogram(starts, starts)
            self.histogram_path = "arrays"
        if self._histogram is None:
            self.histogram_path = "sql"
            self._histogram = self.histogram_sql()
        return self._histogram

    def histogram_sql(self) -> Histogram:
        """The histogram from day counts made in SQL over every match (the slow way)."""
        rows = self._rows(
            f"SELECT r.date_start, count(*) FROM archive_records r {self._joins} "
            f"WHERE {self._where()} GROUP BY r.date_start"
        )
        days = np.array([d for d, _ in rows], np.int64)
        counts = np.array([c for _, c in rows], np.int64)
        starts = np.repeat(days, counts) if len(rows) else np.zeros(0, np.int64)
        return histogram(starts, starts)

    def _hits(self, rows: list[tuple], bodies: dict[int, dict] | None = None) -> list[Hit]:
        if bodies is None:
            bodies = self._archive.by_seq([seq for seq, _ in rows])
        hits = []
        for seq, score in rows:
            record = bodies[seq]
            highlights: dict[str, list[tuple[int, int]]] = {"title": [], "summary": []}
            if self.parsed.has_words:
                for name in ("title", "summary"):
                    value = record.get(name)
                    highlights[name] = (
                        highlight_spans(value, self.parsed, field=name)
                        if isinstance(value, str)
                        else []
                    )
            hits.append(Hit(record, float(np.float32(score or 0.0)), highlights))
        return hits

    def _annotation_facets(self) -> None:
        """``tags`` and ``lists`` counts (search._annotation_facets): the matching records
        are fetched and counted against the workspace's id sets."""
        annot = self._annot
        ann = annot.search.ann
        if not ann.tag_keys() and not ann.list_keys():
            self.facets.update({"tags": {}, "lists": {}})
            return
        everything = self._match == "true" and not self._fsql

        def mask(where: str) -> Any:
            rows = self._rows(f"SELECT r.seq FROM archive_records r {self._joins} WHERE {where}")
            return annot.mask_of_seqs([r[0] for r in rows])

        self.facets.update(annot.search.facet_counts(None if everything else mask(self._where())))
        for name in self._fsql.keys() & {"tags", "lists"}:
            self.facets[name] = annot.search.facet_counts(mask(self._where(skip=name)))[name]
