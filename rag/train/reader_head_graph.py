"""The reader graph's ``cls`` output for the answerable head: graph surgery that leaves the other outputs bit-identical."""

from __future__ import annotations

from pathlib import Path

from ..answer.reader import CLS_OUTPUT

BASE_OUTPUTS = ("start_logits", "end_logits", "relevance")


# -- the graph's [CLS] output ---------------------------------------------------------------
def cls_tensor(model) -> str:
    """The name of the [CLS] vector the relevance head reads: the first Gather above ``relevance``."""
    producer = {out: node for node in model.graph.node for out in node.output}
    queue, seen = ["relevance"], set()
    while queue:
        name = queue.pop(0)
        node = producer.get(name)
        if node is None or name in seen:
            continue
        seen.add(name)
        if node.op_type == "Gather":
            return node.output[0]
        queue += list(node.input)
    raise ValueError("no Gather of the [CLS] token above the relevance output")


def with_cls_output(model):
    """A copy of ``model`` with an extra output ``cls`` (batch x hidden): an Identity of :func:`cls_tensor`."""
    import onnx
    from onnx import TensorProto, helper

    out = onnx.ModelProto()
    out.CopyFrom(model)
    if CLS_OUTPUT in [o.name for o in out.graph.output]:
        return out
    source = cls_tensor(out)
    # the relevance head's weights are hidden x 1 (int8, transposed) or 1 x hidden (fp32)
    hidden = next(
        max(init.dims)
        for init in out.graph.initializer
        if init.name.startswith("relevance.weight") and len(init.dims) == 2
    )
    out.graph.node.append(helper.make_node("Identity", [source], [CLS_OUTPUT], name="cls_output"))
    out.graph.output.append(helper.make_tensor_value_info(CLS_OUTPUT, TensorProto.FLOAT, ["batch", int(hidden)]))
    onnx.checker.check_model(out)
    return out


def _session(model_bytes: bytes):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def same_outputs(before: bytes, after: bytes, feeds: list[dict]) -> bool:
    """Whether two graphs give bit-identical start, end and relevance outputs on every feed."""
    a, b = _session(before), _session(after)
    for feed in feeds:
        for x, y in zip(a.run(list(BASE_OUTPUTS), feed), b.run(list(BASE_OUTPUTS), feed)):
            if x.shape != y.shape or x.tobytes() != y.tobytes():
                return False
    return True


def add_cls_output(folder: Path, feeds: list[dict]) -> bool:
    """Give ``folder/model.onnx`` the ``cls`` output (unless it has it), after checking on ``feeds`` that the
    other outputs do not change; True when the file was rewritten."""
    import onnx

    path = Path(folder) / "model.onnx"
    model = onnx.load(str(path))
    if CLS_OUTPUT in [o.name for o in model.graph.output]:
        return False
    new = with_cls_output(model)
    if not same_outputs(model.SerializeToString(), new.SerializeToString(), feeds):
        raise RuntimeError(f"adding the cls output changed the other outputs of {path}")
    tmp = path.with_suffix(".onnx.tmp")
    onnx.save(new, str(tmp))
    tmp.replace(path)
    return True
