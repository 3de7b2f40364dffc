"""Tune dense+BM25 fusion on SciFact's *train* queries; report the chosen setting on test.

    python benchmarks/tune_fusion.py ../shared/eval/scifact-beir.tar.gz --work-dir /tmp/scifact

The index is built once into --work-dir and reused. Prints a table of settings
with train nDCG@10, then test figures for the best one.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.evaluate import doc_ranking, load_beir, ndcg_at, recall_at  # noqa: E402
from rag.index import IndexError_, load_index, write_index  # noqa: E402
from rag.retrieval import Retriever, fuse  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.text import terms  # noqa: E402


def candidates(retriever: Retriever, queries: dict[str, str], depth: int = 300):
    qids = list(queries)
    vecs = retriever.embedder.encode([queries[q] for q in qids], progress=True)
    return {q: (retriever.dense_scores(v, depth), retriever.bm25_scores(terms(queries[q]), depth)) for q, v in zip(qids, vecs)}


def ranked(dense: dict, bm25: dict, settings: Settings, kind: str, a: float, k: int) -> list[tuple[int, float]]:
    """The product's fusion (rag.retrieval.fuse) with dense weight ``a`` and BM25 weight ``1 - a``."""
    f = fuse(dense, bm25, settings.replace(fusion=kind, dense_weight=a, bm25_weight=1 - a, rrf_k=k or settings.rrf_k))
    return sorted(f.items(), key=lambda x: -x[1])


def evaluate(cands, qrels, index, id_map, settings, kind, a, k):
    nd, rc = [], []
    for q, (d, b) in cands.items():
        docs = doc_ranking(ranked(d, b, settings, kind, a, k), index, id_map)
        nd.append(ndcg_at(docs, qrels[q]))
        rc.append(recall_at(docs, qrels[q]))
    return float(np.mean(nd)), float(np.mean(rc))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tarball")
    ap.add_argument("--work-dir", default="/tmp/scifact-tune")
    ap.add_argument("--max-words", type=int, default=160)
    args = ap.parse_args()
    settings = Settings(index_dir=Path(args.work_dir) / f"index-{args.max_words}", max_passage_words=args.max_words)
    docs, test_q, test_rel, id_map = load_beir(Path(args.tarball), "test")
    _, train_q, train_rel, _ = load_beir(Path(args.tarball), "train")
    try:
        index = load_index(settings)
    except IndexError_:
        write_index(docs, [], settings, with_sentences=False)
        index = load_index(settings)
    from rag.embedding import Embedder

    retriever = Retriever(index, Embedder(settings.embed_model), settings)
    train_c = candidates(retriever, train_q)
    test_c = candidates(retriever, test_q)
    grid = [("rrf", a, k) for a, k in itertools.product([0.3, 0.4, 0.5, 0.6, 0.7], [10, 30, 60, 100])]
    grid += [("convex", a, 0) for a in [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]]
    rows = []
    for kind, a, k in grid:
        rows.append((evaluate(train_c, train_rel, index, id_map, settings, kind, a, k)[0], kind, a, k))
    rows.sort(reverse=True)
    print(f"passages: {len(index.passages)}; train queries {len(train_q)}, test queries {len(test_q)}")
    print("train nDCG@10  fusion  dense-weight  k")
    for r in rows:
        print(f"{r[0]:.4f}  {r[1]:6s}  {r[2]:.1f}  {r[3]}")
    for label, cfg in [("best on train", rows[0][1:]), ("rrf 0.5 k60 (default RRF)", ("rrf", 0.5, 60))]:
        print(label, cfg, "test nDCG@10 / recall@100: %.4f / %.4f" % evaluate(test_c, test_rel, index, id_map, settings, *cfg))
    for name, kind, a in [("dense only", "convex", 1.0), ("bm25 only", "convex", 0.0)]:
        print(name, "test nDCG@10 / recall@100: %.4f / %.4f" % evaluate(test_c, test_rel, index, id_map, settings, kind, a, 0))


if __name__ == "__main__":
    main()
