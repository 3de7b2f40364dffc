"""How well a reader reads, on its own: each question with its gold paragraph and a hard
negative, no retrieval. Used for the model card; the product's figures (retrieval,
answers, refusals) come from `rag eval`.
"""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np

from ..answer.reader import Reader
from ..text.sentences import sentence_spans
from .reader_data import Example


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def f1_score(prediction: str, gold: str) -> float:
    p, g = normalize_answer(prediction).split(), normalize_answer(gold).split()
    common = sum((Counter(p) & Counter(g)).values())
    if not common:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def auc(positives: list[float], negatives: list[float]) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative."""
    if not positives or not negatives:
        return float("nan")
    pos, neg = np.asarray(positives), np.sort(np.asarray(negatives))
    below = np.searchsorted(neg, pos, side="left")
    ties = np.searchsorted(neg, pos, side="right") - below
    return float((below + 0.5 * ties).sum() / (len(pos) * len(neg)))


def evaluate_reader(reader: Reader, examples: list[Example]) -> dict:
    """Span EM/F1 and sentence accuracy on answerable gold paragraphs; AUC of "answerable" between
    answerable and unanswerable gold paragraphs, and of relevance between gold and hard-negative ones."""
    em, f1, sentence_ok = [], [], []
    has, no, rel_pos, rel_neg = [], [], [], []
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
        em.append(max(normalize_answer(predicted) == normalize_answer(a) for a, _ in ex.answers))
        f1.append(max(f1_score(predicted, a) for a, _ in ex.answers))
        scores = [s.score if s else -np.inf for s in reading.sentences]
        best = spans[int(np.argmax(scores))] if scores else (0, 0)
        sentence_ok.append(any(best[0] <= start < best[1] for _, start in ex.answers))
    return {"answerable": len(has), "unanswerable": len(no), "exact_match": float(np.mean(em)) if em else float("nan"),
            "f1": float(np.mean(f1)) if f1 else float("nan"),
            "sentence_accuracy": float(np.mean(sentence_ok)) if sentence_ok else float("nan"),
            "no_answer_auc": auc(has, no), "relevance_auc": auc(rel_pos, rel_neg)}
