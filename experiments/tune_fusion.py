"""Choose how dense and BM25 retrieval are fused, on SciFact's *train* queries; the pick is judged on test.

    python experiments/tune_fusion.py ../shared/eval/scifact-beir.tar.gz --work-dir /tmp/scifact-tune

Builds a retrieval index of SciFact (passages and BM25, no sentence vectors) once in --work-dir and
reuses it. Every query's top 300 dense and BM25 candidates are found once; each setting of the grid
(rag/search/retrieval.py `fuse`: a convex mix of min-max normalised scores, or weighted reciprocal rank
fusion, with the dense weight and RRF's k) then ranks the train queries, judged by documents as
`rag eval` judges them. Only the best setting on train, the product's and the usual RRF default,
and dense and BM25 alone are judged on the test queries. Writes its table into docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from common import write_section
from corpora import document_figures, kept_assistant

from rag.eval.beir import load_beir
from rag.eval.report import PUBLISHED
from rag.search.retrieval import fuse
from rag.settings import Settings
from rag.text.terms import terms

DEPTH = 300  # candidates of each kind per query, as `rag eval` ranks SciFact
GRID = ([("rrf", a, k) for a, k in itertools.product((0.3, 0.4, 0.5, 0.6, 0.7), (10, 30, 60, 100))]
        + [("convex", a, 0) for a in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8)])
RRF_DEFAULT = ("rrf", 0.5, 60)  # equal weights, k = 60: the usual choice
DENSE_ONLY, BM25_ONLY = ("convex", 1.0, 0), ("convex", 0.0, 0)


def candidates(retriever, queries: dict[str, str]) -> dict[str, tuple[dict, dict]]:
    """Query id -> (dense scores, BM25 scores) of its top DEPTH passages of each kind."""
    qids = list(queries)
    vecs = retriever.embedder.encode([queries[q] for q in qids], progress=True)
    return {q: (retriever.dense_scores(v, DEPTH), retriever.bm25_scores(terms(queries[q]), DEPTH)) for q, v in zip(qids, vecs)}


def fused(cands: dict[str, tuple[dict, dict]], settings: Settings, setting: tuple) -> dict[str, list[tuple[int, float]]]:
    """Each query's passages ranked by the product's fusion with ``setting`` = (kind, dense weight, RRF k)."""
    kind, a, k = setting
    s = settings.replace(fusion=kind, dense_weight=a, bm25_weight=round(1 - a, 2), rrf_k=k or settings.rrf_k)
    return {q: sorted(fuse(d, b, s).items(), key=lambda x: (-x[1], x[0])) for q, (d, b) in cands.items()}


def label(setting: tuple) -> str:
    kind, a, k = setting
    if setting == DENSE_ONLY:
        return "dense only"
    if setting == BM25_ONLY:
        return "BM25 only"
    if kind == "convex":
        return f"convex, min-max normalised, dense {a:g} / BM25 {round(1 - a, 2):g}"
    return f"RRF, dense weight {a:g}, k = {k}"


def table(train: dict, test: dict, pick: tuple, product: tuple, shown: list[tuple]) -> list[str]:
    """Markdown rows: ``shown`` settings with their train figure (``train``: setting -> nDCG@10) and, where
    judged, test (``test``: setting -> (nDCG@10, recall@100)); the pick in bold."""
    lines = ["| fusion | train nDCG@10 | test nDCG@10 | test recall@100 |", "|---|---|---|---|"]
    for setting in shown:
        name = label(setting) + (" (the product's)" if setting == product else "")
        name = f"**{name}**" if setting == pick else name
        tr = f"{train[setting]:.3f}" if setting in train else "–"
        te = "{:.3f} | {:.3f}".format(*test[setting]) if setting in test else "– | –"
        lines.append(f"| {name} | {tr} | {te} |")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tarball", help="SciFact in BEIR's format (a .tar.gz)")
    ap.add_argument("--work-dir", default="/tmp/scifact-tune", help="where the index is kept between runs")
    ap.add_argument("--max-words", type=int, default=Settings().max_passage_words, help="passage length in words")
    args = ap.parse_args()
    settings = Settings(max_passage_words=args.max_words)
    docs, test_q, test_rel, id_map = load_beir(Path(args.tarball), "test")
    _, train_q, train_rel, _ = load_beir(Path(args.tarball), "train")
    assistant = kept_assistant(docs, settings, Path(args.work_dir) / f"words-{args.max_words}", with_sentences=False)
    retriever = assistant.retriever
    train_c, test_c = candidates(retriever, train_q), candidates(retriever, test_q)
    index = retriever.index
    train = {s: document_figures(fused(train_c, settings, s), index.passages, id_map, train_rel)[0]
             for s in GRID + [DENSE_ONLY, BM25_ONLY]}
    ranked = sorted(GRID, key=lambda s: -train[s])
    pick, product = ranked[0], (settings.fusion, settings.dense_weight, settings.rrf_k if settings.fusion == "rrf" else 0)
    best_rrf = next(s for s in ranked if s[0] == "rrf")
    judged = list(dict.fromkeys([pick, product, RRF_DEFAULT, DENSE_ONLY, BM25_ONLY]))
    test = {s: document_figures(fused(test_c, settings, s), index.passages, id_map, test_rel) for s in judged}
    shown = list(dict.fromkeys([pick, product, *ranked[1:4], best_rrf, RRF_DEFAULT, DENSE_ONLY, BM25_ONLY]))
    lines = table(train, test, pick, product, shown)
    lines += ["", f"Published test nDCG@10: BM25 {PUBLISHED['bm25']}, all-MiniLM-L6-v2 {PUBLISHED['dense']}, "
              f"bge-small-en-v1.5 {PUBLISHED['bge-small-en-v1.5']}. {len(index.passages):,} passages of at most "
              f"{args.max_words} words (title prepended), {len(train_q)} train and {len(test_q)} test queries, embedding "
              f"backend `{retriever.embedder.backend}`. Produced by `python experiments/tune_fusion.py SCIFACT.tar.gz`."]
    write_section("tune_fusion", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
