"""Which records a search need look at: the posting lists that cover every match.

A compiled search joins its words' posting lists to the records (compile.py). Scanning
every record costs ~20 ms at 100k records (and ten times that at 1M) even when a rare
word matches a few hundred. When the query's matches must all hold one of a few words —
a word, a phrase, an AND with one such part, an OR of such parts — and those words are
held by few records, the search reads only those records, by their ``doc``, through the
unique index (a ``= ANY(ARRAY(...))`` condition the planner answers with index probes).
Common words keep the scan: probing most of the records one by one is slower.
``PgSearchResult.driver`` says which ran (a debug stat).
"""

from __future__ import annotations

from ..query import And, Node, Not, Or, Phrase, Term, positive_nodes

DRIVER_SHARE = 20  # drive by postings when they hold at most 1/20 of the records (measured)


def query_terms(root: Node | None) -> list[str]:
    """Every plain word and phrase word of the query, NOT parts included (one lookup)."""
    out: list[str] = []

    def walk(node: Node) -> None:
        if isinstance(node, Term) and node.kind == "word":
            out.append(node.text)
        elif isinstance(node, Phrase):
            out.extend(node.tokens)
        elif isinstance(node, Not):
            walk(node.child)
        elif isinstance(node, And | Or):
            for child in node.children:
                walk(child)

    if root is not None:
        walk(root)
    return list(dict.fromkeys(out))


def driver_terms(compiler, node: Node) -> tuple[list[int], int] | None:
    """(vocabulary ids, their summed document frequency) whose posting lists hold every
    record ``node`` matches; None when no such lists exist (a NOT, a filter, a field of
    facet values, notes of a workspace)."""
    ctx = compiler.ctx
    if isinstance(node, Term | Phrase) and node.field == "people":
        return None  # also the people facet's names
    if isinstance(node, Term):
        if node.field is None and ctx.annotations is not None:
            return None  # also the records whose note holds it
        terms = [node.text] if node.kind == "word" else ctx.expand(node.kind, node.text, ctx.notes)
        known = [v for v in compiler.idf(terms).values() if v is not None]
        return [tid for tid, _ in known], sum(compiler.df_of[tid] for tid, _ in known)
    if isinstance(node, Phrase):
        found = compiler.idf(list(node.tokens))
        if any(v is None for v in found.values()) or not found:
            return [], 0  # matches nothing
        tid = min((v[0] for v in found.values()), key=compiler.df_of.__getitem__)
        return [tid], compiler.df_of[tid]
    if isinstance(node, And):
        parts = [d for d in (driver_terms(compiler, c) for c in node.children) if d is not None]
        return min(parts, key=lambda d: d[1]) if parts else None
    if isinstance(node, Or):
        parts = [driver_terms(compiler, c) for c in node.children]
        if any(d is None for d in parts):
            return None
        tids = [t for d in parts for t in d[0]]  # type: ignore[union-attr]
        return list(dict.fromkeys(tids)), sum(d[1] for d in parts)  # type: ignore[union-attr]
    return None


def driver_sql(compiler, root: Node | None, n: int) -> str | None:
    """The condition that limits the records read to the driving posting lists' docs, or
    None (every record is read)."""
    if root is None or not positive_nodes(root):
        return None
    found = driver_terms(compiler, root)
    if found is None or not found[0] or found[1] * DRIVER_SHARE > n:
        return None
    tids = compiler.param(found[0])
    return (
        "r.doc = ANY(ARRAY(SELECT unnest(dp.docs) FROM archive_postings dp "
        f"WHERE dp.term = ANY({tids}::integer[])))"
    )
