"""How answers are scored: SQuAD's exact match and token F1, and a question's wh-class for per-type figures."""

from __future__ import annotations

import re
import string
from collections import Counter

import numpy as np

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCT = set(string.punctuation) | {"“", "”", "’", "‘", "–", "—"}


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCT)
    return " ".join(_ARTICLES.sub(" ", text).split())


def exact_match(prediction: str, gold: list[str]) -> float:
    """1.0 when the normalised prediction equals a normalised gold answer."""
    p = normalize_answer(prediction)
    return float(any(p == normalize_answer(g) for g in gold))


def token_f1(prediction: str, gold: list[str]) -> float:
    """The best token-overlap F1 of the prediction against the gold answers (SQuAD's F1)."""
    pred = normalize_answer(prediction).split()
    best = 0.0
    for g in gold:
        ref = normalize_answer(g).split()
        common = sum((Counter(pred) & Counter(ref)).values())
        if not pred or not ref:
            best = max(best, float(pred == ref))
        elif common:
            precision, recall = common / len(pred), common / len(ref)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


_WH_CLASSES = (
    ("how many", r"\bhow (many|much)\b"),
    ("how long", r"\bhow (long|old|far|often)\b"),
    ("when", r"\b(when|what (year|date|day|month|time|century|decade))\b"),
    ("where", r"\bwhere\b"),
    ("who", r"\b(who|whom|whose)\b"),
    ("why", r"\bwhy\b"),
    ("how", r"\bhow\b"),
    ("which", r"\bwhich\b"),
    ("what", r"\bwhat\b"),
)


def wh_class(question: str) -> str:
    """The question's class by its question words (the first class that matches), "other" for none.

    Independent of the engine's own analysis, so figures per class do not depend on what it got right.
    """
    q = question.lower()
    for name, pattern in _WH_CLASSES:
        if re.search(pattern, q):
            return name
    return "other"


def auc(positives, negatives) -> float:
    """Area under the ROC curve: the chance a random positive outscores a random negative (ties count half)."""
    if not len(positives) or not len(negatives):
        return float("nan")
    pos, neg = np.asarray(positives, dtype=float), np.sort(np.asarray(negatives, dtype=float))
    below = np.searchsorted(neg, pos, side="left")
    ties = np.searchsorted(neg, pos, side="right") - below
    return float((below + 0.5 * ties).sum() / (len(pos) * len(neg)))
