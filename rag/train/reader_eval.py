"""How well a reader reads, on its own: each question with its gold paragraph and a hard
negative, no retrieval. Used for the model card; the product's figures (retrieval,
answers, refusals) come from `rag eval`.
"""

from __future__ import annotations

import numpy as np

from ..answer.reader import Reader
from ..eval.metrics import auc, exact_match, token_f1
from ..text.sentences import sentence_spans
from .reader_data import Example


def evaluate_reader(reader: Reader, examples: list[Example]) -> dict:
    """Span EM/F1 and sentence accuracy on answerable gold paragraphs; AUC of "answerable" between
    answerable and unanswerable gold paragraphs, and of relevance between gold and hard-negative ones."""
    em: list[float] = []
    f1: list[float] = []
    sentence_ok: list[bool] = []
    has: list[float] = []  # the answerable score of answerable and of unanswerable gold paragraphs
    no: list[float] = []
    rel_pos: list[float] = []  # relevance of gold and of hard-negative paragraphs
    rel_neg: list[float] = []
    for ex in examples:
        if not ex.spans:
            continue
        spans = sentence_spans(ex.context)
        reading = reader.read(ex.question, [ex.context], [spans])[0]
        gold_paragraph = not ex.source.endswith("-neg")
        (rel_pos if gold_paragraph else rel_neg).append(reading.relevance)
        if not gold_paragraph:
            continue
        (has if ex.answers else no).append(reading.answerable)
        if not ex.answers or reading.best is None:
            continue
        predicted = ex.context[reading.best.start : reading.best.end]
        gold = [a for a, _ in ex.answers]
        em.append(exact_match(predicted, gold))
        f1.append(token_f1(predicted, gold))
        scores = [s.score if s else -np.inf for s in reading.sentences]
        best = spans[int(np.argmax(scores))] if scores else (0, 0)
        sentence_ok.append(any(best[0] <= start < best[1] for _, start in ex.answers))
    return {
        "answerable": len(has),
        "unanswerable": len(no),
        "exact_match": float(np.mean(em)) if em else float("nan"),
        "f1": float(np.mean(f1)) if f1 else float("nan"),
        "sentence_accuracy": float(np.mean(sentence_ok)) if sentence_ok else float("nan"),
        "no_answer_auc": auc(has, no),
        "relevance_auc": auc(rel_pos, rel_neg),
    }
