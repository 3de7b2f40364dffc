"""Split documents into passages along paragraphs and sentences, keeping offsets."""

from __future__ import annotations

from ..store.documents import Document, Passage
from ..text.sentences import INTRODUCED_MAX, paragraph_spans, sentence_spans

# how a paragraph that is a sentence (or a quoted or bracketed one) ends; a short one that ends otherwise,
# but for a lead-in's colon, is a fragment: a heading, a label or a list item ("search time")
SENTENCE_ENDS = frozenset(".!?\"'”’)]")


def blocks(doc: Document) -> list[list[tuple[int, int]]]:
    """The document's paragraphs, grouped: a heading, or a fragment after a finished sentence (a heading
    where none is marked), goes with what follows it; a fragment after an unfinished paragraph (a
    list's item after its lead-in, or after another item) goes with what precedes it. Alone, each of
    these would be a passage of a few words that retrieval finds and nothing can be quoted from."""
    headings = {h.start for h in doc.headings}
    out: list[list[tuple[int, int]]] = []
    leads_on = False  # the last paragraph goes with the next
    for start, end in paragraph_spans(doc.text):
        heading = start in headings
        short = end - start <= INTRODUCED_MAX
        fragment = heading or (short and doc.text[end - 1] not in SENTENCE_ENDS | {":"})
        open_before = bool(out) and doc.text[out[-1][-1][1] - 1] not in SENTENCE_ENDS
        if out and (leads_on or (fragment and open_before and not heading)):
            out[-1].append((start, end))
        else:
            out.append([(start, end)])
        leads_on = heading or (fragment and not open_before)
    return out


def split_document(doc: Document, max_words: int, first_pid: int = 0) -> list[Passage]:
    """Passages of one document: each block of paragraphs (``blocks``), long ones cut between sentences at
    about ``max_words``. A sentence never runs over a paragraph's end."""
    passages: list[Passage] = []
    for block in blocks(doc):
        sents = [
            s
            for p_start, p_end in block
            for s in sentence_spans(doc.text[p_start:p_end], p_start) or [(p_start, p_end)]
        ]
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
