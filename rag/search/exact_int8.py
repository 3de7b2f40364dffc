"""int8 graphs computed exactly on every CPU.

A dynamically quantised graph multiplies unsigned activations by signed int8 weights
(MatMulInteger). With an int8 dot-product instruction (VNNI, AMX, Arm's dotprod) onnxruntime sums
those products exactly; on AVX2 alone its u8 x s8 kernel adds pairs of products in 16 bits, which
saturate, and the bundled reader's logits move by up to 1.05 (docs/TUNING.md, "The runtime the
models were measured with"). The same weights stored unsigned (w + 128, zero point + 128) give the
same integer products, and onnxruntime's u8 x u8 kernel on AVX2 does not saturate: so on such a
CPU the graph is rewritten that way when it is loaded (the reader, in memory), or once, beside the
graph, for a graph in the cache (the embedding: ``exact_int8_file``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .onnx_embedding import int8_kernels

__all__ = ["exact_int8", "exact_int8_file"]


def exact_int8(path: Path, kernels: str | None = None) -> str | bytes:
    """The graph at ``path`` for onnxruntime's InferenceSession: its path where int8 is exact on this CPU
    (``kernels``: rag.search.onnx_embedding ``int8_kernels``), else the serialised graph with every
    MatMulInteger's signed weights and their zero points made unsigned."""
    if (kernels or int8_kernels()) != "avx2":
        return str(path)
    import onnx
    from onnx import numpy_helper

    model = onnx.load(str(path))
    inits = {i.name: i for i in model.graph.initializer}
    done: set[str] = set()
    for node in model.graph.node:
        if node.op_type != "MatMulInteger" or node.input[1] not in inits:
            continue
        weight = node.input[1]
        if inits[weight].data_type != onnx.TensorProto.INT8:
            continue
        if len(node.input) < 4 or not node.input[3]:  # no zero point: 0, which becomes 128
            zero = f"{weight}_exact_zero_point"
            model.graph.initializer.append(numpy_helper.from_array(np.array(0, np.int8), zero))
            inits[zero] = model.graph.initializer[-1]
            while len(node.input) < 4:
                node.input.append("")  # the activations' zero point stays as it is (none: 0)
            node.input[3] = zero
        for name in (weight, node.input[3]):
            if name not in done:
                unsigned = (numpy_helper.to_array(inits[name]).astype(np.int16) + 128).astype(np.uint8)
                inits[name].CopyFrom(numpy_helper.from_array(unsigned, name))
                done.add(name)
    return model.SerializeToString()


def exact_int8_file(path: Path, kernels: str | None = None, out: Path | None = None) -> Path:
    """``path`` where int8 is exact on this CPU, else its exact rewrite written once to ``out`` (default: beside
    it, ``<stem>.exact.onnx``; written to a temporary file and renamed, so a killed start leaves none). Later calls
    load the file written: the rewrite needs the onnx package, whose import is the slowest part of loading."""
    path = Path(path)
    if (kernels or int8_kernels()) != "avx2":
        return path
    out = out or path.with_name(f"{path.stem}.exact.onnx")
    if not out.exists():
        graph = exact_int8(path, kernels="avx2")
        assert isinstance(graph, bytes)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
        try:
            tmp.write_bytes(graph)
            os.replace(tmp, out)
        finally:
            tmp.unlink(missing_ok=True)
    return out
