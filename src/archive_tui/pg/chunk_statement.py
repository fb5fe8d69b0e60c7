"""The SQL of a chunk plan (chunk_search.py): the page, the total and each chunk's
matching docs in one statement; the walk of a sort's index; a prefix or a phrase alone.
Only integers we made and placeholders enter the text (compile.Compiler.param)."""

from __future__ import annotations

from ..index import K1, B
from . import phrase as phrase_sql
from .chunk_search import AT_DOC, EMPTY_DOCS, INTARRAY, RELEVANCE, WALK_SHARE, ChunkPlan
from .compile import K1_PLUS_1, Compiler, impact_sql, weighted_tf


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
    cols, joins = _word_columns(c, p.tids)
    universe = ", ch.docs AS cdocs" if p.universe else ""
    drivers = c.param(p.drivers)
    # the doc values a statement reads: a walk none (the records give the page's seq and
    # length), a few matches by relevance the lengths (the page's ties ordered from the
    # records), else every match's date key and seq too
    # (ties by a full sort of the matches: only for a few; many are sorted top-N with
    # their own date keys and seqs)
    few = sum(c.df_of.get(t, 0) for t in p.tids) * WALK_SHARE < c.ctx.n
    ranked = order == RELEVANCE and few
    values = "" if p.walk else "ch.dls || '{}'::float8[] AS dls, " if ranked else f"{_DOC_VALUES}, "
    chunk_rows = (
        f"SELECT ch.chunk, ch.first, {values}ch.dead || {EMPTY_DOCS} AS dead{universe}{cols} "
        f"FROM archive_chunks ch{joins} WHERE ch.chunk IN "
        f"(SELECT dp.chunk FROM archive_postings dp WHERE dp.term = ANY({drivers}::integer[]))"
    )
    norm = _norm(c, "w.dl" if p.walk else f"h.dls{AT_DOC}")
    if p.direct:  # one word: its own arrays are the matches (the dead ones left out)
        rows = "h CROSS JOIN LATERAL (SELECT unnest(h.d0) AS doc, unnest(h.w0) AS wb) u"
        # (not dead: its seq, or without the seqs a binary search of the chunk's dead docs)
        dead = "h.dead[width_bucket(u.doc, h.dead)] <> u.doc"
        live = (f"WHERE coalesce({dead}, true)" if ranked else f"WHERE h.seqs{AT_DOC} <> 0") + (
            f" AND (u.wb & {p.field_bit}) <> 0" if p.field_bit else ""
        )
        probes = f"{norm} AS v, {weighted_tf('u.wb')} AS t"
    else:
        rows = f"h CROSS JOIN LATERAL {_EACH}"
        live = ""
        probes = ", ".join([f"{norm} AS v", *_probes(p)])
    if p.walk:
        return _walk_statement(p, order, chunk_rows, probes, sets=sets)
    # (the values made before the sort, OFFSET 0 keeping them there: a sort carries what
    # is computed after it, here the chunk's whole arrays, copied for every row)
    if ranked:  # the best scores with their ties, then ordered as the general statement
        matches = (
            f"SELECT u.doc, {p.score_sql} AS score FROM {rows}, LATERAL (SELECT {probes}) x "
            f"{live} OFFSET 0"
        )
        page = (
            "SELECT seq, score, row_number() OVER () AS rank FROM (SELECT r.seq, t.score "
            f"FROM (SELECT doc, score FROM ({matches}) z ORDER BY score DESC "
            "FETCH FIRST (%(_off)s + %(_lim)s) ROWS WITH TIES) t "
            "JOIN archive_records r ON r.doc = t.doc "
            f"ORDER BY t.score DESC, r.date_key, r.seq OFFSET %(_off)s LIMIT %(_lim)s) o"
        )
    elif p.common_word is not None and order == RELEVANCE and not p.direct:
        best, page = _maxscore(c, p.score_sql, probes, "h.rare", p.common_word[1])
        sql = f"WITH {_hits(p, chunk_rows)}, {best} " + _PAGE_ROWS.format(page)
        return sql + (_sets() + _PRUNED if sets else "")
    else:
        page = _top(
            f"SELECT h.seqs{AT_DOC} AS seq, h.dks{AT_DOC} AS date_key, {p.score_sql} AS score "
            f"FROM {rows}, LATERAL (SELECT {probes}) x {live} OFFSET 0",
            order,
        )
    sql = f"WITH {_hits(p, chunk_rows)} " + _PAGE_ROWS.format(page)
    return sql + (_sets() if sets else "")


