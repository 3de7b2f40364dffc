"""The learned models the extractive engine decides with: a sentence ranker and an answer-or-refuse
classifier, gradient-boosted trees (LightGBM) trained by rag/train/decision.py and shipped as ONNX
graphs in rag/decision_model/ (see its MODEL_CARD.md). They run with onnxruntime, which the
embeddings and the reader use already.

``decision.json`` names each model's features in order; a folder whose features do not match
what this version computes is refused with a message, so a stale model never scores shifted
columns.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import onnxruntime

BUNDLED = Path(__file__).parents[1] / "decision_model"


class ModelError(Exception):
    """A decision model folder that cannot be used; the message names the folder and what is wrong."""


@dataclass
class TreeModel:
    """One ONNX tree ensemble and the names of its input features, in order."""

    session: onnxruntime.InferenceSession
    features: tuple[str, ...]
    output: int  # which output holds the score: 0 for a regressor (the ranker), 1 (probabilities) for a classifier

    def score(self, rows: np.ndarray) -> np.ndarray:
        """One score per row: the ranker's raw score, or the classifier's probability of the positive class."""
        out = self.session.run(None, {"x": np.asarray(rows, dtype=np.float32).reshape(-1, len(self.features))})[
            self.output
        ]
        return np.asarray(out)[:, -1] if out.ndim == 2 else np.asarray(out).ravel()


@dataclass
class DecisionModels:
    """The ranker and the decision, and what their card says of them."""

    ranker: TreeModel | None
    decision: TreeModel | None  # None while the ranker is trained first (rag/train/decision.py)
    meta: dict
    folder: Path | None


def _session(path: Path) -> onnxruntime.InferenceSession:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def load_folder(folder: Path, rank_features: tuple[str, ...], decision_features: tuple[str, ...]) -> DecisionModels:
    """The models of ``folder``; ModelError when a file is missing or damaged or the features differ."""
    try:
        meta = json.loads((folder / "decision.json").read_text(encoding="utf-8"))
        ranker = TreeModel(_session(folder / "ranker.onnx"), tuple(meta["ranker"]["features"]), 0)
        decision = TreeModel(_session(folder / "decision.onnx"), tuple(meta["decision"]["features"]), 1)
    except Exception as exc:  # json, KeyError and onnxruntime's own errors: a damaged or partial folder
        raise ModelError(f"cannot load the decision models in {folder}: {type(exc).__name__}: {exc}") from exc
    for name, model, expected in (("ranker", ranker, rank_features), ("decision", decision, decision_features)):
        if model.features != expected:
            raise ModelError(
                f"the {name} in {folder} was trained on other features than this version computes: "
                f"retrain it with `rag train-decision`"
            )
    return DecisionModels(ranker, decision, meta, folder)


_LOADED: dict[str, DecisionModels] = {}
_LOCK = threading.Lock()


def load_models(
    setting: str, rank_features: tuple[str, ...], decision_features: tuple[str, ...]
) -> DecisionModels | None:
    """The models the ``decision_model`` setting names ("bundled", "off" or a folder), loaded once per process."""
    if setting == "off":
        return None
    folder = BUNDLED if setting == "bundled" else Path(setting).expanduser()
    if not (folder / "decision.json").is_file():
        where = "the bundled decision model" if setting == "bundled" else f"decision model folder {folder}"
        raise ModelError(
            f'{where} has no decision.json (train one with `rag train-decision`, or set decision_model = "off")'
        )
    key = str(folder.resolve())
    with _LOCK:
        if key not in _LOADED:
            _LOADED[key] = load_folder(folder, rank_features, decision_features)
        return _LOADED[key]
