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

from ..index import FIELD_BIT
from ..query import And, Node, Not, Or, Phrase, Term
from .compile import Compiler, impact_sql, weighted_tf
from .doc_values import INTARRAY

MAX_TERMS = 64  # distinct words a chunk statement reads (a wide wildcard keeps the general one)
SORTS = {"relevance", "date", "-date", "title"}  # (the title: only by walking, below)
COMMON_WORDS = 4  # at most so many of an expansion's words read as arrays (chunk_statement.py)
WALK_SHARE = 20  # sorted by date or title when 1/20 of the records may match: walk the index
EMPTY_DOCS = "'{}'::integer[]"
AT_DOC = "[u.doc - h.first + 1]"  # the match's place in its chunk's doc values
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
    set_sql: str = EMPTY_DOCS
    score_sql: str = "0::real"
    direct: bool = False  # one word: its own posting arrays are the rows (no search)
    universe: bool = False  # a NOT: the chunk's docs are read too
    walk: bool = False  # the page: the records in the sort's index order, the first matching
    filters: list[str] = field(default_factory=list)  # the filter panel's (a walk only)
    words: dict[int, list[int]] = field(default_factory=dict)  # per Term node: its words
    # a prefix or wildcard alone: its words' (vocabulary id, idf), summed per match
    expansion: list[tuple[int, float]] = field(default_factory=list)
    phrase: Phrase | None = None  # a phrase alone
    common: list[tuple[int, float]] = field(default_factory=list)  # an expansion's common words
    field_bit: int = 0  # a word alone in one field (direct): index.FIELD_BIT's bit
    # columns whose word every match holds (its tf read without asking whether it is
    # there), and columns scored where it may be absent (a binary search, then a check)
    held: set[int] = field(default_factory=set)
    probed: set[int] = field(default_factory=set)
    # an OR of single words by relevance: its most common word's (column, idf), whose
    # records alone are scored last if at all (chunk_statement._maxscore)
    common_word: tuple[int, float] | None = None

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
            # its few common words (5 % of the records or more) read as arrays, not grouped
            df, n = compiler.df_of, compiler.ctx.n
            common = [w for w in known if df.get(w[0], 0) * WALK_SHARE >= n]
            out.common = sorted(common, key=lambda w: -df[w[0]])[:COMMON_WORDS]
            return None if legacy(out.tids) else out
    try:
        out.set_sql, score = _node(out, root, held=True)
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
    if sort == "relevance" and isinstance(root, Or):
        out.common_word = _common_word(out, root)
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


def _common_word(p: ChunkPlan, root: Or) -> tuple[int, float] | None:
    """An OR of two or more single words (in no field): its most common word's column
    and idf, for MaxScore; None for anything else."""
    found: dict[int, float] = {}
    for child in root.children:
        if not isinstance(child, Term) or child.field is not None or child.kind != "word":
            return None
        tids = p.words.get(id(child), [])
        known = p.compiler.idf([child.text])[child.text]
        if len(tids) != 1 or known is None:
            return None
        found[p.tids.index(tids[0])] = known[1]
    if len(found) < 2:
        return None
    df = p.compiler.df_of
    j = max(found, key=lambda j: (df.get(p.tids[j], 0), j))
    return j, found[j]


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


def _node(p: ChunkPlan, node: Node, *, held: bool) -> tuple[str, str | None]:
    """(set SQL over the chunk row ``k``, score SQL per match or None) of ``node``;
    ``held``: every match of the query matches ``node`` (only ANDs above it)."""
    if isinstance(node, Term):
        return _term(p, node, held=held)
    if isinstance(node, Not):
        inner, _ = _node(p, node.child, held=False)
        p.universe = True
        return f"{INTARRAY}.intset_subtract(k.cdocs, {inner})", None
    if isinstance(node, And | Or):
        within = held and isinstance(node, And)
        parts = [_node(p, child, held=within) for child in node.children]
        fn = "_int_inter" if isinstance(node, And) else "_int_union"
        sets = parts[0][0]
        for other, _ in parts[1:]:
            sets = f"{INTARRAY}.{fn}({sets}, {other})"
        scores = [s for _, s in parts if s is not None]
        return sets, ("(" + " + ".join(scores) + ")" if scores else None)
    raise Unfit(type(node).__name__)


def _term(p: ChunkPlan, node: Term, *, held: bool = False) -> tuple[str, str]:
    """A word (or the words a prefix or wildcard stands for), as compile.Compiler.term;
    ``held``: every match holds it (if it is one word)."""
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
        return EMPTY_DOCS, "0::real"
    cols = [p.column(tid) for tid, _ in known]
    held = held and len(cols) == 1
    impacts = [_impact(p, j, idf, held=held) for j, (_, idf) in zip(cols, known, strict=True)]
    if node.field is not None:  # one word alone (direct): its entries in that field
        p.field_bit = 1 << FIELD_BIT[node.field]
        inside = (
            f"(SELECT coalesce(array_agg(f.doc), {EMPTY_DOCS}) "
            f"FROM unnest(k.d0, k.w0) AS f(doc, wb) WHERE (f.wb & {p.field_bit}) <> 0)"
        )
        return inside, impacts[0]
    if len(cols) == 1:
        return f"k.d{cols[0]}", impacts[0]
    sets = f"k.d{cols[0]}"
    for j in cols[1:]:
        sets = f"{INTARRAY}._int_union({sets}, k.d{j})"
    # as Compiler.term: the impacts summed in double precision, then single
    return sets, "(" + " + ".join(f"{i}::float8" for i in impacts) + ")::real"


def _impact(p: ChunkPlan, j: int, idf: float, *, held: bool = False) -> str:
    """Word ``j``'s BM25F impact in the match ``u.doc`` (0 where it does not hold it):
    Compiler._impact's arithmetic, the ``wb`` found by a binary search of the word's
    docs (one word alone: the row's own ``wb``; a word every match holds: its weighted
    tf made once a row, ``x.t{j}``, without the check — a third of a match's cost)."""
    if p.direct:  # (its weighted tf made once a row: chunk_statement.statement)
        wtf, has = "x.t", None
    elif held:
        p.held.add(j)
        wtf, has = f"x.t{j}", None
    else:
        p.probed.add(j)
        has = f"(x.i{j} > 0 AND h.d{j}[x.i{j}] = u.doc)"
        wtf = weighted_tf(f"h.w{j}[x.i{j}]")
    value = impact_sql(f"{p.compiler.param(idf)}::real", wtf, "x.v")
    return value if has is None else f"(CASE WHEN {has} THEN {value} ELSE 0::real END)"
