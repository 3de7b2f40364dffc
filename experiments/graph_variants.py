"""Other int8 graphs of the cached export, for experiments/int8_levers.py: fused by onnxruntime's
transformer optimizer before quantising, and statically quantised (QDQ) with calibration.

Each is written once next to the export (``model.<variant>.onnx``) and returned by file name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from rag.search import onnx_embedding as oe

HEADS, HIDDEN = 12, 384  # all-MiniLM-L6-v2


def _dynamic(config_extra: dict | None = None, **changes) -> dict:
    """The product's dynamic int8 recipe, for a graph whose fused ops shape inference cannot type."""
    import onnx

    extra = {**oe.INT8_CONFIG["extra_options"], "DefaultTensorType": onnx.TensorProto.FLOAT, **(config_extra or {})}
    return {**oe.INT8_CONFIG, "extra_options": extra, **changes}


def fused(export_dir: Path, attention: bool, qattention: bool = False) -> str:
    """The fp32 export through onnxruntime's BERT optimizer (LayerNorm, GELU, skip and bias fusions; ``attention``
    fuses self-attention into one op too), then the product's dynamic int8 recipe (``qattention``: the
    fused attention quantised as well, as QAttention)."""
    from onnxruntime.transformers import optimizer
    from onnxruntime.transformers.fusion_options import FusionOptions

    name = f"model.fused{'-attn' if attention else ''}.onnx"
    if not (export_dir / name).exists():
        options = FusionOptions("bert")
        options.enable_attention = attention
        model = optimizer.optimize_model(str(export_dir / "model.onnx"), model_type="bert", num_heads=HEADS,
                                         hidden_size=HIDDEN, optimization_options=options, opt_level=0, use_gpu=False)
        model.save_model_to_file(str(export_dir / name))
    ops = ["MatMul", "Attention"] if qattention else ["MatMul"]
    out = name.replace(".onnx", f".{'qattn.' if qattention else ''}int8.onnx")
    return oe.quantize(export_dir, _dynamic(op_types_to_quantize=ops), out_name=out, source=name).name


class _Calibration:
    """Calibration feeds: SciFact passages not in the measured sample, one text per feed."""

    def __init__(self, export_dir: Path, texts: list[str], length: int = 128):
        enc = oe.OnnxEncoder(export_dir, graph="model.onnx")
        self.feeds = []
        for e in enc.tokenizer.encode_batch(texts):  # one shape for all: Percentile calibration stacks them
            n = min(len(e.ids), length)
            ids = np.full((1, length), enc.pad_id, dtype=np.int64)
            ids[0, :n] = e.ids[:n]
            mask = (np.arange(length) < n).astype(np.int64)[None]
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            self.feeds.append({k: feed[k] for k in enc.inputs})
        self._it = iter(self.feeds)

    def get_next(self):
        return next(self._it, None)


def calibration_texts(n: int = 32) -> list[str]:
    """Passages of SciFact abstracts 2000 on (the levers measure the first ones)."""
    from common import ROOT

    from rag.eval.beir import load_beir
    from rag.settings import Settings

    docs = load_beir(ROOT.parent / "shared" / "eval" / "scifact-beir.tar.gz")[0][2000 : 2000 + n]
    return [f"{d.title}\n{' '.join(d.text.split()[:150])}" for d in docs if Settings().title_in_passages]


def static_qdq(export_dir: Path, method: str) -> str:
    """Static int8 in QDQ form (uint8 activations, int8 per-channel weights, MatMul only), calibrated by ``method``."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    out = export_dir / f"model.static-{method.lower()}.int8.onnx"
    if not out.exists():
        quantize_static(str(export_dir / "model.onnx"), str(out), _Calibration(export_dir, calibration_texts()),
                        quant_format=QuantFormat.QDQ, op_types_to_quantize=["MatMul"], per_channel=True,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                        calibrate_method=getattr(CalibrationMethod, method),
                        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False, "MatMulConstBOnly": True})
    return out.name
