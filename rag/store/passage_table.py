"""The index's passages as arrays: a Passage object is made only when one is looked at.

A list of Passage objects, loaded from JSON and each holding a copy of its text, costs
memory and load time with every passage (docs/TUNING.md, "Serving a large corpus"). The
table keeps four integers a passage (document number, start, end, sentence count) and two a sentence
(start, end), loaded with numpy, and slices the text from its document on demand.
Passages are stored in document order, so each document's passages are one range of
ids, and offsets are found by bisection.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import SupportsIndex, overload

import numpy as np

from .documents import Document, Passage

PASSAGE_COLUMNS = 4  # document number, start, end, number of sentences
SENTENCE_COLUMNS = 2  # start, end (offsets in the document's text)


class PassageTable(Sequence[Passage]):
    """Read-only passages of an index, ``table[pid]`` a Passage."""

    def __init__(self, doc_ids: list[str], documents: Mapping[str, Document], rows: np.ndarray, sentences: np.ndarray):
        """``rows``: one (document number, start, end, sentence count) per passage, in document order;
        ``sentences``: one (start, end) per sentence, passage after passage; ``doc_ids[n]`` is document n."""
        rows = np.asarray(rows, dtype=np.int64).reshape(-1, PASSAGE_COLUMNS)
        sentences = np.asarray(sentences, dtype=np.int64).reshape(-1, SENTENCE_COLUMNS)
        counts = rows[:, 3]
        if int(counts.sum()) != len(sentences):
            raise ValueError(f"passages list {int(counts.sum())} sentences, the sentence table has {len(sentences)}")
        if len(rows) and (np.diff(rows[:, 0]) < 0).any():
            raise ValueError("passages are not in document order")
        if len(rows) and not 0 <= rows[:, 0].min() <= rows[:, 0].max() < len(doc_ids):
            raise ValueError("a passage names a document that is not in the index")
        self._doc_ids = doc_ids
        self._documents = documents
        self._rows = rows
        self._sentences = sentences
        self.sentence_first = (
            np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64) if len(rows) else np.zeros(0, np.int64)
        )
        self._doc_number = {doc_id: n for n, doc_id in enumerate(doc_ids)}
        # each document's first passage id; the next document's is where its range ends
        self._doc_first = np.searchsorted(rows[:, 0], np.arange(len(doc_ids) + 1), side="left")

    @classmethod
    def from_passages(
        cls, doc_ids: list[str], documents: Mapping[str, Document], passages: list[Passage]
    ) -> PassageTable:
        """A table of already split passages (tests, small corpora)."""
        number = {d: n for n, d in enumerate(doc_ids)}
        rows = np.array([(number[p.doc_id], p.start, p.end, len(p.sentences)) for p in passages], dtype=np.int64)
        sents = np.array([s for p in passages for s in p.sentences], dtype=np.int64)
        return cls(doc_ids, documents, rows, sents)

    def __len__(self) -> int:
        return len(self._rows)

    @overload
    def __getitem__(self, key: SupportsIndex) -> Passage: ...

    @overload
    def __getitem__(self, key: slice) -> list[Passage]: ...

    def __getitem__(self, key: SupportsIndex | slice) -> Passage | list[Passage]:
        if isinstance(key, slice):
            return [self[i] for i in range(*key.indices(len(self)))]
        pid = int(key)
        if pid < 0:
            pid += len(self)
        if not 0 <= pid < len(self):
            raise IndexError(f"passage {pid} out of range")
        doc_no, start, end, count = (int(x) for x in self._rows[pid])
        doc_id = self._doc_ids[doc_no]
        first = int(self.sentence_first[pid])
        sents = tuple((int(s), int(e)) for s, e in self._sentences[first : first + count])
        return Passage(pid, doc_id, start, end, self._documents[doc_id].text[start:end], sents)

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(len(self)))

    @property
    def sentence_counts(self) -> np.ndarray:
        """Number of sentences of each passage."""
        return self._rows[:, 3]

    def sentence_rows(self, pid: int) -> range:
        """Rows (in the sentence table and the sentence vectors) of passage ``pid``'s sentences."""
        first = int(self.sentence_first[pid])
        return range(first, first + int(self._rows[pid, 3]))

    def document_sentences(self, doc_id: str) -> list[tuple[int, int]]:
        """(start, end) of every sentence of a document, in order."""
        return [(int(s), int(e)) for s, e in self.document_sentence_array(doc_id)]

    def document_sentence_array(self, doc_id: str) -> np.ndarray:
        """The same as an (n, 2) array, a view of the table's own (no copy: for a lookup in a long document)."""
        ids = self.of_document(doc_id)
        if not ids:
            return self._sentences[:0]
        first, last = self.sentence_rows(ids.start), self.sentence_rows(ids.stop - 1)
        return self._sentences[first.start : last.stop]

    def of_document(self, doc_id: str) -> range:
        """Ids of a document's passages (empty for an unknown document)."""
        n = self._doc_number.get(doc_id)
        return range(0) if n is None else range(int(self._doc_first[n]), int(self._doc_first[n + 1]))

    def at(self, doc_id: str, offset: int) -> int | None:
        """Id of the passage of ``doc_id`` that holds character ``offset``, or None."""
        ids = self.of_document(doc_id)
        if not ids:
            return None
        starts = self._rows[ids.start : ids.stop, 1]
        i = int(np.searchsorted(starts, offset, side="right")) - 1
        if i < 0:
            return None
        pid = ids.start + i
        return pid if offset < self._rows[pid, 2] else None

    def sentence_row(self, doc_id: str, start: int) -> int | None:
        """Row of the sentence of ``doc_id`` that starts at ``start``, or None."""
        pid = self.at(doc_id, start)
        if pid is None:
            return None
        rows = self.sentence_rows(pid)
        starts = self._sentences[rows.start : rows.stop, 0]
        i = int(np.searchsorted(starts, start))
        return rows.start + i if i < len(starts) and starts[i] == start else None
