"""The reader's answerable head: a linear function of a window's [CLS] vector, its margin (best span
minus "no answer") and its relevance logit, trained with synthetic near-misses as negatives by
rag/train/reader_head.py. Its weights ship in the reader folder as ``answerable_head.json``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEAD_FILE = "answerable_head.json"


class HeadError(ValueError):
    """A head file that is missing, damaged, or made for another graph; the message says which."""


@dataclass(frozen=True)
class AnswerableHead:
    """logit = cls . weights + margin_weight * margin + relevance_weight * relevance + bias."""

    weights: np.ndarray
    margin_weight: float
    relevance_weight: float
    bias: float

    def logit(self, cls: np.ndarray, margin: float, relevance: float) -> float:
        """The head's logit for one window: above 0 it takes the window to answer the question."""
        return float(
            np.dot(cls.astype(np.float64), self.weights)
            + self.margin_weight * margin
            + self.relevance_weight * relevance
            + self.bias
        )


def load_head(folder: Path, fingerprint: str, hidden: int) -> AnswerableHead:
    """The head of a reader folder, checked: its file parses, has ``hidden`` finite [CLS] weights, and
    was trained on the graph whose sha256 is ``fingerprint``."""
    path = Path(folder) / HEAD_FILE
    retrain = "(re-create it with `python -m rag.train.reader_head`, docs/READER.md)"
    if not path.is_file():
        raise HeadError(f"{path} is missing {retrain}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = np.asarray(data["cls"], dtype=np.float64)
        scalars = [float(data[k]) for k in ("margin", "relevance", "bias")]
        trained_on = str(data["training"]["graph_sha256"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise HeadError(f"{path} is damaged ({type(exc).__name__}: {exc}) {retrain}") from exc
    if weights.shape != (hidden,) or not np.isfinite(weights).all() or not all(map(math.isfinite, scalars)):
        raise HeadError(
            f"{path} is damaged: it needs {hidden} finite [CLS] weights and finite margin, relevance and bias {retrain}"
        )
    if trained_on != fingerprint:
        raise HeadError(f"{path} was trained on another model.onnx {retrain}")
    return AnswerableHead(weights, *scalars)
