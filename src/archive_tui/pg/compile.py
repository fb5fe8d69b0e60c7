"""Our query tree (query.py) compiled to SQL over ``archive_records``, bound parameters only.

Each node becomes a boolean SQL expression (does the record match?) and, for words, a
score expression: the local engine's BM25F (index/__init__.py) computed the same way, in
single precision where it uses single precision, from the weighted term frequencies the
import stored, the live document frequencies (``archive_vocab``) and the live totals
(``archive_stats``). Scores add up through AND and OR exactly as search._Evaluator adds
them, so the order of results is the local one (ties: date, then archive order).

Values never enter the SQL text: every word, pattern, date and facet value is a named
parameter (``%(p7)s``); only column names from fixed lists and integers we made are
written into the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..index import FIELD_BIT, K1, B, _idf
from ..query import (
    And,
    AnnotationMatch,
    DateRange,
    FacetValue,
    IdMatch,
    Node,
    Not,
    Or,
    Phrase,
    Term,
)
from ..wildcard import collapse, glob_match, literal_prefix
from . import phrase as phrase_sql
from .rows import FIELD_BITS

MAX_EXPANSIONS = 300  # search.MAX_EXPANSIONS
K1_PLUS_1 = float(np.float32(K1 + 1))
FALSE = "false"
_TOP = "\U0010ffff"


@dataclass
class Context:
    """What compiling needs from the database, looked up by :class:`~.archive.PgArchive`."""

    n: int
    avgdl: float
    df: Any  # callable: list of terms -> {term: (vocabulary id, df)}
    expand: Any  # callable: (kind, pattern, notes) -> list of terms
    facet_values: Any  # callable: (field, wanted, notes) -> facet value ids (may be empty)
    person_words: Any  # callable: list of words -> facet value ids of those people's names
    resolve_id: Any  # callable: (value) -> stored id or None
    notes: list[str] = field(default_factory=list)
    annotations: Any = None  # pg.annotations.PgAnnotations, or None (no workspace)
    # callable: vocabulary ids -> do any have postings without positions (phrase.py);
    # None: assume so (the slower phrase check, correct either way)
    phrase_legacy: Any = None


class Compiler:
    """Turns nodes into SQL fragments, collecting their parameters."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.params: dict[str, Any] = {}
        self._idf_cache: dict[str, float] = {}
        self.joins: list[str] = []  # LEFT JOINs of posting lists (alias t0, t1, ...)
        self._aliases: dict[Any, str] = {}
        self.df_of: dict[int, int] = {}  # vocabulary id -> document frequency (driver.py)

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"%({name})s"

    # -------------------------------------------------------------- scoring pieces

    def norm_sql(self, dl: str = "r.dl") -> str:
        """Per record: float32(K1 * (1 - B + B * dl / avgdl)), as index._norm."""
        avg = self.param(float(self.ctx.avgdl))
        scaled = f"({B!r}::float8 * {dl}) / {avg}::float8"
        return f"({K1!r}::float8 * ((1 - {B!r}::float8) + {scaled}))::real"

    def idf(self, terms: list[str]) -> dict[str, tuple[int, float] | None]:
        """term -> (vocabulary id, idf), None for a word no record holds."""
        missing = [t for t in terms if t not in self._idf_cache]
        if missing:
            found = self.ctx.df(missing)  # term -> (id, df)
            for t in missing:
                tid, df = found.get(t, (0, 0))
                if df:
                    self.df_of[tid] = df
                self._idf_cache[t] = (
                    (tid, float(_idf(np.array([df], np.int64), self.ctx.n)[0])) if df else None
                )
        return {t: self._idf_cache[t] for t in terms}

    def postings(self, tid: int) -> str:
        """The alias of term ``tid``'s posting list joined to the record (``.doc``, ``.wb``;
        NULL where the record does not hold it)."""
        key = ("one", tid)
        if key not in self._aliases:
            alias = f"t{len(self._aliases)}"
            self._aliases[key] = alias
            # the lists unnested in the select list (in step), not by a LATERAL join: the
            # planner (told no nested loops) would otherwise loop over a list's rows
            # around the whole join (the records read once a row: 36 s at 1M)
            self.joins.append(
                "LEFT JOIN (SELECT unnest(p.docs) AS doc, unnest(p.wbs) AS wb "
                f"FROM archive_postings p WHERE p.term = {self.param(tid)}) "
                f"{alias} ON {alias}.doc = r.doc"
            )
        return self._aliases[key]

    def _has(self, alias: str, fieldname: str | None) -> str:
        """Does the record hold the term joined as ``alias`` (in ``fieldname`` if given)?
        Never NULL (a NOT above it must see false)."""
        has = f"({alias}.doc IS NOT NULL)"
        if fieldname is None:
            return has
        bit = 1 << FIELD_BIT[fieldname]
        return f"({has} AND ({alias}.wb & {bit}) <> 0)"

    def _impact(self, alias: str, idf: float, fieldname: str | None) -> str:
        """The BM25F impact of one term in the record (0 where absent or in another field):
        idf * wtf * (K1 + 1) / (norm + wtf) in single precision, as index._impact_values."""
        value = impact_sql(f"{self.param(idf)}::real", weighted_tf(f"{alias}.wb"), "nrm.v")
        return f"(CASE WHEN {self._has(alias, fieldname)} THEN {value} ELSE 0::real END)"

    # -------------------------------------------------------------- nodes

    def node(self, node: Node) -> tuple[str, str | None]:
        """(match SQL, score SQL or None) of ``node``."""
        if isinstance(node, Term | Phrase) and node.field == "people":
            match, score = self.term(node) if isinstance(node, Term) else self.phrase(node)
            names = self.person_names(node)
            if names:
                match = f"({match} OR r.fv && {self.param(names)}::integer[])"
            return match, score
        if isinstance(node, Term) and node.field is None and self.ctx.annotations is not None:
            return self.with_notes(node, *self.term(node))
        if isinstance(node, Term):
            return self.term(node)
        if isinstance(node, Phrase):
            return self.phrase(node)
        if isinstance(node, FacetValue):
            values = self.ctx.facet_values(node.field, node.value, self.ctx.notes)
            return self.values_in(values), None
        if isinstance(node, DateRange):
            return date_sql(self, node.start, node.end), None
        if isinstance(node, IdMatch):
            if node.prefix:
                return f"starts_with(r.id, {self.param(node.value)})", None
            found = self.ctx.resolve_id(node.value)
            return (FALSE if found is None else f"(r.id = {self.param(found)})"), None
        if isinstance(node, AnnotationMatch):
            if self.ctx.annotations is None:
                return FALSE, None  # no workspace here: the caller notes it
            return self.seq_in(self.ctx.annotations.seqs(self.ctx.annotations.search.docs(node)))
        if isinstance(node, Not):
            match, _ = self.node(node.child)
            return f"(NOT {match})", None
        if isinstance(node, And | Or):
            parts = [self.node(child) for child in node.children]
            joiner = " AND " if isinstance(node, And) else " OR "
            match = "(" + joiner.join(m for m, _ in parts) + ")"
            scores = [s for _, s in parts if s is not None]
            score = "(" + " + ".join(scores) + ")" if scores else None
            return match, score
        return FALSE, None  # pragma: no cover

    def values_in(self, value_ids: list[int]) -> str:
        """Records holding one of these facet values (archive_facet_values ids)."""
        return f"(r.fv && {self.param(value_ids)}::integer[])" if value_ids else FALSE

    def seq_in(self, seqs: list[int]) -> tuple[str, None]:
        """Records by ``seq`` (what the annotations selected)."""
        return (f"(r.seq = ANY({self.param(seqs)}::bigint[]))" if seqs else FALSE), None

    def with_notes(self, node: Term, match: str, score: str) -> tuple[str, str]:
        """A bare word also finds the records whose note holds it, scored as locally
        (annotation_search.add_note_matches)."""
        seqs, add = self.ctx.annotations.note_matches(node)
        if not seqs:
            return match, score
        inside = f"r.seq = ANY({self.param(seqs)}::bigint[])"
        extra = f"(CASE WHEN {inside} THEN {self.param(add)}::real ELSE 0::real END)"
        return f"({match} OR {inside})", f"({score} + {extra})"

    def term(self, node: Term) -> tuple[str, str]:
        if node.kind == "word":
            terms = [node.text]
        else:
            terms = self.ctx.expand(node.kind, node.text, self.ctx.notes)
        found = self.idf(terms)
        known = [found[t] for t in terms if found[t] is not None]
        if not known:
            return FALSE, "0::real"
        if len(known) == 1:
            tid, idf = known[0]
            alias = self.postings(tid)
            return self._has(alias, node.field), self._impact(alias, idf, node.field)
        # the expansion's posting lists (read by term), per record the sum of the impacts of
        # the terms it holds, its norm from its weighted length (a join, not a subquery a row)
        alias = f"t{len(self._aliases)}"
        self._aliases[("many", alias)] = alias
        tp = self.param([tid for tid, _ in known])
        ip = self.param([idf for _, idf in known])
        where = "true"
        if node.field is not None:
            where = f"(u.wb & {1 << FIELD_BIT[node.field]}) <> 0"
        imp = impact_sql("e.idf", weighted_tf("u.wb"), self.norm_sql("d.dl"))
        self.joins.append(
            f"LEFT JOIN (SELECT u.doc, sum({imp}::float8)::real AS score "
            "FROM (SELECT p.term, unnest(p.docs) AS doc, unnest(p.wbs) AS wb "
            f"FROM archive_postings p WHERE p.term = ANY({tp}::integer[])) u "
            f"JOIN unnest({tp}::integer[], {ip}::real[]) AS e(t, idf) ON e.t = u.term "
            f"JOIN archive_records d ON d.doc = u.doc WHERE {where} GROUP BY u.doc) {alias} "
            f"ON {alias}.doc = r.doc"
        )
        match = f"({alias}.doc IS NOT NULL)"
        return match, f"coalesce({alias}.score, 0::real)"

    def phrase(self, node: Phrase) -> tuple[str, str]:
        """Records holding the words in a row, by their positions (pg/phrase.py)."""
        tokens = list(node.tokens)
        found = self.idf(tokens)
        if any(found[t] is None for t in tokens):
            return FALSE, "0::real"
        tids = [found[t][0] for t in tokens]  # type: ignore[index]
        idfs = [found[t][1] for t in tokens]  # type: ignore[index]
        rarity = [-idf for idf in idfs]  # a higher idf: a rarer word
        alias = f"t{len(self._aliases)}"
        self._aliases[("phrase", alias)] = alias
        legacy = self.ctx.phrase_legacy is None or self.ctx.phrase_legacy(tids)
        phrase_sql.note_path(legacy)
        if not legacy:
            sub, cols = phrase_sql.scored_sql(self.param, tids, rarity, node.field)
            self.joins.append(f"LEFT JOIN {sub} {alias} ON {alias}.doc = r.doc")
            match = f"({alias}.doc IS NOT NULL)"
            parts = [
                self.wb_impact(f"{alias}.wb{k}", idf, node.field)
                for k, idf in zip(cols, idfs, strict=True)
            ]
        else:  # records imported before phrase positions: their token texts too
            sub = phrase_sql.positions_sql(self.param, tids, rarity, node.field)
            self.joins.append(f"LEFT JOIN {sub} {alias} ON {alias}.doc = r.doc")
            aliases = [self.postings(tid) for tid in tids]
            holds = " AND ".join(self._has(a, None) for a in dict.fromkeys(aliases))
            rx = self.param(phrase_sql.phrase_regex(tokens, node.field))
            old = f"{alias}s"
            self.joins.append(
                f"LEFT JOIN LATERAL (SELECT s.stream ~ {rx} AS ok FROM archive_streams s "
                f"WHERE s.doc = r.doc AND {holds}) {old} ON true"
            )
            match = f"({alias}.doc IS NOT NULL OR coalesce({old}.ok, false))"
            parts = [self._impact(a, idf, node.field) for a, idf in zip(aliases, idfs, strict=True)]
        score = f"(CASE WHEN {match} THEN ({' + '.join(parts)}) ELSE 0::real END)"
        return match, score

    def wb_impact(
        self,
        wb: str,
        idf: float,
        fieldname: str | None,
        norm: str = "nrm.v",
        wtf: str | None = None,
    ) -> str:
        """:meth:`_impact` of a ``wb`` column known to be there (a phrase's word);
        ``wtf``: its weighted tf already made (:func:`weighted_tf`)."""
        value = impact_sql(f"{self.param(idf)}::real", wtf or weighted_tf(wb), norm)
        if fieldname is None:
            return value
        bit = 1 << FIELD_BIT[fieldname]
        return f"(CASE WHEN ({wb} & {bit}) <> 0 THEN {value} ELSE 0::real END)"

    def person_names(self, node: Term | Phrase) -> list[str]:
        if isinstance(node, Term):
            if node.kind != "word":
                return []
            words = [node.text]
        else:
            words = list(node.tokens)
        return self.ctx.person_words(words)