def _hits(p: ChunkPlan, chunk_rows: str) -> str:
    """The CTE ``h``: each chunk's row with its matches (``hit``), the dead left out (and
    for an OR's MaxScore, ``rare``: the matches holding a word other than its most common)."""
    rare = ""
    if p.common_word is not None:
        others = [f"k.d{j}" for j in sorted(p.held | p.probed) if j != p.common_word[0]]
        union = others[0]
        for other in others[1:]:
            union = f"{INTARRAY}._int_union({union}, {other})"
        rare = f", {INTARRAY}.intset_subtract({union}, k.dead) AS rare"
    return (
        f"h AS MATERIALIZED (SELECT k.*, {INTARRAY}.intset_subtract({p.set_sql}, k.dead) AS hit"
        f"{rare} FROM ({chunk_rows}) k)"
    )


def _sets() -> str:
    """The total, each chunk's matching docs and the generation (rows 1, 2 and 4)."""
    return (
        " UNION ALL SELECT 1, coalesce(sum(icount), 0), 0, 0, NULL, NULL FROM "
        f"(SELECT {INTARRAY}.icount(h.hit) FROM h) n"
        " UNION ALL SELECT 2, h.chunk, 0, 0, NULL, array_send(h.hit) FROM h "
        f"WHERE {INTARRAY}.icount(h.hit) > 0{_GENERATION}"
    )


def _walk_statement(p: ChunkPlan, order: str, chunk_rows: str, probes: str, *, sets: bool) -> str:
    """:func:`statement` sorted by date or title for a query that matches many records:
    the records are read in the order of the sort's index, each kept if its chunk's
    matches hold it, until the page is full; then the page's scores, made as for any
    page from the chunks' arrays. (The planner is told to avoid sorts, so that it walks
    the index rather than sorting every match.)"""
    keep = "".join(f" AND {cond}" for cond in p.filters)
    return (
        f"WITH {_hits(p, chunk_rows)}, "
        "walk AS MATERIALIZED (SELECT seq, doc, dl, row_number() OVER () AS rank FROM ("
        # (each record read is looked up in its chunk's matches by a binary search: a
        # page needs a few dozen records, a hashed set would need every match first)
        "SELECT r.seq, r.doc, r.dl FROM archive_records r WHERE EXISTS (SELECT 1 FROM h "
        "WHERE r.doc BETWEEN h.hit[1] AND h.hit[cardinality(h.hit)] "
        f"AND h.hit[width_bucket(r.doc, h.hit)] = r.doc){keep} "
        f"ORDER BY {order} OFFSET %(_off)s LIMIT %(_lim)s) o), "
        f"s AS (SELECT u.doc, {p.score_sql} AS score FROM h, unnest({INTARRAY}._int_inter(h.hit, "
        f"(SELECT coalesce(array_agg(walk.doc), {EMPTY_DOCS}) FROM walk))) AS u(doc) "
        f"JOIN walk w ON w.doc = u.doc, LATERAL (SELECT {probes}) x) "
        "SELECT 0, walk.seq, coalesce(s.score, 0)::float8, walk.rank, "
        f"{body_of('walk')}, NULL::bytea "
        "FROM walk LEFT JOIN s ON s.doc = walk.doc" + (_sets() if sets else "")
    )


def _probes(p: ChunkPlan) -> list[str]:
    """Per word the match ``u.doc`` is scored by: its place in the word's docs (``i{j}``,
    a binary search) where it may be absent, its weighted tf (``t{j}``) where every
    match holds it (chunk_search._impact)."""
    out = []
    for j in range(len(p.tids)):
        if j in p.probed:
            out.append(f"width_bucket(u.doc, h.d{j}) AS i{j}")
        if j in p.held:
            out.append(f"{weighted_tf(f'h.w{j}[width_bucket(u.doc, h.d{j})]')} AS t{j}")
    return out


