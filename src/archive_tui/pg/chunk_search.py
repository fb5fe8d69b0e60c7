"""A search of words evaluated chunk by chunk: posting arrays and doc values only.

The general statement (compile.py) joins every posting list it reads to
``archive_records`` and evaluates the query per record: ~1 µs a matching record, most
of a common word's search. For a query of plain words — words, prefixes and wildcards
in any field, combined with AND, OR and NOT — this module writes a statement that never
reads the records table:

* per import chunk (only the chunks that hold a word the matches must hold), each
  word's posting row of that chunk is read once, as one array of docs and one of
  ``wb`` (weighted tf and fields), with the chunk's doc values (doc_values.py);
* the chunk's matches are one expression of intarray's set operations on the sorted
  doc arrays (AND an intersection, OR a union, NOT a difference from the chunk's
  docs), minus the chunk's dead docs: the total and the matching docs (for the facet
  counts, facet_counts.py) come from it without a row per match;
* only the page is made row by row: each match's score is the local BM25F computed as
  compile.py computes it (so the order is the same), each word's ``wb`` found by a
  binary search of its doc array (``width_bucket``), the length and date key read from
  the doc values by position; a top-N sort keeps the page.

Anything else (a phrase, a field of facet values, a date, an id, an annotation, the
title sort, a word that also matches a note, postings older than chunks) keeps the
general statement; :func:`plan` says None and ``PgSearchResult.driver`` says which ran.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..index import FIELD_BIT, K1, B
from ..query import And, Node, Not, Or, Phrase, Term
from . import phrase as phrase_sql
from .compile import _K1P1, Compiler
from .rows import FIELD_BITS

MAX_TERMS = 64  # distinct words a chunk statement reads (a wide wildcard keeps the general one)
SORTS = {"relevance", "date", "-date", "title"}  # (the title: only by walking, below)
WALK_SHARE = 20  # sorted by date or title when 1/20 of the records may match: walk the index
_IA = "archive_intarray"  # the schema of the intarray functions (migration 0004)
_EMPTY = "'{}'::integer[]"
_AT = "[u.doc - h.first + 1]"  # the match's place in its chunk's doc values
RELEVANCE = "score DESC, date_key, seq"  # archive._ORDER["relevance"]


class Unfit(Exception):
    """The query has a part this statement does not evaluate."""


@dataclass
class ChunkPlan:
    """A query compiled for the chunk statement: the set expression, the score, and the
    words (their vocabulary ids, in column order: ``d0``/``w0``, ``d1``/``w1``, …)."""

    compiler: Compiler
    tids: list[int] = field(default_factory=list)
    drivers: list[int] = field(default_factory=list)  # chunks holding these are read
    set_sql: str = _EMPTY
    score_sql: str = "0::real"
    direct: bool = False  # one word: its own posting arrays are the rows (no search)
    universe: bool = False  # a NOT: the chunk's docs are read too
    walk: bool = False  # the page: the records in the sort's index order, the first matching
    filters: list[str] = field(default_factory=list)  # the filter panel's (a walk only)
    words: dict[int, list[int]] = field(default_factory=dict)  # per Term node: its words
    # a prefix or wildcard alone: its words' (vocabulary id, idf), summed per match
    expansion: list[tuple[int, float]] = field(default_factory=list)
    phrase: Phrase | None = None  # a phrase alone
    field_bit: int = 0  # a word alone in one field (direct): index.FIELD_BIT's bit

    def column(self, tid: int) -> int:
        if tid not in self.tids:
            if len(self.tids) >= MAX_TERMS:
                raise Unfit("too many words")
            self.tids.append(tid)
        return self.tids.index(tid)


def plan(compiler: Compiler, root: Node | None, sort: str, legacy: Any) -> ChunkPlan | None:
    """The chunk plan of ``root``, or None when the general statement must run.
    ``legacy(tids)``: do any of these words have postings without a chunk (before 0003)?"""
    if root is None or sort not in SORTS:
        return None
    out = ChunkPlan(compiler)
    if isinstance(root, Phrase):
        return _phrase_plan(out, root, sort, legacy)
    if isinstance(root, Term) and root.field != "people":  # one known word: direct
        c, kind = compiler.ctx, root.kind
        words = [root.text] if kind == "word" else c.expand(kind, root.text, c.notes)
        known = [v for v in compiler.idf(words).values() if v is not None]
        out.direct = len(known) == 1 and sort == "relevance"
        if root.field is not None and not out.direct:
            return None  # (a field's words: one, by relevance, or the general statement)
        if len(known) > 1 and sort != "title":  # the words a prefix or wildcard stands for, alone
            if c.annotations is not None and c.annotations.note_matches(root)[0]:
                return None  # also the records whose note holds it
            out.expansion = known
            out.tids = out.drivers = [tid for tid, _ in known]
            return None if legacy(out.tids) else out
    try:
        out.set_sql, score = _node(out, root)
        drivers = _drivers(out, root)
    except Unfit:
        return None
    if drivers is None:
        return None  # no word holds every match (a NOT alone)
    out.drivers = drivers
    out.score_sql = score or "0::real"
    if out.tids and legacy(out.tids):
        return None
    # a common word sorted by date or title: the records in that order, the first ones
    # among the matches (a few dozen read); a rare one: its few matches sorted
    many = sum(compiler.df_of.get(t, 0) for t in drivers) * WALK_SHARE >= compiler.ctx.n
    out.walk = sort != "relevance" and many
    if sort == "title" and not out.walk:
        return None  # the title of every match: the general statement has them
    return out


def _phrase_plan(out: ChunkPlan, node: Phrase, sort: str, legacy: Any) -> ChunkPlan | None:
    """A phrase alone: its matches found by their words' positions chunk by chunk
    (phrase.py), scored from its own rows, as Compiler.phrase scores them."""
    c = out.compiler
    if node.field == "people" or sort == "title":
        return None  # (also the people facet's names; every match's title)
    tokens = list(node.tokens)
    found = c.idf(tokens)
    if not tokens or any(found[t] is None for t in tokens):
        return None  # matches nothing: the general statement knows it at once
    tids = [found[t][0] for t in tokens]  # type: ignore[index]
    if legacy(tids):
        return None
    out.phrase = node
    out.tids = list(dict.fromkeys(tids))
    out.drivers = [min(tids, key=c.df_of.__getitem__)]
    return out


def _drivers(p: ChunkPlan, node: Node) -> list[int] | None:
    """Words (vocabulary ids) one of which every match of ``node`` holds: the chunks
    holding none of them hold no match (driver.driver_terms, once the plan has checked
    that no note adds matches)."""
    if isinstance(node, Term):
        return p.words[id(node)]
    if isinstance(node, And):
        parts = [d for d in (_drivers(p, c) for c in node.children) if d is not None]
        if not parts:
            return None
        df = p.compiler.df_of
        return min(parts, key=lambda tids: sum(df.get(t, 0) for t in tids))
    if isinstance(node, Or):
        parts = [_drivers(p, c) for c in node.children]
        if any(d is None for d in parts):
            return None
        return list(dict.fromkeys(t for d in parts for t in d))  # type: ignore[union-attr]
    return None


def _node(p: ChunkPlan, node: Node) -> tuple[str, str | None]:
    """(set SQL over the chunk row ``k``, score SQL per match or None) of ``node``."""
    if isinstance(node, Term):
        return _term(p, node)
    if isinstance(node, Not):
        inner, _ = _node(p, node.child)
        p.universe = True
        return f"{_IA}.intset_subtract(k.cdocs, {inner})", None
    if isinstance(node, And | Or):
        parts = [_node(p, child) for child in node.children]
        fn = "_int_inter" if isinstance(node, And) else "_int_union"
        sets = parts[0][0]
        for other, _ in parts[1:]:
            sets = f"{_IA}.{fn}({sets}, {other})"
        scores = [s for _, s in parts if s is not None]
        return sets, ("(" + " + ".join(scores) + ")" if scores else None)
    raise Unfit(type(node).__name__)


def _term(p: ChunkPlan, node: Term) -> tuple[str, str]:
    """A word (or the words a prefix or wildcard stands for), as compile.Compiler.term."""
    c = p.compiler
    if node.field is not None and not p.direct:
        raise Unfit("field")  # the set would need each entry's field bits
    if node.field is None and c.ctx.annotations is not None:
        seqs, _ = c.ctx.annotations.note_matches(node)
        if seqs:
            raise Unfit("note")  # also the records whose note holds it
    terms = [node.text] if node.kind == "word" else c.ctx.expand(node.kind, node.text, c.ctx.notes)
    found = c.idf(terms)
    known = [found[t] for t in terms if found[t] is not None]
    p.words[id(node)] = [tid for tid, _ in known]
    if not known:
        return _EMPTY, "0::real"
    cols = [p.column(tid) for tid, _ in known]
    impacts = [_impact(p, j, idf) for j, (_, idf) in zip(cols, known, strict=True)]
    if node.field is not None:  # one word alone (direct): its entries in that field
        p.field_bit = 1 << FIELD_BIT[node.field]
        inside = (
            f"(SELECT coalesce(array_agg(f.doc), {_EMPTY}) FROM unnest(k.d0, k.w0) AS f(doc, wb) "
        )
        return inside + f"WHERE (f.wb & {p.field_bit}) <> 0)", impacts[0]
    if len(cols) == 1:
        return f"k.d{cols[0]}", impacts[0]
    sets = f"k.d{cols[0]}"
    for j in cols[1:]:
        sets = f"{_IA}._int_union({sets}, k.d{j})"
    # as Compiler.term: the impacts summed in double precision, then single
    return sets, "(" + " + ".join(f"{i}::float8" for i in impacts) + ")::real"


def _impact(p: ChunkPlan, j: int, idf: float) -> str:
    """Word ``j``'s BM25F impact in the match ``u.doc`` (0 where it does not hold it):
    Compiler._impact's arithmetic, the ``wb`` found by a binary search of the word's
    docs (one word alone: the row's own ``wb``)."""
    if p.direct:
        wb, has = "u.wb", None
    else:
        wb, has = f"h.w{j}[x.i{j}]", f"(x.i{j} > 0 AND h.d{j}[x.i{j}] = u.doc)"
    wtf = f"(({wb} >> {FIELD_BITS})::real / 2::real)"
    value = f"((({p.compiler.param(idf)}::real * {wtf}) * {_K1P1!r}::real) / (x.v + {wtf}))"
    return value if has is None else f"(CASE WHEN {has} THEN {value} ELSE 0::real END)"


def statement(p: ChunkPlan, order: str, *, sets: bool) -> str:
    """The chunk statement: rows (0, seq, score, rank, body, NULL) of the page (offset
    ``%(_off)s``, limit ``%(_lim)s``, in ``order``) and, with ``sets``, (1, total, …)
    and per chunk with matches (2, chunk, …, its matching docs as a binary array),
    and (4, generation, …)."""
    if p.expansion:
        return _expansion_statement(p, order, sets=sets)
    if p.phrase is not None:
        return _phrase_statement(p, order, sets=sets)
    c = p.compiler
    cols = ", ".join(
        f"coalesce(p{j}.docs, {_EMPTY}) || {_EMPTY} AS d{j}, "
        f"coalesce(p{j}.wbs, {_EMPTY}) || {_EMPTY} AS w{j}"
        for j in range(len(p.tids))
    )
    joins = " ".join(
        f"LEFT JOIN archive_postings p{j} ON p{j}.chunk = ch.chunk AND p{j}.term = {c.param(tid)}"
        for j, tid in enumerate(p.tids)
    )
    universe = ", ch.docs AS cdocs" if p.universe else ""
    drivers = c.param(p.drivers)
    # the doc values a statement reads: a walk none (the records give the page's seq and
    # length), a few matches by relevance the lengths (the page's ties ordered from the
    # records), else every match's date key and seq too
    # (ties by a full sort of the matches: only for a few; many are sorted top-N with
    # their own date keys and seqs)
    few = sum(c.df_of.get(t, 0) for t in p.tids) * WALK_SHARE < c.ctx.n
    ranked = order == RELEVANCE and few
    values = (
        ""
        if p.walk
        else "ch.dls || '{}'::float8[] AS dls, "
        if ranked
        else "ch.seqs || '{}'::bigint[] AS seqs, ch.dls || '{}'::float8[] AS dls, "
        "ch.date_keys || '{}'::bigint[] AS dks, "
    )
    chunk_rows = (
        f"SELECT ch.chunk, ch.first, {values}ch.dead || {_EMPTY} AS dead"
        f"{universe}{', ' + cols if cols else ''} "
        f"FROM archive_chunks ch {joins} WHERE ch.chunk IN "
        f"(SELECT dp.chunk FROM archive_postings dp WHERE dp.term = ANY({drivers}::integer[]))"
    )
    norm = _norm(c, "w.dl" if p.walk else f"h.dls{_AT}")
    if p.direct:  # one word: its own arrays are the matches (the dead ones left out)
        rows = "h, unnest(h.d0, h.w0) AS u(doc, wb)"
        # (not dead: its seq, or without the seqs a binary search of the chunk's dead docs)
        dead = "h.dead[width_bucket(u.doc, h.dead)] <> u.doc"
        live = (f"WHERE coalesce({dead}, true)" if ranked else f"WHERE h.seqs{_AT} <> 0") + (
            f" AND (u.wb & {p.field_bit}) <> 0" if p.field_bit else ""
        )
        probes = f"{norm} AS v"
    else:
        rows = "h, unnest(h.hit) AS u(doc)"
        live = ""
        probes = ", ".join(
            [f"{norm} AS v"] + [f"width_bucket(u.doc, h.d{j}) AS i{j}" for j in range(len(p.tids))]
        )
    if p.walk:
        return _walk_statement(p, order, chunk_rows, probes, sets=sets)
    # (the values made before the sort, OFFSET 0 keeping them there: a sort carries what
    # is computed after it, here the chunk's whole arrays, copied for every row)
    matches = (
        f"SELECT u.doc, {p.score_sql} AS score FROM {rows}, LATERAL (SELECT {probes}) x "
        f"{live} OFFSET 0"
    )
    if ranked:  # the best scores with their ties, then ordered as the general statement
        page = (
            "SELECT seq, score, row_number() OVER () AS rank FROM (SELECT r.seq, t.score "
            f"FROM (SELECT doc, score FROM ({matches}) z ORDER BY score DESC "
            "FETCH FIRST (%(_off)s + %(_lim)s) ROWS WITH TIES) t "
            "JOIN archive_records r ON r.doc = t.doc "
            f"ORDER BY t.score DESC, r.date_key, r.seq OFFSET %(_off)s LIMIT %(_lim)s) o"
        )
        sql = (
            f"WITH h AS MATERIALIZED (SELECT k.*, "
            f"{_IA}.intset_subtract({p.set_sql}, k.dead) AS hit "
            f"FROM ({chunk_rows}) k) " + _PAGE_ROWS.format(page)
        )
        return sql + (_sets() if sets else "")
    page = (
        "SELECT seq, score, row_number() OVER () AS rank FROM (SELECT seq, score FROM ("
        "SELECT h.seqs[u.doc - h.first + 1] AS seq, h.dks[u.doc - h.first + 1] AS date_key, "
        f"{p.score_sql} AS score FROM {rows}, LATERAL (SELECT {probes}) x {live} OFFSET 0) z "
        f"ORDER BY {order} OFFSET %(_off)s LIMIT %(_lim)s) o"
    )
    sql = (
        f"WITH h AS MATERIALIZED (SELECT k.*, "
        f"{_IA}.intset_subtract({p.set_sql}, k.dead) AS hit "
        f"FROM ({chunk_rows}) k) " + _PAGE_ROWS.format(page)
    )
    return sql + (_sets() if sets else "")


def _sets() -> str:
    """The total, each chunk's matching docs and the generation (rows 1, 2 and 4)."""
    return (
        " UNION ALL SELECT 1, coalesce(sum(icount), 0), 0, 0, NULL, NULL FROM "
        f"(SELECT {_IA}.icount(h.hit) FROM h) n"
        " UNION ALL SELECT 2, h.chunk, 0, 0, NULL, array_send(h.hit) FROM h "
        f"WHERE {_IA}.icount(h.hit) > 0{_GENERATION}"
    )


def _walk_statement(p: ChunkPlan, order: str, chunk_rows: str, probes: str, *, sets: bool) -> str:
    """:func:`statement` sorted by date or title for a query that matches many records:
    the records are read in the order of the sort's index, each kept if its chunk's
    matches hold it, until the page is full; then the page's scores, made as for any
    page from the chunks' arrays. (The planner is told to avoid sorts, so that it walks
    the index rather than sorting every match.)"""
    keep = "".join(f" AND {cond}" for cond in p.filters)
    return (
        f"WITH h AS MATERIALIZED (SELECT k.*, {_IA}.intset_subtract({p.set_sql}, k.dead) "
        f"AS hit FROM ({chunk_rows}) k), "
        "walk AS MATERIALIZED (SELECT seq, doc, dl, row_number() OVER () AS rank FROM ("
        # (each record read is looked up in its chunk's matches by a binary search: a
        # page needs a few dozen records, a hashed set would need every match first)
        "SELECT r.seq, r.doc, r.dl FROM archive_records r WHERE EXISTS (SELECT 1 FROM h "
        "WHERE r.doc BETWEEN h.hit[1] AND h.hit[cardinality(h.hit)] "
        f"AND h.hit[width_bucket(r.doc, h.hit)] = r.doc){keep} "
        f"ORDER BY {order} OFFSET %(_off)s LIMIT %(_lim)s) o), "
        f"s AS (SELECT u.doc, {p.score_sql} AS score FROM h, unnest({_IA}._int_inter(h.hit, "
        f"(SELECT coalesce(array_agg(walk.doc), {_EMPTY}) FROM walk))) AS u(doc) "
        f"JOIN walk w ON w.doc = u.doc, LATERAL (SELECT {probes}) x) "
        "SELECT 0, walk.seq, coalesce(s.score, 0)::float8, walk.rank, "
        "(SELECT b.body FROM archive_records b WHERE b.seq = walk.seq), NULL::bytea "
        "FROM walk LEFT JOIN s ON s.doc = walk.doc" + (_sets() if sets else "")
    )


_GENERATION = " UNION ALL SELECT 4, generation, 0, 0, NULL, NULL FROM archive_stats"
_PAGE_ROWS = (
    "SELECT 0, p.seq, p.score::float8, p.rank, "
    "(SELECT b.body FROM archive_records b WHERE b.seq = p.seq), NULL::bytea FROM ({}) p"
)


def _norm(c: Compiler, dl: str = f"h.dls{_AT}") -> str:
    """Compiler.norm_sql of the match ``u.doc`` of weighted length ``dl`` (by default
    read from the doc values)."""
    avg = c.param(float(c.ctx.avgdl))
    scaled = f"({B!r}::float8 * {dl}) / {avg}::float8"
    return f"({K1!r}::float8 * ((1 - {B!r}::float8) + {scaled}))::real"


def _expansion_statement(p: ChunkPlan, order: str, *, sets: bool) -> str:
    """:func:`statement` of a prefix or wildcard alone: its words' entries of each chunk
    read in one pass and summed per doc (as Compiler.term sums them); its matches are
    what that leaves (a hundred unions of doc arrays would copy the common word's
    array a hundred times)."""
    c = p.compiler
    tids = c.param([tid for tid, _ in p.expansion])
    idfs = c.param([idf for _, idf in p.expansion])
    wtf = f"((u.wb >> {FIELD_BITS})::real / 2::real)"
    impact = f"(((w.idf * {wtf}) * {_K1P1!r}::real) / (x.v + {wtf}))"
    # (each entry's values made before the grouping, OFFSET 0 keeping them there: the
    # grouping's sort would carry the chunk's arrays along with every entry)
    matches = (
        "SELECT chunk, doc, min(seq) AS seq, min(date_key) AS date_key, "
        "sum(impact)::real AS score FROM (SELECT h.chunk, u.doc, "
        f"h.seqs{_AT} AS seq, h.dks{_AT} AS date_key, {impact}::float8 AS impact "
        "FROM h JOIN archive_postings p ON p.chunk = h.chunk "
        f"AND p.term = ANY({tids}::integer[]) "
        f"JOIN unnest({tids}::integer[], {idfs}::real[]) AS w(t, idf) ON w.t = p.term "
        "CROSS JOIN LATERAL unnest(p.docs, p.wbs) AS u(doc, wb) "
        f"CROSS JOIN LATERAL (SELECT {_norm(c)} AS v) x "
        f"WHERE h.seqs{_AT} <> 0 OFFSET 0) v GROUP BY chunk, doc"
    )
    return _matches_statement(p, tids, matches, order, sets=sets)


def _phrase_statement(p: ChunkPlan, order: str, *, sets: bool) -> str:
    """:func:`statement` of a phrase alone: phrase.py's rows of each chunk (doc and each
    word's ``wb``), scored as Compiler.phrase scores them."""
    c, node = p.compiler, p.phrase
    assert node is not None
    tokens = list(node.tokens)
    found = c.idf(tokens)
    tids = [found[t][0] for t in tokens]  # type: ignore[index]
    idfs = [found[t][1] for t in tokens]  # type: ignore[index]
    sub, cols = phrase_sql.scored_sql(c.param, tids, [-i for i in idfs], node.field, chunk=True)
    parts = [
        c.wb_impact(f"u.wb{k}", idf, node.field, norm="x.v")
        for k, idf in zip(cols, idfs, strict=True)
    ]
    matches = (
        f"SELECT u.chunk, u.doc, h.seqs{_AT} AS seq, h.dks{_AT} AS date_key, "
        f"({' + '.join(parts)}) AS score FROM {sub} u JOIN h ON h.chunk = u.chunk "
        f"CROSS JOIN LATERAL (SELECT {_norm(c)} AS v) x WHERE h.seqs{_AT} <> 0"
    )
    return _matches_statement(p, c.param(p.drivers), matches, order, sets=sets)


def _matches_statement(p: ChunkPlan, tids: str, matches: str, order: str, *, sets: bool) -> str:
    """The statement over the matches ``e`` (chunk, doc, seq, date_key, score) made from
    the doc values ``h`` of the chunks holding one of ``tids`` (a placeholder)."""
    sql = (
        "WITH h AS MATERIALIZED (SELECT ch.chunk, ch.first, ch.seqs || '{}'::bigint[] AS seqs, "
        "ch.dls || '{}'::float8[] AS dls, ch.date_keys || '{}'::bigint[] AS dks "
        "FROM archive_chunks ch WHERE ch.chunk IN (SELECT dp.chunk FROM archive_postings dp "
        f"WHERE dp.term = ANY({tids}::integer[]))), "
        f"e AS MATERIALIZED ({matches}) "
        + _PAGE_ROWS.format(
            "SELECT seq, score, row_number() OVER () AS rank FROM (SELECT seq, score FROM e "
            f"ORDER BY {order} OFFSET %(_off)s LIMIT %(_lim)s) o"
        )
    )
    if sets:
        sql += (
            " UNION ALL SELECT 1, count(*), 0, 0, NULL, NULL FROM e"
            " UNION ALL SELECT 2, e.chunk, 0, 0, NULL, array_send(array_agg(e.doc)) FROM e "
            f"GROUP BY e.chunk{_GENERATION}"
        )
    return sql
