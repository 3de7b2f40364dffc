"""Embedding against the int8 roofline: each lever on the int8 graph, one at a time, the variants taking turns.

    python experiments/int8_levers.py ../shared/eval/scifact-beir.tar.gz [--docs 100] [--rounds 3] [--levers ...]

The roofline is benchmarks/roofline.py's (plain MatMulInteger / QLinearMatMul on the model's
shapes, per core). Each lever's variants embed the same SciFact passages (the first DOCS
abstracts, split and titled as a build does) in turn, ROUNDS times; the tables give the median
CPU-seconds the process used (every session's threads: hardly changed by other work on a shared
machine, unlike wall time, which is given too) and tokens per CPU-second against the roofline. Every variant's vectors are compared with the fp32 graph's (cosine) and with
its own vectors of the first round and of each text embedded alone ("same vectors": the
embedding cache needs a text's vector to depend on that text only). A variant that ships is
judged on all of SciFact by benchmarks/bench_scale.py (dense nDCG@10 against torch fp32).
Writes one table per lever into docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from common import write_section

from benchmarks import roofline
from rag.search import onnx_embedding as oe
from rag.search.embedding import resolve_model
from rag.settings import Settings


@dataclass
class Variant:
    """One way of running the int8 graph: what to run, and on what."""

    name: str
    make: Callable[[], Callable[[list[str]], np.ndarray]]  # returns encode(texts) -> vectors
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    vectors: np.ndarray | None = None
    same: bool | None = None


def export_dir() -> Path:
    model_dir = oe.local_model_dir(resolve_model(Settings().embed_model))
    out = oe.export_dir_for(model_dir)
    if not (out / "meta.json").exists():
        oe.export(model_dir, out)
    oe.quantize(out)
    return out


def encoder(graph: str, **kw) -> Callable[[], Callable[[list[str]], np.ndarray]]:
    """A variant's maker: an OnnxEncoder of ``graph`` in the cached export; ``batch`` texts per run (1: the product)."""
    batch = kw.pop("batch", 1)

    def make():
        enc = oe.OnnxEncoder(export_dir(), graph=graph, **kw)
        enc.one_per_run = batch == 1
        return lambda texts: enc.encode(texts, batch_size=batch)
    return make


def take_turns(variants: list[Variant], texts: list[str], rounds: int) -> None:
    """Each variant embeds ``texts`` once per round, in turn; wall and process CPU seconds recorded."""
    runners = {v.name: v.make() for v in variants}
    for v in variants:
        runners[v.name](texts[:4])  # warm-up: sessions made, first runs done
    for r in range(rounds):
        for v in variants:
            c0, t0 = time.process_time(), time.perf_counter()
            out = runners[v.name](texts)
            v.walls.append(time.perf_counter() - t0)
            v.cpus.append(time.process_time() - c0)
            if v.vectors is None:
                v.vectors = out
            else:
                v.same = bool(np.array_equal(out, v.vectors)) and v.same is not False
        print(f"round {r + 1}: " + ", ".join(f"{v.name} {v.walls[-1]:.1f} s" for v in variants), flush=True)
    for v in variants:  # a text's vector alone against in the bulk run
        alone = np.stack([runners[v.name]([t])[0] for t in texts[:24]])
        v.same = bool(v.same is not False and np.array_equal(alone, v.vectors[:24]))


def table(variants: list[Variant], tokens: int, ref: np.ndarray, per_core: float) -> list[str]:
    """Tokens per CPU-second (all the process's threads) against the roofline of one core, and the wall time."""
    base = float(np.median(variants[0].cpus))
    lines = ["| variant | CPU-seconds (median) | tokens per CPU-second | share of the roofline | × the product | "
             "wall (median) | cosine to fp32 (mean / min) | same vectors |", "|---|---|---|---|---|---|---|---|"]
    for v in variants:
        wall, cpu = float(np.median(v.walls)), float(np.median(v.cpus))
        cos = (v.vectors * ref).sum(1)
        lines.append(f"| {v.name} | {cpu:.2f} | {tokens / cpu:,.0f} | {tokens / cpu / per_core:.0%} | {base / cpu:.2f}× | "
                     f"{wall:.2f} s | {cos.mean():.4f} / {cos.min():.4f} | {'yes' if v.same else 'no'} |")
    return lines