def _word_columns(c: Compiler, tids: list[int]) -> tuple[str, str]:
    """(columns, joins) reading each word's posting row of the chunk ``ch`` once, as plain
    arrays ``d0``/``w0``, ``d1``/``w1``, … (none: empty arrays)."""
    cols = "".join(
        f", coalesce(p{j}.docs, {EMPTY_DOCS}) || {EMPTY_DOCS} AS d{j}, "
        f"coalesce(p{j}.wbs, {EMPTY_DOCS}) || {EMPTY_DOCS} AS w{j}"
        for j in range(len(tids))
    )
    joins = "".join(
        f" LEFT JOIN archive_postings p{j} ON p{j}.chunk = ch.chunk AND p{j}.term = {c.param(tid)}"
        for j, tid in enumerate(tids)
    )
    return cols, joins


def _top(rows: str, order: str) -> str:
    """The page (``%(_off)s``, ``%(_lim)s``) of ``rows`` (seq, date_key, score) in
    ``order``, numbered as it comes out of the top-N sort."""
    return (
        "SELECT seq, score, row_number() OVER () AS rank FROM (SELECT seq, score FROM "
        f"({rows}) z ORDER BY {order} OFFSET %(_off)s LIMIT %(_lim)s) o"
    )


# every doc value of the chunk ``ch``, as plain arrays (read once a statement)
_DOC_VALUES = (
    "ch.seqs || '{}'::bigint[] AS seqs, ch.dls || '{}'::float8[] AS dls, "
    "ch.date_keys || '{}'::bigint[] AS dks"
)
_PRUNED = " UNION ALL SELECT 3, pruned::int, 0, 0, NULL, NULL FROM t"  # (row 3)
# a chunk's matches one by one, as ``u.doc`` (a set-returning function in a select list
# streams its rows; in FROM it would first copy them all into a tuple store)
_EACH = "(SELECT unnest(h.hit) AS doc) u"
_GENERATION = " UNION ALL SELECT 4, generation, 0, 0, NULL, NULL FROM archive_stats"


def body_of(alias: str) -> str:
    """The record (its stored JSON) of the page row ``alias`` (which has a ``seq``)."""
    return f"(SELECT b.body FROM archive_records b WHERE b.seq = {alias}.seq)"


_PAGE_ROWS = (
    "SELECT 0, p.seq, p.score::float8, p.rank, " + body_of("p") + ", NULL::bytea FROM ({}) p"
)


def _norm(c: Compiler, dl: str = f"h.dls{AT_DOC}") -> str:
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
    if p.common:
        return _common_expansion_statement(p, p.common, order, sets=sets)
    tids = c.param([tid for tid, _ in p.expansion])
    idfs = c.param([idf for _, idf in p.expansion])
    impact = impact_sql("w.idf", weighted_tf("u.wb"), "x.v")
    # (each entry's values made before the grouping, OFFSET 0 keeping them there: the
    # grouping's sort would carry the chunk's arrays along with every entry)
    matches = (
        "SELECT chunk, doc, min(seq) AS seq, min(date_key) AS date_key, "
        "sum(impact)::real AS score FROM (SELECT h.chunk, u.doc, "
        f"h.seqs{AT_DOC} AS seq, h.dks{AT_DOC} AS date_key, {impact}::float8 AS impact "
        "FROM h CROSS JOIN LATERAL (SELECT p.docs, p.wbs, w.idf FROM archive_postings p "
        f"JOIN unnest({tids}::integer[], {idfs}::real[]) AS w(t, idf) ON w.t = p.term "
        f"WHERE p.chunk = h.chunk AND p.term = ANY({tids}::integer[]) OFFSET 0) w "
        "CROSS JOIN LATERAL (SELECT unnest(w.docs) AS doc, unnest(w.wbs) AS wb) u "
        f"CROSS JOIN LATERAL (SELECT {_norm(c)} AS v) x "
        f"WHERE h.seqs{AT_DOC} <> 0 OFFSET 0) v GROUP BY chunk, doc"
    )
    return _matches_statement(p, tids, matches, order, sets=sets)


