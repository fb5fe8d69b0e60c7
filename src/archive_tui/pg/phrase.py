"""Phrases in PostgreSQL by word positions (migration 0003): no record's text is read.

Each import chunk numbers the token slots of its records (rows.py); a posting row holds
its term's positions in the chunk, ascending. A phrase ``w0 w1 … wk`` starts at position
``s`` when each ``wi`` is at ``s + i``. Per chunk, the positions of the phrase's rarest
word are the candidates: shifted by the next word's offset and intersected with that
word's positions (intarray's merge of sorted arrays, in C), and so on for each word;
``archive_chunks`` maps the surviving positions to record versions (and fields, for
``title:"…"``). Gaps and field
ends hold no term, so no phrase crosses them; an apostrophe word's parts share its
position, so ``"de gaulle"`` finds ``de gaulle's`` as locally.

Rows written before 0003 have no positions: those records are checked against their
token text in ``archive_streams`` by the old regular expression, a slower path that is
logged and counted (:data:`STATS`) until ``archive-tui db compact`` indexes them anew.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from ..index import FIELD_BIT, NF
from .doc_values import INTARRAY

log = logging.getLogger(__name__)

STATS = {"positions": 0, "streams": 0}  # phrases compiled per path (tests assert which ran)


def stats() -> dict[str, int]:
    """How many phrases took each path in this process."""
    return dict(STATS)


def legacy_terms(query: Any, tids: list[int]) -> bool:
    """Do any of these terms have posting rows without positions (written before 0003)?
    ``query``: a callable (sql, params) -> rows, such as ``PgArchive._query``."""
    rows = query(
        "SELECT EXISTS (SELECT 1 FROM archive_postings WHERE term = ANY(%s) AND chunk IS NULL)",
        (list(tids),),
    )
    return bool(rows and rows[0][0])


def positions_sql(
    param: Any,
    tids: list[int],
    rarity: list[float],
    fieldname: str | None,
    *,
    scored: bool = False,
    chunk: bool = False,
) -> str:
    """A subquery ``(doc)`` of the record versions holding the words ``tids`` (vocabulary
    ids, in phrase order; ``rarity``: smaller for a rarer word) at consecutive positions,
    within ``fieldname`` if given; ``scored``: with each distinct word's ``wb`` there too
    (columns ``wb0``, ``wb1``, … in the order the words first come), found by a binary
    search of the word's docs in the same chunk. ``param`` binds a value and returns its
    placeholder; only integers made here enter the text."""
    rare = min(range(len(tids)), key=lambda i: (rarity[i], i))
    others = sorted((i for i in range(len(tids)) if i != rare), key=lambda i: (rarity[i], i))
    ctes = [
        "c AS MATERIALIZED (SELECT ch.docs || '{}'::integer[] AS docs, "
        "ch.seg || '{}'::integer[] AS seg)",
        f"a0 AS MATERIALIZED (SELECT {_positions(param(tids[rare]))} AS a)",
    ]
    # the rarest word's positions, kept where the next rarer word is at its offset from
    # them: the positions shifted by that offset (one pass, as a set-returning function
    # in the select list), then intersected with the word's (intarray's merge in C); and
    # so on, each word's positions in turn (a word twice: intersected at each offset)
    at = rare
    for k, i in enumerate(others, 1):
        shifted = f"array(SELECT unnest(a{k - 1}.a) + {i - at})"
        ctes.append(
            f"a{k} AS MATERIALIZED (SELECT {INTARRAY}._int_inter({shifted}, "
            f"{_positions(param(tids[i]))}) AS a FROM a{k - 1})"
        )
        at = i
    # (any position of a phrase lies in its record's field: gaps and field ends hold no
    # term, so the last word's positions tell the record and the field)
    where = ""
    if fieldname is not None:
        where = f" WHERE (width_bucket(v.s, c.seg) - 1) %% {NF} = {FIELD_BIT[fieldname]}"
    doc = f"c.docs[(width_bucket(v.s, c.seg) - 1) / {NF} + 1]"
    found = (
        f"SELECT DISTINCT {doc} AS doc FROM c, "
        f"(SELECT unnest(a{len(others)}.a) AS s FROM a{len(others)}) v{where}"
    )
    rare_tid = param(tids[rare])
    if scored:
        cols = []
        for k, tid in enumerate(dict.fromkeys(tids)):
            ctes.append(
                f"d{k} AS MATERIALIZED (SELECT p.docs || '{{}}'::integer[] AS d, "
                f"p.wbs || '{{}}'::integer[] AS b FROM archive_postings p "
                f"WHERE p.term = {param(tid)} AND p.chunk = ch.chunk)"
            )
            cols.append(f"d{k}.b[width_bucket(y.doc, d{k}.d)] AS wb{k}")
        dsources = ", ".join(f"d{k}" for k in range(len(cols)))
        found = (
            f"SELECT y.doc, {', '.join(cols)} FROM {dsources} "
            f"CROSS JOIN LATERAL ({found} OFFSET 0) y"
        )
    columns = ("ch.chunk, " if chunk else "") + ("x.*" if scored else "x.doc")
    # all chunks' matches made once (a materialized CTE): the search joins them to its
    # records afterwards, rather than the records to each chunk's matches
    return (
        f"(WITH ph AS MATERIALIZED (SELECT {columns} FROM archive_chunks ch CROSS JOIN LATERAL ("
        f"WITH {', '.join(ctes)} {found}) x "
        f"WHERE ch.chunk IN (SELECT p.chunk FROM archive_postings p WHERE p.term = {rare_tid})) "
        "SELECT * FROM ph)"
    )


def _positions(tid: str) -> str:
    """The positions of the term ``tid`` (a placeholder) in the chunk ``ch``, as one plain
    array (empty where it has none)."""
    return (
        "coalesce((SELECT p.poss FROM archive_postings p "
        f"WHERE p.term = {tid} AND p.chunk = ch.chunk), '{{}}'::integer[])"
    )


def scored_sql(
    param: Any, tids: list[int], rarity: list[float], fieldname: str | None, chunk: bool = False
) -> tuple[str, list[int]]:
    """:func:`positions_sql` with each distinct word's ``wb``, and per word of the phrase
    the number of its column: the scores come from the phrase's own rows, so the search
    need not join the words' whole lists to every record. ``chunk``: each row's chunk
    too (first column)."""
    distinct = list(dict.fromkeys(tids))
    sql = positions_sql(param, tids, rarity, fieldname, scored=True, chunk=chunk)
    return sql, [distinct.index(t) for t in tids]


def note_path(legacy: bool) -> None:
    """Count (and for the slow path, log) which way a phrase is checked."""
    if legacy:
        STATS["streams"] += 1
        log.warning(
            "a phrase was checked against record texts for records imported before phrase "
            "positions: run archive-tui db compact to index them anew"
        )
    else:
        STATS["positions"] += 1


def _slot(token: str) -> str:
    word = re.sub(r"([^0-9A-Za-z\u0080-\U0010ffff])", r"\\\1", token)
    return rf"(?:\S*/)?{word}(?:/\S*)?"


def phrase_regex(tokens: list[str], fieldname: str | None) -> str:
    """A PostgreSQL regular expression matching ``tokens`` in consecutive slots of a
    pre-0003 token text (``archive_streams``)."""
    body = " ".join(_slot(t) for t in tokens)
    if fieldname is None:
        return rf"(?:^| ){body}(?= |$)"
    return rf"#{FIELD_BIT[fieldname]} (?:[^#]* )?{body}(?= |$)"
