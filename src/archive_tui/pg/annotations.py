"""The user's tags, notes and lists (an AnnotationIndex) in a PostgreSQL search.

The annotations answer with record-id sets, as they do for the local engine; this module
numbers the database's records in archive order (one list of ids per database generation)
so that annotation_search.AnnotationSearch works unchanged, and turns what it selects into
``seq`` arrays the SQL takes as bound parameters. So ``tag:``, ``list:``, ``note:``,
``has:``, bare words found in notes (scored as the local engine scores them) and the
``tags`` / ``lists`` facets and filters behave exactly as locally.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..annotation_search import AnnotationSearch

if TYPE_CHECKING:
    from ..annotations import AnnotationIndex
    from .archive import PgArchive


class _Numbering:
    """The archive's ids in ``seq`` order: doc number <-> seq, and the few index calls
    AnnotationSearch makes (``n``, ``term_id``, ``df``)."""

    def __init__(self, archive: PgArchive) -> None:
        rows = archive._query("SELECT id, seq FROM archive_records ORDER BY seq")
        self.archive = archive
        self.doc_of = {record_id: i for i, (record_id, _seq) in enumerate(rows)}
        self.seqs = np.array([seq for _id, seq in rows], np.int64)
        self.n = len(rows)
        self.df: list[int] = []
        self._tids: dict[str, int] = {}

    def term_id(self, term: str) -> int:
        tid = self._tids.get(term)
        if tid is None:
            found = self.archive.dfs([term]).get(term)
            if found is None:
                return -1
            tid = self._tids[term] = len(self.df)
            self.df.append(int(found[1]))
        return tid

    def docs_of_seqs(self, seqs: list[int]) -> np.ndarray:
        return np.searchsorted(self.seqs, np.asarray(seqs, np.int64))


class PgAnnotations:
    """AnnotationSearch over a PgArchive's records (see the module docstring)."""

    def __init__(self, archive: PgArchive, annotations: AnnotationIndex) -> None:
        numbering = archive._cache.get("numbering")
        if numbering is None:
            numbering = archive._cache["numbering"] = _Numbering(archive)
        self.numbering = numbering
        self.search = AnnotationSearch(numbering, numbering.doc_of, annotations)  # type: ignore[arg-type]

    def seqs(self, docs: np.ndarray) -> list[int]:
        return self.numbering.seqs[np.asarray(docs, np.int64)].tolist()

    def mask_of_seqs(self, seqs: list[int]) -> np.ndarray:
        mask = np.zeros(self.numbering.n, bool)
        mask[self.numbering.docs_of_seqs(seqs)] = True
        return mask

    def note_matches(self, term: Any) -> tuple[list[int], float]:
        """Seqs of records whose note holds a bare ``term``, and the score it adds."""
        docs = self.search.note_term_docs(term)
        if not len(docs):
            return [], 0.0
        return self.seqs(docs), float(np.float32(self.search.note_score(term)))
