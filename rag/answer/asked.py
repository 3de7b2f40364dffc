"""One question on its way through the answer stages: what each stage found, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..search.retrieval import Evidence, Hit
from .analysis import QuestionAnalysis
from .rank import Candidate
from .read import ReaderVerdict, Readings


@dataclass(frozen=True)
class Asked:
    """The question (as asked, and as answered after follow-up resolution), its analysis, the retrieved
    passages and evidence sentences, the reader's readings and the ranked candidates."""

    question: str
    query: str
    analysis: QuestionAnalysis
    qvec: np.ndarray
    hits: list[Hit]
    evidence: list[Evidence]
    readings: Readings | None = None
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def verdict(self) -> ReaderVerdict | None:
        return self.readings.verdict if self.readings else None
