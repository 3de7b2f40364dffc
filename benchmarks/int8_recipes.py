"""Which int8 graph, if any, should this CPU embed with? Dense SciFact nDCG@10 and speed per recipe.

    rag eval --scifact SCIFACT.tar.gz --work-dir DIR      (keeps the SciFact index in DIR/scifact/index)
    python benchmarks/int8_recipes.py SCIFACT.tar.gz DIR/scifact/index

Quantises the cached fp32 export with each recipe below (next to it, once), embeds every
passage of the kept SciFact index with each graph (one single-threaded session per core, as a
build does), and prints the embedding time and dense nDCG@10 / recall@100 on the 300 test
queries. The default backend is the fastest graph within 0.005 nDCG@10 of fp32 (issue 5).
Quoted in docs/TUNING.md ("int8 without VNNI").
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag import onnx_embedding as oe  # noqa: E402
from rag.embedding import resolve_model  # noqa: E402
from rag.evaluate import doc_ranking, load_beir, ndcg_at, recall_at  # noqa: E402
from rag.index import load_index, passage_text_for_search  # noqa: E402
from rag.settings import Settings  # noqa: E402

# name -> (quantisation config or None for fp32, one text per run)
RECIPES = {
    "fp32": (None, False),
    "int8 (the product's recipe: signed per-channel weights)": (dict(oe.INT8_CONFIG), True),
    "int8, the same in batches of 32 (not used: a vector would depend on its batch-mates)": (dict(oe.INT8_CONFIG), False),
    "int8, reduce_range (7-bit weights: no AVX2 saturation)": ({**oe.INT8_CONFIG, "reduce_range": True}, True),
    "int8, unsigned weights": ({**oe.INT8_CONFIG, "weight_type": "QUInt8",
                                "extra_options": {"WeightSymmetric": False, "ActivationSymmetric": False,
                                                  "MatMulConstBOnly": True}}, True),
}


def main() -> int:
    docs, queries, qrels, id_map = load_beir(Path(sys.argv[1]))
    settings = Settings(index_dir=Path(sys.argv[2]))
    index = load_index(settings)
    texts = [passage_text_for_search(p, index.documents[p.doc_id], settings) for p in index.passages]
    model_dir = oe.local_model_dir(resolve_model(settings.embed_model))
    export = oe.export_dir_for(model_dir)
    if not (export / "meta.json").exists():
        oe.export(model_dir, export)
    qids = list(queries)
    print(f"{oe.describe_cpu()}; int8 kernels: {oe.int8_kernels()}; {len(texts)} passages, {len(qids)} queries")
    print("| graph | embedding | nDCG@10 | recall@100 |\n|---|---|---|---|")
    for i, (name, (cfg, one_per_run)) in enumerate(RECIPES.items()):
        graph = "model.onnx" if cfg is None else oe.quantize(export, cfg, out_name=f"model.recipe{i}.onnx").name
        enc = oe.OnnxEncoder(export, graph=graph)
        enc.one_per_run = one_per_run
        t = time.perf_counter()
        passages = enc.encode(texts)
        seconds = time.perf_counter() - t
        sims = enc.encode([queries[q] for q in qids]) @ passages.T
        ndcg, recall = [], []
        for row, q in zip(sims, qids):
            ranked = doc_ranking([(int(j), row[j]) for j in np.argsort(-row)[:400]], index, id_map)
            ndcg.append(ndcg_at(ranked, qrels[q]))
            recall.append(recall_at(ranked, qrels[q]))
        print(f"| {name} | {seconds:.0f} s | {np.mean(ndcg):.4f} | {np.mean(recall):.4f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