def _common_expansion_statement(
    p: ChunkPlan, common: list[tuple[int, float]], order: str, *, sets: bool
) -> str:
    """:func:`_expansion_statement` when a few of the words are common (``sov*``: soviet
    in most records): grouping their entries would cost a row each, so per chunk only the
    rare words' entries are summed per doc (arrays ``sd``, ``ss``); the matches are the
    union of the common words' docs and those (intarray), as for plain words, each scored
    with binary searches of the common words' arrays and of the rare sums, in double
    precision as Compiler.term sums them."""
    c = p.compiler
    rare = [w for w in p.expansion if w not in common]
    every = c.param([tid for tid, _ in p.expansion])
    cols, joins = _word_columns(c, [tid for tid, _ in common])
    base = (
        f"b AS MATERIALIZED (SELECT ch.chunk, ch.first, {_DOC_VALUES}, "
        f"ch.dead || {EMPTY_DOCS} AS dead{cols} FROM archive_chunks ch{joins} "
        "WHERE ch.chunk IN (SELECT dp.chunk FROM archive_postings dp "
        f"WHERE dp.term = ANY({every}::integer[])))"
    )
    impact = impact_sql("w.idf", weighted_tf("u.wb"), "x.v")
    rare_tids = c.param([tid for tid, _ in rare])
    rare_idfs = c.param([idf for _, idf in rare])
    at = AT_DOC.replace("h.", "b.")
    sums = (
        "s AS MATERIALIZED (SELECT chunk, array_agg(doc ORDER BY doc) AS sd, "
        "array_agg(score ORDER BY doc) AS ss FROM (SELECT chunk, doc, sum(impact) AS score "
        f"FROM (SELECT b.chunk, u.doc, {impact}::float8 AS impact FROM b "
        # (each chunk's row read once, its postings looked up for it: a join the other
        # way round would read the chunk's wide row again for every posting row)
        "CROSS JOIN LATERAL (SELECT p.docs, p.wbs, w.idf FROM archive_postings p "
        f"JOIN unnest({rare_tids}::integer[], {rare_idfs}::real[]) AS w(t, idf) ON w.t = p.term "
        f"WHERE p.chunk = b.chunk AND p.term = ANY({rare_tids}::integer[]) OFFSET 0) w "
        "CROSS JOIN LATERAL (SELECT unnest(w.docs) AS doc, unnest(w.wbs) AS wb) u "
        f"CROSS JOIN LATERAL (SELECT {_norm(c, 'b.dls' + at)} AS v) x "
        f"WHERE b.seqs{at} <> 0 OFFSET 0) v GROUP BY chunk, doc) g GROUP BY chunk)"
    )
    union = "coalesce(s.sd, '{}'::integer[])"
    for j in range(len(common)):
        union = f"{INTARRAY}._int_union({union}, b.d{j})"
    hits = (
        "h AS MATERIALIZED (SELECT b.*, coalesce(s.sd, '{}'::integer[]) AS sd, "
        "coalesce(s.ss, '{}'::float8[]) AS ss, "
        f"{INTARRAY}.intset_subtract({union}, b.dead) AS hit FROM b LEFT JOIN s USING (chunk))"
    )
    parts = []
    for j, (_, idf) in enumerate(common):
        value = impact_sql(f"{c.param(idf)}::real", weighted_tf(f"h.w{j}[x.i{j}]"), "x.v")
        held = f"x.i{j} > 0 AND h.d{j}[x.i{j}] = u.doc"
        parts.append(f"(CASE WHEN {held} THEN {value} ELSE 0::real END)::float8")
    parts.append("(CASE WHEN x.si > 0 AND h.sd[x.si] = u.doc THEN h.ss[x.si] ELSE 0::float8 END)")
    probes = ", ".join(
        [f"{_norm(c)} AS v", "width_bucket(u.doc, h.sd) AS si"]
        + [f"width_bucket(u.doc, h.d{j}) AS i{j}" for j in range(len(common))]
    )
    score = f"({' + '.join(parts)})::real"
    if order != RELEVANCE:
        page = _top(_scored_rows(score, probes, "h.hit"), order)
        return f"WITH {base}, {sums}, {hits} " + _PAGE_ROWS.format(page) + (_sets() if sets else "")
    best, page = _maxscore(c, score, probes, "h.sd", sum(idf for _, idf in common))
    sql = f"WITH {base}, {sums}, {hits}, {best} " + _PAGE_ROWS.format(page)
    return sql + (_sets() + _PRUNED if sets else "")


