"""The int8 roofline of this CPU: what onnxruntime's plain int8 GEMM does, and what it allows a model.

    python benchmarks/roofline.py                 (prints the table)

A graph of one MatMulInteger (uint8 activations x int8 weights, int32 out: the op dynamic
quantisation gives every MatMul of the embedding model) and one of QLinearMatMul (the same with
requantised uint8 output: the op static quantisation gives) are run on the shapes of MiniLM's
layers by a single-threaded session, timed in CPU-seconds of its thread (so the figures hold on
a machine shared with other work). The best rate of the model's mix of shapes is the roofline
of one core: no graph of these MatMuls embeds more than ``GOPS / int8 ops per token`` tokens per
core-second, or that times the cores per second (a build runs one single-threaded session per core).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

HIDDEN, INTERMEDIATE, LAYERS = 384, 1536, 6  # all-MiniLM-L6-v2
# each layer's quantised MatMuls, as (K, N): query, key, value, attention output, FFN in, FFN out
LAYER_SHAPES = [(HIDDEN, HIDDEN)] * 4 + [(HIDDEN, INTERMEDIATE), (INTERMEDIATE, HIDDEN)]


def int8_ops_per_token(layers: int = LAYERS, shapes: list[tuple[int, int]] = LAYER_SHAPES) -> int:
    """Multiply-adds of the quantised MatMuls per token, counted as 2 ops each (attention scores are fp32)."""
    return layers * sum(2 * k * n for k, n in shapes)


def _gemm_model(op: str, k: int, n: int, seed: int = 0):
    """An ONNX model of one int8 GEMM: ``op`` is "MatMulInteger" or "QLinearMatMul"; input A is [M, K] uint8."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    w = numpy_helper.from_array(rng.integers(-127, 128, (k, n), dtype=np.int8), "w")
    inits = [w, numpy_helper.from_array(np.array(128, np.uint8), "a_zp"), numpy_helper.from_array(np.array(0, np.int8), "w_zp")]
    if op == "MatMulInteger":
        node = helper.make_node("MatMulInteger", ["a", "w", "a_zp", "w_zp"], ["y"])
        out_type = TensorProto.INT32
    else:
        inits += [numpy_helper.from_array(np.array(s, np.float32), name) for name, s in
                  (("a_scale", 0.02), ("w_scale", 0.01), ("y_scale", 0.5))]
        inits += [numpy_helper.from_array(np.array(128, np.uint8), "y_zp")]
        node = helper.make_node("QLinearMatMul", ["a", "a_scale", "a_zp", "w", "w_scale", "w_zp", "y_scale", "y_zp"], ["y"])
        out_type = TensorProto.UINT8
    graph = helper.make_graph([node], "gemm", [helper.make_tensor_value_info("a", TensorProto.UINT8, ["M", k])],
                              [helper.make_tensor_value_info("y", out_type, ["M", n])], inits)
    # IR version 8 (opset 17's): a newer onnx package writes a newer one by default, which an older
    # onnxruntime (pyproject.toml caps it) refuses to load
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString()


def _session(model: bytes, threads: int):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 3
    return ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])


@dataclass
class GemmRate:
    op: str
    m: int
    k: int
    n: int
    gops: float  # int8 ops (2 per multiply-add) per CPU-second of one core, in billions


def measure_gemm(op: str, m: int, k: int, n: int, repeats: int = 5, seconds: float = 0.2) -> GemmRate:
    """The rate of one single-threaded session running [m, k] x [k, n]: the best of ``repeats`` bursts.

    Timed by the CPU time of the thread that runs it (a single-threaded session computes in the
    caller's thread), so time the scheduler gives to other processes does not count; the best
    burst is the one least disturbed by them (caches shared with other work).
    """
    model = _gemm_model(op, k, n)
    session = _session(model, 1)
    a = np.random.default_rng(1).integers(0, 256, (m, k), dtype=np.uint8)
    session.run(None, {"a": a})  # warm-up
    best = 0.0
    for _ in range(repeats):
        runs, c0 = 0, time.thread_time()
        while time.thread_time() - c0 < seconds:
            session.run(None, {"a": a})
            runs += 1
        best = max(best, 2 * m * k * n * runs / (time.thread_time() - c0) / 1e9)
    return GemmRate(op, m, k, n, best)


def roofline(repeats: int = 5, tokens: tuple[int, ...] = (64, 256, 2048)) -> list[GemmRate]:
    """Every (op, rows, layer shape) measured; rows are tokens per run (a short text, a passage, a batch)."""
    return [measure_gemm(op, m, k, n, repeats) for op in ("MatMulInteger", "QLinearMatMul") for m in tokens
            for k, n in sorted(set(LAYER_SHAPES))]


def peak(rates: list[GemmRate]) -> GemmRate:
    """The roofline of one core: the best rate of the model's own mix of shapes, for the best op and rows.

    Per (op, rows), the model's MatMuls take the time their ops take at each shape's rate; the
    mix's rate is its ops over that time.
    """
    groups: dict[tuple, dict] = {}
    for r in rates:
        groups.setdefault((r.op, r.m), {})[(r.k, r.n)] = r.gops
    best = None
    for (op, m), by_shape in groups.items():
        ops = [2 * k * n for k, n in LAYER_SHAPES]
        mix = GemmRate(op, m, 0, 0, sum(ops) / sum(o / by_shape[s] for o, s in zip(ops, LAYER_SHAPES)))
        best = mix if best is None or mix.gops > best.gops else best
    return best


def tokens_per_core_second(rate: GemmRate) -> float:
    """The most tokens one core can embed in a second at ``rate``: no graph of these MatMuls does better."""
    return rate.gops * 1e9 / int8_ops_per_token()


def main() -> None:
    rates = roofline()
    print("| op | rows | K x N | GOPS per core |\n|---|---|---|---|")
    for r in rates:
        print(f"| {r.op} | {r.m} | {r.k} x {r.n} | {r.gops:.0f} |")
    p = peak(rates)
    cores = os.cpu_count() or 1
    print(f"\nroofline: {p.gops:.0f} GOPS per core ({p.op}, {p.m} rows) = {tokens_per_core_second(p):,.0f} tokens per "
          f"core-second, {cores * tokens_per_core_second(p):,.0f} tokens/s on {cores} cores, at "
          f"{int8_ops_per_token() / 1e6:.1f} M int8 ops per token")


if __name__ == "__main__":
    main()
