"""The decide stage: answer with the composition, or refuse.

One learned decision for every question type (rag/answer/models.py): the probability that the
sources answer the question, from the explicit features of rag/answer/features.py, against a
threshold chosen on tune data (``ScoringConfig.answer_min`` for the types the reader reads,
``answer_min_unread`` for the rest; docs/TUNING.md, "Answer or refuse").
No rule refuses beside it, except that a request which is not a question about the sources is
refused by the analysis, and a question with no evidence or nothing composed has nothing to say.
Without a decision model (``decision_model = "off"``) whatever is composed is answered.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..settings import ScoringConfig
from .compose.parts import Composition
from .features import decision_features, was_read
from .view import SourcesView


@dataclass(frozen=True)
class Decision:
    """Whether to answer; the model's probability that the sources answer (None without a model); its features."""

    answer: bool
    probability: float | None
    features: list[float]


def decide(q, composed: Composition | None, view: SourcesView, model, s: ScoringConfig) -> Decision:
    """Answer or refuse ``q`` (an Asked, its candidates ranked) with ``composed``; ``model`` the decision's TreeModel."""
    features = decision_features(q, composed, view)
    if composed is None or not composed.spans:
        return Decision(False, None, features)
    if model is None:
        return Decision(True, None, features)
    p = float(model.score([features])[0])
    return Decision(p >= (s.answer_min if was_read(features) else s.answer_min_unread), p, features)
