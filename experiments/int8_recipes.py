"""Which int8 graph, if any, should this CPU embed with? Dense SciFact nDCG@10 and speed per recipe.

    python experiments/int8_recipes.py ../shared/eval/scifact-beir.tar.gz

Quantises the cached fp32 export of the model with each recipe below (next to it, once), embeds
every SciFact passage (split and titled as a build does) with each graph, one single-threaded
session per core as a build runs them, and judges dense retrieval on the 300 test queries as
`rag eval` does. The default backend is the fastest graph within 0.005 nDCG@10 of fp32
(docs/TUNING.md, "int8 without VNNI"). int8 vectors depend on the CPU's kernels, so the table
names the CPU. Writes its table into docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from common import write_section
from corpora import document_figures

from rag.eval.beir import load_beir
from rag.ingest.passages import split_documents
from rag.search import onnx_embedding as oe
from rag.search.embedding import resolve_model
from rag.settings import Settings
from rag.store.documents import passage_text_for_search

DEPTH = 400  # passages ranked per query: enough documents for recall@100
# name -> (quantisation config, or None for fp32; one text per run)
RECIPES = {
    "fp32": (None, False),
    "int8, the product's recipe (signed per-channel weights), one text per run": (dict(oe.INT8_CONFIG), True),
    "int8, the same in batches of 32": (dict(oe.INT8_CONFIG), False),
    "int8, reduce_range (7-bit weights: no saturation)": ({**oe.INT8_CONFIG, "reduce_range": True}, True),
    "int8, unsigned weights": ({**oe.INT8_CONFIG, "weight_type": "QUInt8",
                                "extra_options": {"WeightSymmetric": False, "ActivationSymmetric": False,
                                                  "MatMulConstBOnly": True}}, True),
}


def dense_rankings(queries: np.ndarray, passages: np.ndarray, qids: list[str]) -> dict[str, list[tuple[int, float]]]:
    """Query id -> its DEPTH best passages by cosine, best first."""
    sims = queries @ passages.T
    return {q: [(int(j), float(row[j])) for j in np.argsort(-row)[:DEPTH]] for row, q in zip(sims, qids)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tarball", help="SciFact in BEIR's format (a .tar.gz)")
    args = ap.parse_args()
    settings = Settings()
    docs, queries, qrels, id_map = load_beir(Path(args.tarball))
    by_id = {d.doc_id: d for d in docs}
    passages = split_documents(docs, settings.max_passage_words)
    texts = [passage_text_for_search(p, by_id[p.doc_id], settings) for p in passages]
    model_dir = oe.local_model_dir(resolve_model(settings.embed_model))
    export = oe.export_dir_for(model_dir)
    if not (export / "meta.json").exists():
        oe.export(model_dir, export)
    qids = list(queries)
    lines = ["| graph | embedding | nDCG@10 | recall@100 |", "|---|---|---|---|"]
    for i, (name, (cfg, one_per_run)) in enumerate(RECIPES.items()):
        graph = "model.onnx" if cfg is None else oe.quantize(export, cfg, out_name=f"model.recipe{i}.onnx").name
        enc = oe.OnnxEncoder(export, graph=graph)
        enc.one_per_run = one_per_run
        t = time.perf_counter()
        vectors = enc.encode(texts)
        seconds = time.perf_counter() - t
        ranked = dense_rankings(enc.encode([queries[q] for q in qids]), vectors, qids)
        ndcg, recall = document_figures(ranked, passages, id_map, qrels)
        lines.append(f"| {name} | {seconds:.0f} s | {ndcg:.4f} | {recall:.4f} |")
        print(lines[-1], flush=True)
    lines += ["", f"{oe.describe_cpu()}; int8 kernels: {oe.int8_kernels()}. {len(texts):,} passages, {len(qids)} test "
              "queries. Produced by `python experiments/int8_recipes.py SCIFACT.tar.gz`."]
    write_section("int8_recipes", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