def weighted_tf(wb: str) -> str:
    """The weighted term frequency (single precision) held in a posting's ``wb``."""
    return f"(({wb} >> {FIELD_BITS})::real / 2::real)"


def impact_sql(idf: str, wtf: str, norm: str) -> str:
    """A term's BM25F impact, idf * wtf * (K1 + 1) / (norm + wtf), in single precision and
    in index._impact_values' order of operations (so the scores equal the local engine's);
    ``idf`` a real expression, ``wtf`` as :func:`weighted_tf`, ``norm`` the record's."""
    return f"((({idf} * {wtf}) * {K1_PLUS_1!r}::real) / ({norm} + {wtf}))"


def date_sql(c: Compiler, start: int | None, end: int | None) -> str:
    """Records whose covered days overlap [start, end] (search.date_mask)."""
    parts = []
    if start is not None:
        parts.append(f"r.date_end >= {c.param(int(start))}")
    if end is not None:
        parts.append(f"r.date_start <= {c.param(int(end))}")
    return "(" + " AND ".join(parts) + ")" if parts else "true"


_FIELD_NUMBER = {name: i for i, name in enumerate(FIELD_BIT)}


def expand_like(kind: str, pattern: str) -> tuple[str, str, str]:
    """(range low, range high, LIKE pattern) for a prefix or wildcard term."""
    if kind == "wildcard":
        pattern = collapse(pattern)
        if pattern.endswith("*") and "*" not in pattern[:-1] and "?" not in pattern:
            kind, pattern = "prefix", pattern[:-1]
    literal = pattern if kind == "prefix" else literal_prefix(pattern)
    like = (pattern + "%") if kind == "prefix" else pattern.replace("*", "%").replace("?", "_")
    return literal, literal + _TOP, like


def confirm(kind: str, pattern: str, terms: list[str]) -> list[str]:
    """The terms a wildcard pattern really matches (the linear matcher of wildcard.py)."""
    if kind != "wildcard":
        return terms
    pattern = collapse(pattern)
    return [t for t in terms if glob_match(pattern, t)]
