"""PgSearchResult: search.SearchResult's face over SQL (total, pages, facets, histogram).

The compiled query is kept (SQL text with named parameters), so any other page, all the
ids or the histogram are one more query each. Highlights are made in Python on the page
only, with the local highlighter (search.highlight_spans).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..facets import FACET_FIELDS
from ..search import Hit, highlight_spans
from ..timeline import Histogram, histogram

if TYPE_CHECKING:
    from ..query import ParsedQuery
    from ..search import Filters
    from .archive import PgArchive


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
    ) -> None:
        self._annot = annotations
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

    # -- SQL pieces

    def _where(self, skip: str | None = None) -> str:
        parts = [self._match, *(sql for k, sql in self._fsql.items() if k != skip)]
        return " AND ".join(parts)

    def _ranked(self, columns: str, tail: str = "") -> str:
        return (
            f"SELECT {columns} FROM archive_records r "
            f"CROSS JOIN LATERAL (SELECT {self._norm} AS v) nrm "
            f"WHERE {self._where()} ORDER BY {self._order}{tail}"
        )

    def _rows(self, sql: str, extra: dict[str, Any] | None = None) -> list[tuple]:
        params = dict(self._params)
        if extra:
            params.update(extra)
        return self._archive._query(sql, params)

    # -- running

    def run(self) -> None:
        """Total, the first page and the facet counts."""
        rows = self._rows(
            self._ranked(
                f"r.seq, {self._score} AS score, count(*) OVER () AS total",
                " OFFSET %(_off)s LIMIT %(_lim)s",
            ),
            {"_off": self.offset, "_lim": self.limit},
        )
        if rows:
            self.total = int(rows[0][2])
        else:
            self.total = int(
                self._rows(f"SELECT count(*) FROM archive_records r WHERE {self._where()}")[0][0]
            )
        self.hits = self._hits([(seq, score) for seq, score, _ in rows])
        self.facets = self._facet_counts()
        if self._annot is not None:
            self._annotation_facets()

    def page(self, offset: int, limit: int) -> list[Hit]:
        """Hits ``offset`` .. ``offset + limit`` in order (one query)."""
        offset, limit = max(0, int(offset)), max(0, int(limit))
        if limit == 0 or offset >= self.total:
            return []
        rows = self._rows(
            self._ranked(f"r.seq, {self._score} AS score", " OFFSET %(_off)s LIMIT %(_lim)s"),
            {"_off": offset, "_lim": limit},
        )
        return self._hits(rows)

    def ids(self) -> list[str]:
        """Every matching id, in result order."""
        return [r[0] for r in self._rows(self._ranked(f"r.id, {self._score} AS score"))]

    def histogram(self) -> Histogram:
        """timeline.histogram of the results, from day counts made in SQL."""
        if self._histogram is None:
            rows = self._rows(
                f"SELECT r.date_start, count(*) FROM archive_records r "
                f"WHERE {self._where()} GROUP BY r.date_start"
            )
            days = np.array([d for d, _ in rows], np.int64)
            counts = np.array([c for _, c in rows], np.int64)
            starts = np.repeat(days, counts) if len(rows) else np.zeros(0, np.int64)
            self._histogram = histogram(starts, starts)
        return self._histogram

    def _hits(self, rows: list[tuple]) -> list[Hit]:
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

    # -- facets

    def _facet_counts(self) -> dict[str, dict[str, int]]:
        """Counts per facet under the query and filters; a field's own filter is left out
        of its own counts (search.execute)."""
        out = self._count(self._where(), FACET_FIELDS)
        for name in self._fsql.keys() & set(FACET_FIELDS):
            out[name] = self._count(self._where(skip=name), (name,))[name]
        return out

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
            rows = self._rows(f"SELECT r.seq FROM archive_records r WHERE {where}")
            return annot.mask_of_seqs([r[0] for r in rows])

        self.facets.update(annot.search.facet_counts(None if everything else mask(self._where())))
        for name in self._fsql.keys() & {"tags", "lists"}:
            self.facets[name] = annot.search.facet_counts(mask(self._where(skip=name)))[name]

    def _count(self, where: str, fields: tuple[str, ...] | Any) -> dict[str, dict[str, int]]:
        archive = self._archive
        if "people" in fields:
            archive.people()  # the name -> person table the People counts join
        cols = ", ".join(f"r.{f}" for f in fields)
        parts = []
        for i, f in enumerate(fields):
            if f == "people":
                parts.append(
                    f"SELECT {i}, p.canon, count(DISTINCT m.seq) FROM m, unnest(m.people) AS v "
                    "JOIN atui_people p ON p.raw = v GROUP BY p.canon"
                )
            else:
                parts.append(f"SELECT {i}, v, count(*) FROM m, unnest(m.{f}) AS v GROUP BY v")
        sql = (
            f"WITH m AS MATERIALIZED (SELECT r.seq, {cols} FROM archive_records r "
            f"WHERE {where}) " + " UNION ALL ".join(parts)
        )
        found: dict[str, list[tuple[str, int]]] = {f: [] for f in fields}
        for i, value, count in self._rows(sql):
            found[fields[i]].append((value, int(count)))
        return {f: dict(sorted(found[f], key=lambda vc: (-vc[1], vc[0]))) for f in fields}
