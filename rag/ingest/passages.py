"""Split documents into passages along paragraphs and sentences, keeping offsets."""

from __future__ import annotations

from ..store.documents import Document, Passage
from ..text.sentences import paragraph_spans, sentence_spans


def split_document(doc: Document, max_words: int, first_pid: int = 0) -> list[Passage]:
    """Passages of one document: each paragraph, long ones cut between sentences at about ``max_words``."""
    passages: list[Passage] = []
    for p_start, p_end in paragraph_spans(doc.text):
        sents = sentence_spans(doc.text[p_start:p_end], p_start) or [(p_start, p_end)]
        group: list[tuple[int, int]] = []
        words = 0
        for s in sents:
            n = len(doc.text[s[0] : s[1]].split())
            if group and words + n > max_words:
                passages.append(_make(doc, group, first_pid + len(passages)))
                group, words = [], 0
            group.append(s)
            words += n
        if group:
            passages.append(_make(doc, group, first_pid + len(passages)))
    return passages


def _make(doc: Document, sents: list[tuple[int, int]], pid: int) -> Passage:
    start, end = sents[0][0], sents[-1][1]
    return Passage(pid=pid, doc_id=doc.doc_id, start=start, end=end, text=doc.text[start:end], sentences=tuple(sents))


def split_documents(docs: list[Document], max_words: int) -> list[Passage]:
    """Passages of all documents, numbered from 0 in document order."""
    passages: list[Passage] = []
    for doc in docs:
        passages.extend(split_document(doc, max_words, first_pid=len(passages)))
    return passages
