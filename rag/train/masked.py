"""Masked articles: an article with the sentences that answer some of its questions taken out, and those
questions, which the masked article no longer answers.

They are the near-misses a user asks of a document about the thing it describes: every word of the question is
still in the sources (the topic, the names, the surrounding facts), only the fact asked for is not ("who wrote
it?" of a manual that names no author). The swapped near-misses of rag/train/questions.py name something the
index lacks, and the real SQuAD unanswerables were written against the paragraph; neither teaches the decision
what is missing when nothing the question names is.

A question becomes unanswerable only when none of its gold answers is written anywhere in the masked article
(case folded): one whose answer the article repeats elsewhere is left out, as it may still be answered.
"""

from __future__ import annotations

import random

from ..eval.squad import SquadQuestion
from ..store.documents import Document, content_id
from ..text.sentences import sentence_spans
from .questions import TrainQuestion


def answering_sentences(spans: list[tuple[int, int]], answers: tuple[tuple[str, int], ...]) -> set[tuple[int, int]]:
    """The sentences ``spans`` that hold (overlap) any of the ``answers`` (text, offset)."""
    return {(a, b) for a, b in spans for text, start in answers if a < start + len(text) and start < b}


def without(doc: Document, spans: list[tuple[int, int]], cut: set[tuple[int, int]]) -> Document | None:
    """``doc`` (its sentences ``spans``) with the sentences ``cut`` taken out (None when nothing is left); a new
    id, as its text is new."""
    text = " ".join(doc.text[a:b] for a, b in spans if (a, b) not in cut)
    if not text:
        return None
    return Document(content_id(text), doc.title, f"{doc.source}:masked", text)


def masked_article(
    docs: list[Document], questions: list[SquadQuestion], share: float, rng: random.Random
) -> tuple[list[Document], list[TrainQuestion]]:
    """The article ``docs`` without the sentences that answer a ``share`` of its answerable ``questions`` (chosen
    by ``rng``), and those of them whose answers the masked article nowhere writes, as unanswerable questions."""
    by_id = {d.doc_id: d for d in docs}
    chosen = [q for q in questions if not q.impossible and q.answers and q.doc_id in by_id and rng.random() < share]
    spans = {doc_id: sentence_spans(by_id[doc_id].text) for doc_id in {q.doc_id for q in chosen}}  # split once
    cut: dict[str, set[tuple[int, int]]] = {}
    for q in chosen:
        cut.setdefault(q.doc_id, set()).update(answering_sentences(spans[q.doc_id], q.answers))
    masked = [without(d, spans[d.doc_id], cut[d.doc_id]) if d.doc_id in cut else d for d in docs]
    kept = [d for d in masked if d is not None]
    corpus = "\n".join(d.text for d in kept).casefold()
    made = [
        TrainQuestion(f"{q.qid}:masked", q.question, False, "masked")
        for q in chosen
        if not any(text.strip().casefold() in corpus for text, _ in q.answers)
    ]
    return kept, made
