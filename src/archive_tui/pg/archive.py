"""PgArchive: an archive in PostgreSQL with the local Archive's reading and writing calls.

Searches are compiled to SQL (:mod:`.compile`) and run in the database: matching,
scoring, ordering, paging, facet counts and the histogram's day counts. What stays in
Python is what must equal the local engine character for character and is small: reading
the query, matching a filter value as the user sees it against the stored values
(values.matching_values, the People resolver and alias files), and highlighting the page.
Those lookups are cached per database generation (every write makes a new one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import orjson

from ..administrations import match_admin
from ..annotation_search import ANNOTATION_FACETS, uses_annotations
from ..dates import DateError, parse_date
from ..facets import FACET_FIELDS, Facet
from ..people_facet import PeopleFacet, build_people_facet
from ..query import ParsedQuery, Phrase, Term, parse_query, positive_nodes
from ..search import QUERY_FIELD_NAMES, SORTS, Filters, _levenshtein
from ..values import close_values, matching_values, no_value_note
from .compile import FALSE, MAX_EXPANSIONS, Compiler, Context, confirm, date_sql, expand_like
from .connection import connect
from .records import ensure_schema, prepare, remove_records, write_records
from .result import PgSearchResult

_ORDER = {  # ties: earlier date, then archive order (search.SearchResult._prepare)
    "relevance": "score DESC, date_key, seq",
    "date": "date_key, seq",
    "-date": "date_key DESC, seq DESC",
    "title": "title_key, date_key, seq",
}
SEARCH_BUDGET_S = 10.0  # seconds a search may take on the server
NO_ANNOTATIONS = "Your tags, notes and lists are not available here: none matched."


class PgArchive:
    """One PostgreSQL archive (``postgresql://`` address); see the module docstring."""

    def __init__(self, address: str, conn: Any) -> None:
        self.address = address
        self.conn = conn
        self.lock = threading.RLock()  # one connection, searched from worker threads
        self._generation = -1
        self._cache: dict[str, Any] = {}
        self.notes: list[str] = []

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

    def _stats_row(self) -> tuple[int, float, int]:
        n, total, gen = self._query("SELECT records, total_dl, generation FROM archive_stats")[0]
        if gen != self._generation:
            self._cache = {}
            self._generation = gen
        return int(n), float(total), int(gen)

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

    def _facet_table(self) -> dict[str, Any]:
        """Every facet value held by some record: by field (sorted values, their ids,
        counts) and by id (field, value). Cached per generation."""
        table = self._cache.get("facets")
        if table is None:
            rows = self._query("SELECT id, field, value, df FROM archive_facet_values WHERE df > 0")
            fields: dict[str, list[tuple[str, int, int]]] = {f: [] for f in FACET_FIELDS}
            for vid, name, value, df in rows:
                fields.setdefault(name, []).append((value, vid, df))
            table = {"by_id": {vid: (name, value) for vid, name, value, _ in rows}}
            for name, entries in fields.items():
                entries.sort()
                table[name] = (
                    [v for v, _, _ in entries],
                    [i for _, i, _ in entries],
                    [d for _, _, d in entries],
                )
            self._cache["facets"] = table
        return table

    def facet_values(self, field: str) -> list[str]:
        """The field's values, sorted (the local facet's values; People: one a person)."""
        if field == "people":
            return self.people().facet.values
        return self._facet_table()[field][0]

    def field_value_ids(self, field: str) -> list[int]:
        return self._facet_table()[field][1]

    def people(self) -> PeopleFacet:
        """The People facet one value a person (people_facet.py), over the stored names."""
        if "people" not in self._cache:
            values, _ids, counts = self._facet_table()["people"]
            n = int(sum(counts))
            entry_value = np.repeat(np.arange(len(values), dtype=np.int32), counts)
            raw = Facet(values, np.arange(n, dtype=np.int32), entry_value)
            facet = build_people_facet(raw)
            self.notes = list(dict.fromkeys([*self.notes, *facet.notes]))
            self._cache["people"] = facet
        return self._cache["people"]

    def people_multi(self) -> tuple[list[int], list[int]]:
        """(raw name ids, their person's index) for the people named more than one way."""
        found = self._cache.get("people_multi")
        if found is None:
            people = self.people()
            ids = self.field_value_ids("people")
            canon = people.canonical_id.tolist()
            sizes = np.bincount(people.canonical_id, minlength=len(people.facet.values))
            keep = [i for i, c in enumerate(canon) if sizes[c] > 1]
            found = self._cache["people_multi"] = ([ids[i] for i in keep], [canon[i] for i in keep])
        return found

    def facet_counts(self, raw: dict[int, int], multi: dict[int, int]) -> dict[str, dict[str, int]]:
        """Counts per facet from counts per value id (and per person named several ways),
        most frequent first, then by value (search.facet_counts)."""
        table = self._facet_table()
        by_id = table["by_id"]
        found: dict[str, list[tuple[str, int]]] = {f: [] for f in FACET_FIELDS}
        people_raw: dict[int, int] = {}
        for vid, count in raw.items():
            name, value = by_id.get(vid, (None, None))
            if name == "people":
                people_raw[vid] = count
            elif name is not None:
                found[name].append((value, count))
        if people_raw or multi:
            people = self.people()
            index_of = {vid: i for i, vid in enumerate(self.field_value_ids("people"))}
            sums: dict[int, int] = {}
            for vid, count in people_raw.items():
                c = int(people.canonical_id[index_of[vid]])
                sums[c] = sums.get(c, 0) + count
            sums.update(multi)
            names = people.facet.values
            found["people"] = [(names[c], count) for c, count in sums.items() if count]
        return {f: dict(sorted(found[f], key=lambda vc: (-vc[1], vc[0]))) for f in FACET_FIELDS}

    def all_facet_counts(self) -> dict[str, dict[str, int]]:
        """Counts over every record (from the stored frequencies), cached per generation."""
        counts = self._cache.get("all_counts")
        if counts is None:
            table = self._facet_table()
            raw = {vid: df for f in FACET_FIELDS for vid, df in zip(*table[f][1:], strict=True)}
            mraw, mcanon = self.people_multi()
            multi = (
                dict(
                    self._query(
                        "SELECT g.canon, count(DISTINCT r.seq) FROM archive_records r, "
                        "unnest(r.fv) AS v JOIN unnest(%(r)s::integer[], %(c)s::integer[]) "
                        "AS g(raw, canon) ON g.raw = v WHERE r.fv && %(r)s::integer[] "
                        "GROUP BY g.canon",
                        {"r": mraw, "c": mcanon},
                    )
                )
                if mraw
                else {}
            )
            counts = self._cache["all_counts"] = self.facet_counts(raw, multi)
        return {name: dict(values) for name, values in counts.items()}

    def _raw_people(self, canonical_ids: Iterable[int]) -> list[int]:
        """Facet value ids of every name of these people."""
        people = self.people()
        wanted = set(canonical_ids)
        ids = self.field_value_ids("people")
        return [ids[i] for i, c in enumerate(people.canonical_id.tolist()) if c in wanted]

    def match_values(self, field: str, wanted: str, notes: list[str]) -> list[int]:
        """Ids of the stored values ``wanted`` stands for (facet_fields.value_ids); a note
        if none."""
        field = QUERY_FIELD_NAMES.get(field, field)
        values = self.facet_values(field)
        found: list[int] = []
        if field == "people":
            people = self.people()
            raw = matching_values(people.raw.values, wanted)
            if raw:
                found = self._raw_people(people.canonical_id[raw].tolist())
            else:
                found = self._raw_people(matching_values(values, wanted))
        else:
            ids = self.field_value_ids(field)
            names = set(match_admin(wanted)) if field == "admin" else set()
            if names:
                found = [ids[i] for i, v in enumerate(values) if v in names]
            else:
                found = [ids[i] for i in matching_values(values, wanted)]
        if not found:
            notes.append(no_value_note(field, wanted, close_values(values, wanted)))
        return found

    def person_words(self, words: list[str]) -> list[int]:
        people = self.people()
        raw = people.raw_ids_with_words(words)
        return self._raw_people(people.canonical_id[raw].tolist()) if raw else []

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
        parsed = query if isinstance(query, ParsedQuery) else parse_query(query)
        parsed = ParsedQuery(parsed.text, parsed.root, list(parsed.notes))
        if not isinstance(filters, Filters):
            filters = Filters.from_mapping(filters)
        if sort not in SORTS:
            if sort is not None:
                parsed.notes.append(f"Unknown sort {sort!r}: sorted by relevance or date.")
            sort = "relevance" if parsed.has_words else "date"
        if sort == "relevance" and not parsed.has_words:
            sort = "date"
        annot = None
        if annotations is not None:
            from .annotations import PgAnnotations

            annot = PgAnnotations(self, annotations)
        elif uses_annotations(parsed.root) or any(filters.facets.get(f) for f in ANNOTATION_FACETS):
            parsed.notes.append(NO_ANNOTATIONS)
        n, total_dl, _gen = self._stats_row()
        mean = total_dl / n if n else 0.0
        ctx = Context(
            n=n,
            avgdl=mean if n and mean > 0 else 1.0,
            df=self.dfs,
            expand=self.expand,
            facet_values=self.match_values,
            person_words=self.person_words,
            resolve_id=self.resolve_id,
            notes=parsed.notes,
            annotations=annot,
        )
        compiler = Compiler(ctx)
        with self.lock:
            if parsed.root is None:
                match, score = "true", None
            else:
                match, score = compiler.node(parsed.root)
            fsql = self._filter_sql(compiler, filters, parsed.notes, annot)
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
            )
            result.run(budget_s)
            if result.total == 0 and parsed.root is not None:
                result.suggestions = self.suggest(_query_words(parsed))
        result.elapsed_ms = (time.perf_counter() - t0) * 1000
        return result

    def _filter_sql(
        self, c: Compiler, filters: Filters, notes: list[str], annot: Any = None
    ) -> dict[str, str]:
        """One SQL condition per active filter (search.filter_masks), by field."""
        out: dict[str, str] = {}
        for name, values in filters.facets.items():
            name = QUERY_FIELD_NAMES.get(name, name)
            if name in ANNOTATION_FACETS:
                continue
            if name not in FACET_FIELDS or not values:
                continue
            found: list[str] = []
            for value in values:
                found += self.match_values(name, value, notes)
            cond = c.values_in(list(dict.fromkeys(found)))
            out[name] = cond if name not in out else f"({out[name]} OR {cond})"
        start = end = None
        for value, attr in ((filters.date_from, "start"), (filters.date_to, "end")):
            if not value:
                continue
            try:
                d = parse_date(value)
            except DateError as exc:
                notes.append(f"Date filter {value!r} ignored: {exc.reason}.")
                continue
            if attr == "start":
                start = d.start
            else:
                end = d.end
        if start is not None or end is not None:
            out["date"] = date_sql(c, start, end)
        out.update(self._annotation_filters(c, filters, notes, annot))
        return out

    def _annotation_filters(
        self, c: Compiler, filters: Filters, notes: list[str], annot: Any
    ) -> dict[str, str]:
        """The ``tags`` / ``lists`` filters (without a workspace: they match nothing)."""
        if annot is None:
            return {f: FALSE for f in ANNOTATION_FACETS if filters.facets.get(f)}
        masks = annot.search.filter_masks(filters.facets, notes)
        return {name: c.seq_in(annot.seqs(np.flatnonzero(mask)))[0] for name, mask in masks.items()}

    def suggest(self, words: list[str], limit: int = 5) -> list[str]:
        """Known words within edit distance 2 of unknown query words (search.suggest)."""
        known = self.dfs(words) if words else {}
        unknown = [w for w in dict.fromkeys(words) if w.isalpha() and w not in known]
        found: dict[str, int] = {}
        min_df = 2 if len(self) >= 50 else 1  # index.suggestion_arrays: suggestible words
        for word in unknown[:4]:
            if not 3 <= len(word) <= 40:
                continue
            rows = self._query(
                "SELECT term, df FROM archive_vocab WHERE char_length(term) BETWEEN %s AND %s "
                "AND df >= %s",
                (max(3, len(word) - 2), len(word) + 2, min_df),
            )
            for term, df in rows:
                if term.isalpha() and _levenshtein(word, term, 2) <= 2:
                    found[term] = max(found.get(term, 0), int(df))
        return sorted(found, key=lambda t: (-found[t], t))[:limit]

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
