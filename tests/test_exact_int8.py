"""rag/search/exact_int8.py: an int8 graph's products are exact on a CPU without an int8 dot product."""

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from rag.search.exact_int8 import exact_int8, exact_int8_file


def _graph(path, weights: np.ndarray, zero_point: bool) -> None:
    inputs = ["a", "w", "", "w_zp"] if zero_point else ["a", "w"]
    inits = [numpy_helper.from_array(weights, "w")]
    if zero_point:
        inits.append(numpy_helper.from_array(np.zeros(weights.shape[1], np.int8), "w_zp"))
    node = helper.make_node("MatMulInteger", inputs, ["y"])
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info("a", TensorProto.UINT8, ["M", weights.shape[0]])],
                              [helper.make_tensor_value_info("y", TensorProto.INT32, ["M", weights.shape[1]])], inits)
    path.write_bytes(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8).SerializeToString())


def test_the_rewritten_graph_gives_the_exact_products(tmp_path):
    rng = np.random.default_rng(13)
    # large activations times large weights: on AVX2 the u8 x s8 kernel saturates the 16-bit sum of a pair
    weights = rng.choice(np.array([-128, -127, 127], np.int8), size=(64, 16))
    a = rng.choice(np.array([250, 255], np.uint8), size=(8, 64))
    exact = a.astype(np.int64) @ weights.astype(np.int64)
    for zero_point in (True, False):
        path = tmp_path / f"g{zero_point}.onnx"
        _graph(path, weights, zero_point)
        rewritten = exact_int8(path, kernels="avx2")
        assert isinstance(rewritten, bytes)
        out = ort.InferenceSession(rewritten, providers=["CPUExecutionProvider"]).run(None, {"a": a})[0]
        assert np.array_equal(out, exact)


def test_a_cpu_with_an_int8_dot_product_loads_the_graph_as_it_is(tmp_path):
    path = tmp_path / "g.onnx"
    _graph(path, np.ones((4, 4), np.int8), True)
    assert exact_int8(path, kernels="dot") == str(path)


def test_a_cached_graph_is_rewritten_once_beside_it(tmp_path):
    path = tmp_path / "model.int8.onnx"
    weights = np.full((4, 4), -100, np.int8)
    _graph(path, weights, True)
    assert exact_int8_file(path, kernels="dot") == path
    out = exact_int8_file(path, kernels="avx2")
    assert out == tmp_path / "model.int8.exact.onnx" and out.read_bytes() == exact_int8(path, kernels="avx2")
    written = out.stat().st_mtime_ns
    assert exact_int8_file(path, kernels="avx2") == out and out.stat().st_mtime_ns == written
    a = np.full((2, 4), 200, np.uint8)
    got = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"]).run(None, {"a": a})[0]
    assert np.array_equal(got, a.astype(np.int64) @ weights.astype(np.int64))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.int8.exact.onnx", "model.int8.onnx"]