def sample(tarball: Path, n_docs: int) -> tuple[list[str], int]:
    from rag.eval.beir import load_beir
    from rag.ingest.passages import split_documents
    from rag.store.documents import passage_text_for_search

    settings = Settings()
    docs = load_beir(tarball)[0][:n_docs]
    SAMPLE_DOCS[:] = docs
    by_id = {d.doc_id: d for d in docs}
    texts = [passage_text_for_search(p, by_id[p.doc_id], settings) for p in split_documents(docs, settings.max_passage_words)]
    enc = oe.OnnxEncoder(export_dir())
    return texts, sum(len(e.ids) for e in enc.tokenizer.encode_batch(texts))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tarball")
    ap.add_argument("--docs", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--levers", default="roofline,steps,fusion,static,sessions,batches,overlap")
    args = ap.parse_args()
    texts, tokens = sample(Path(args.tarball), args.docs)
    # the fp32 graph's vectors, for the cosine column (the overlap lever compares builds: the product's int8 graph)
    graph = "model.int8.onnx" if args.levers == "overlap" else "model.onnx"
    ref = oe.OnnxEncoder(export_dir(), graph=graph).encode(texts) if set(args.levers.split(",")) - {"roofline", "steps"} else None
    rates = roofline.roofline()
    top = roofline.peak(rates)
    per_core = roofline.tokens_per_core_second(top)
    head = (f"{oe.describe_cpu()}; {len(texts)} passages of the first {args.docs} SciFact abstracts, {tokens:,} tokens; "
            f"{args.rounds} rounds taking turns. Timed in CPU-seconds of the whole process (every session's threads), "
            "which other work on a shared machine hardly changes; wall time beside it. Roofline of one core: "
            f"{top.gops:.0f} GOPS ({top.op}, {top.m} rows) = {per_core:,.0f} tokens per core-second.")
    for lever in args.levers.split(","):
        if lever == "roofline":
            write_section("int8_roofline", roofline_table(rates, top, per_core))
            continue
        if lever == "steps":
            write_section("int8_steps", steps_table(per_core))
            continue
        variants = LEVERS[lever]()
        take_turns(variants, texts, args.rounds)
        text = "\n".join([head, "", *table(variants, tokens, ref, per_core), "",
                          f"Produced by `python experiments/int8_levers.py SCIFACT.tar.gz --levers {lever}`."])
        print(text, flush=True)
        write_section(f"int8_{lever}", text)


def roofline_table(rates, top, per_core: float) -> str:
    cores = os.cpu_count() or 1
    lines = [f"{oe.describe_cpu()}. One single-threaded session per GEMM, timed in CPU-seconds of its thread, the best "
             "of five 0.2-second bursts; ops count a multiply-add as 2.", "",
             "| op | rows | K × N | GOPS per core |", "|---|---|---|---|"]
    lines += [f"| {r.op} | {r.m} | {r.k} × {r.n} | {r.gops:.0f} |" for r in rates]
    lines += ["", f"The model's mix of MatMuls at the best op and rows: **{top.gops:.0f} GOPS per core** ({top.op}, "
              f"{top.m} rows), i.e. **{per_core:,.0f} tokens per core-second** ({cores * per_core:,.0f} tokens/s on "
              f"{cores} cores) at {roofline.int8_ops_per_token() / 1e6:.1f} M int8 ops per token. Produced by "
              "`python experiments/int8_levers.py SCIFACT.tar.gz --levers roofline` (or `python benchmarks/roofline.py`)."]
    return "\n".join(lines)


def fusion() -> list[Variant]:
    import graph_variants as gv

    d = export_dir()
    return [Variant("the product's graph (eager export, dynamic int8 MatMul)", encoder("model.int8.onnx")),
            Variant("optimizer: LayerNorm, GELU fused; then dynamic int8", encoder(gv.fused(d, attention=False))),
            Variant("optimizer: attention fused too, int8 MatMul (Attention op fp32)", encoder(gv.fused(d, attention=True, qattention=False))),
            Variant("optimizer: attention fused, int8 QAttention", encoder(gv.fused(d, attention=True, qattention=True)))]


def static() -> list[Variant]:
    import graph_variants as gv

    d = export_dir()
    return [Variant("dynamic int8 MatMulInteger (the product's)", encoder("model.int8.onnx")),
            Variant("static QDQ u8s8, MinMax calibration", encoder(gv.static_qdq(d, "MinMax"))),
            Variant("static QDQ u8s8, Percentile calibration", encoder(gv.static_qdq(d, "Percentile")))]


def sessions() -> list[Variant]:
    cores = os.cpu_count() or 1
    return [Variant(f"{cores} sessions × 1 thread, no spinning (the product's)", encoder("model.int8.onnx")),
            Variant(f"{cores} sessions × 1 thread, spinning", encoder("model.int8.onnx", spinning=True)),
            Variant(f"1 session × {cores} threads, no spinning", encoder("model.int8.onnx", sessions=1, threads=cores)),
            Variant(f"1 session × {cores} threads, spinning", encoder("model.int8.onnx", sessions=1, threads=cores, spinning=True)),
            Variant(f"{cores} sessions × {cores} threads, no spinning", encoder("model.int8.onnx", session_threads=cores))]


def batches() -> list[Variant]:
    return [Variant("one text per run (the product's)", encoder("model.int8.onnx"))] + [
        Variant(f"batches of {b} by length, padded to the longest", encoder("model.int8.onnx", batch=b)) for b in (4, 16)]


def overlap() -> list[Variant]:
    """Whole in-process builds of the sample's abstracts (passages, pooled sentence vectors, BM25), with the
    writer reading and splitting the next window while one embeds, and without; the passage vectors out."""
    import tempfile

    from rag.ingest import build
    from rag.search.embedding import Embedder

    docs = SAMPLE_DOCS
    embedder = Embedder(Settings().embed_model)
    work = Path(tempfile.mkdtemp(prefix="overlap-"))

    def builder(background: bool):
        def make():
            def run(texts: list[str]) -> np.ndarray:
                if len(texts) < len(docs):  # the warm-up and the one-text checks: embed them as they are
                    return embedder.encode(texts)
                build.OVERLAP = background
                settings = Settings(index_dir=work / str(background))
                report = build.write_index(docs, [], settings, embedder=embedder, show_progress=False)
                build.OVERLAP = True
                return np.load(report.path / "passage_vectors.npy")
            return run
        return make

    return [Variant("embedding overlaps reading and splitting (the product's)", builder(True)),
            Variant("one after the other", builder(False))]


INT8_GEMM_OPS = {"DynamicQuantizeMatMul", "MatMulIntegerToFloat", "MatMulInteger", "QAttention"}


def steps_table(per_core: float, tokens: int = 200, runs: int = 30) -> str:
    """Where a run of the product's graph goes, op by op: onnxruntime's profile of one single-threaded
    session embedding a ``tokens``-token passage ``runs`` times."""
    import collections
    import json
    import tempfile

    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads, opts.log_severity_level = 1, 3
    opts.enable_profiling, opts.profile_file_prefix = True, str(Path(tempfile.mkdtemp()) / "steps")
    session = ort.InferenceSession(str(export_dir() / "model.int8.onnx"), opts, providers=["CPUExecutionProvider"])
    feed = {"input_ids": np.full((1, tokens), 2000, np.int64), "attention_mask": np.ones((1, tokens), np.int64),
            "token_type_ids": np.zeros((1, tokens), np.int64)}
    feed = {i.name: feed[i.name] for i in session.get_inputs()}
    for _ in range(runs):
        session.run(["embedding"], feed)
    events = json.loads(Path(session.end_profiling()).read_text())
    # each node's fastest of the runs: the profile's times are wall-clock, and on a shared machine a run is
    # now and then preempted; the fastest is the node's own cost
    fastest: dict[str, tuple[str, float]] = {}
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            op, ms = e["args"]["op_name"], e["dur"] / 1000
            fastest[e["name"]] = (op, min(ms, fastest.get(e["name"], (op, ms))[1]))
    by_op, count = collections.Counter(), collections.Counter()
    for op, ms in fastest.values():
        by_op[op] += ms
        count[op] += runs  # one node of this op (the table divides by runs)
    total = sum(by_op.values())
    gemm = sum(ms for op, ms in by_op.items() if op in INT8_GEMM_OPS)
    lines = [f"{oe.describe_cpu()}. onnxruntime's profile of the product's int8 graph (after its own graph "
             f"optimisations), one single-threaded session, a passage of {tokens} tokens, {runs} runs; each node's time is "
             "its fastest of the runs (the profile's times are wall-clock, and a run on a shared machine is now and then "
             "preempted).", "",
             "| step (op) | nodes | ms per run | share |", "|---|---|---|---|"]
    for op, ms in by_op.most_common():
        if ms / total >= 0.005:
            lines.append(f"| {op} | {count[op] // runs} | {ms:.2f} | {ms / total:.1%} |")
    ideal = tokens / per_core * 1000  # ms for the int8 GEMMs at the roofline
    lines += ["", f"All steps: {total:.1f} ms per run = {tokens / total * 1000:,.0f} tokens per core-second, "
              f"{tokens / total * 1000 / per_core:.0%} of the roofline ({per_core:,.0f}). The int8 GEMMs "
              f"(DynamicQuantizeMatMul, MatMulIntegerToFloat: each quantises its input, multiplies, rescales) take "
              f"{gemm:.1f} ms, {gemm / total:.0%} of the run; at the roofline they would take {ideal:.1f} ms. "
              "Produced by `python experiments/int8_levers.py SCIFACT.tar.gz --levers steps`."]
    return "\n".join(lines)


LEVERS = {"fusion": fusion, "static": static, "sessions": sessions, "batches": batches, "overlap": overlap}
SAMPLE_DOCS: list = []  # the sample's documents, for the overlap lever

if __name__ == "__main__":
    main()