def _scored_rows(score: str, probes: str, docs: str, where: str = "") -> str:
    """Rows (seq, date_key, score) of the docs ``docs`` of each chunk ``h``, each scored by
    ``score`` from its ``probes`` (made before the sort, OFFSET 0 keeping them there: a
    sort carries what is computed after it, here the chunk's whole arrays)."""
    return (
        f"SELECT h.seqs{AT_DOC} AS seq, h.dks{AT_DOC} AS date_key, {score} AS score "
        f"FROM h CROSS JOIN LATERAL (SELECT unnest({docs}) AS doc) u, "
        f"LATERAL (SELECT {probes}) x{where} OFFSET 0"
    )


def _maxscore(c: Compiler, score: str, probes: str, rare: str, idfs: float) -> tuple[str, str]:
    """MaxScore, by relevance: (CTEs, the page). A record holding only common words
    (idfs: the sum of their idf) scores less than idfs * (K1 + 1), an impact's limit as
    its tf grows; the records holding a rare word (``rare``: their docs in the chunk
    ``h``) are scored first, and when the page's worst of them already beats that
    limit, the others (most matches) are never scored (row 3 says whether they were
    not). ``score``, ``probes``: as :func:`_scored_rows`. (The margin covers single
    precision's rounding.)"""
    bound = c.param(idfs * K1_PLUS_1 * (1 + 1e-4))
    top = "%(_off)s + %(_lim)s"
    best = (
        f"r AS MATERIALIZED ({_scored_rows(score, probes, rare)}), "
        f"t AS MATERIALIZED (SELECT count(*) = {top} AND coalesce(min(k.score) > "
        f"{bound}::float8, false) AS pruned FROM "
        f"(SELECT score FROM r ORDER BY score DESC LIMIT {top}) k)"
    )
    rest = _scored_rows(
        score,
        probes,
        f"{INTARRAY}.intset_subtract(h.hit, {rare})",
        " WHERE NOT (SELECT pruned FROM t)",
    )
    return best, _top(f"SELECT seq, date_key, score FROM r UNION ALL ({rest})", RELEVANCE)


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
        c.wb_impact(f"u.wb{k}", idf, node.field, norm="x.v", wtf=f"x.t{k}")
        for k, idf in zip(cols, idfs, strict=True)
    ]
    # (each word's weighted tf made once a row, not once in each use of it)
    tfs = "".join(f", {weighted_tf(f'u.wb{k}')} AS t{k}" for k in sorted(set(cols)))
    matches = (
        f"SELECT u.chunk, u.doc, h.seqs{AT_DOC} AS seq, h.dks{AT_DOC} AS date_key, "
        f"({' + '.join(parts)}) AS score FROM {sub} u JOIN h ON h.chunk = u.chunk "
        f"CROSS JOIN LATERAL (SELECT {_norm(c)} AS v{tfs}) x WHERE h.seqs{AT_DOC} <> 0"
    )
    return _matches_statement(p, c.param(p.drivers), matches, order, sets=sets)


def _matches_statement(p: ChunkPlan, tids: str, matches: str, order: str, *, sets: bool) -> str:
    """The statement over the matches ``e`` (chunk, doc, seq, date_key, score) made from
    the doc values ``h`` of the chunks holding one of ``tids`` (a placeholder)."""
    head = (
        f"h AS MATERIALIZED (SELECT ch.chunk, ch.first, {_DOC_VALUES} FROM archive_chunks ch "
        "WHERE ch.chunk IN (SELECT dp.chunk FROM archive_postings dp "
        f"WHERE dp.term = ANY({tids}::integer[])))"
    )
    ctes = f"{head}, e AS MATERIALIZED ({matches})"
    page = _PAGE_ROWS.format(_top("SELECT seq, date_key, score FROM e", order))
    if not sets:
        return f"WITH {ctes} {page}"
    # (the total from each chunk's docs: one pass over the matches, not two)
    return (
        f"WITH {ctes}, g AS MATERIALIZED (SELECT e.chunk, array_agg(e.doc) AS docs FROM e "
        f"GROUP BY e.chunk) {page}"
        " UNION ALL SELECT 1, coalesce(sum(cardinality(g.docs)), 0), 0, 0, NULL, NULL FROM g"
        f" UNION ALL SELECT 2, g.chunk, 0, 0, NULL, array_send(g.docs) FROM g{_GENERATION}"
    )
