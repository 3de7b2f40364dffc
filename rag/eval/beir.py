"""Retrieval on a BEIR set (SciFact): nDCG@10 and recall@100 of dense, BM25 and hybrid rankings."""

from __future__ import annotations

import json
import math
import tarfile
from pathlib import Path

import numpy as np

from ..answer.reader import load_reader
from ..settings import Settings
from ..store.documents import Document, content_id, passage_text_for_search
from .common import assistant_for, workdir


# -- SciFact ---------------------------------------------------------------------
def load_beir(
    tar_path: Path, split: str = "test"
) -> tuple[list[Document], dict[str, str], dict[str, dict[str, int]], dict[str, str]]:
    """Documents, queries, qrels and the doc_id -> BEIR id map from a BEIR tarball."""
    corpus: list[dict] = []
    queries: dict[str, str] = {}
    qrels: dict[str, dict[str, int]] = {}
    with tarfile.open(tar_path) as tar:
        for member in tar.getmembers():
            name = member.name
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is None:
                continue
            data = handle.read().decode("utf-8")
            if name.endswith("corpus.jsonl"):
                corpus = [json.loads(line) for line in data.splitlines() if line.strip()]
            elif name.endswith("queries.jsonl"):
                queries = {q["_id"]: q["text"] for q in map(json.loads, filter(str.strip, data.splitlines()))}
            elif name.endswith(f"qrels/{split}.tsv"):
                for line in data.splitlines()[1:]:
                    qid, did, score = line.split("\t")[:3]
                    qrels.setdefault(qid, {})[did] = int(score)
    docs, id_map = [], {}
    for rec in corpus:
        text = (rec.get("text") or "").strip()
        if not text:
            continue
        doc = Document(
            content_id(rec["_id"] + "\0" + text), rec.get("title") or rec["_id"], f"scifact:{rec['_id']}", text
        )
        docs.append(doc)
        id_map[doc.doc_id] = rec["_id"]
    return docs, {q: queries[q] for q in qrels if q in queries}, qrels, id_map


def ndcg_at(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rel: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, r in rel.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def doc_ranking(pids_scores: list[tuple[int, float]], index, id_map: dict[str, str]) -> list[str]:
    """Passage ranking -> document ranking (a document ranks at its best passage)."""
    seen, out = set(), []
    for pid, _ in pids_scores:
        did = id_map[index.passages[pid].doc_id]
        if did not in seen:
            seen.add(did)
            out.append(did)
    return out


def rank_all(
    retriever, queries: dict[str, str], id_map: dict[str, str], depth: int = 300, reader=None, rerank: int = 20
) -> dict[str, dict[str, list[str]]]:
    """Dense, BM25 and hybrid document rankings for every query; with a reader, also the hybrid
    ranking with its top ``rerank`` passages reordered by the reader's relevance score."""
    from ..text.terms import terms

    index = retriever.index
    out: dict[str, dict[str, list[str]]] = {"dense": {}, "bm25": {}, "hybrid": {}}
    qids = list(queries)
    qvecs = retriever.embedder.encode([queries[q] for q in qids])
    for qid, qvec in zip(qids, qvecs):
        q = queries[qid]
        dense = retriever.dense_scores(qvec, depth)
        bm25 = retriever.bm25_scores(terms(q), depth)
        out["dense"][qid] = doc_ranking(sorted(dense.items(), key=lambda x: -x[1]), index, id_map)
        out["bm25"][qid] = doc_ranking(sorted(bm25.items(), key=lambda x: -x[1]), index, id_map)
        hits = retriever.fused_hits(dense, bm25, k=depth)  # the candidates above, not searched again
        out["hybrid"][qid] = doc_ranking([(h.pid, h.score) for h in hits], index, id_map)
        if reader is not None:
            top = hits[:rerank]
            readings = reader.read(
                q,
                [
                    passage_text_for_search(
                        index.passages[h.pid], index.documents[index.passages[h.pid].doc_id], retriever.settings
                    )
                    for h in top
                ],
            )
            order = sorted(range(len(top)), key=lambda i: -readings[i].relevance)
            reranked = [(top[i].pid, 0.0) for i in order] + [(h.pid, h.score) for h in hits[rerank:]]
            out.setdefault("hybrid + reader", {})[qid] = doc_ranking(reranked, index, id_map)
    return out


def score_rankings(
    rankings: dict[str, dict[str, list[str]]], qrels: dict[str, dict[str, int]]
) -> dict[str, dict[str, float]]:
    return {
        name: {
            "ndcg@10": float(np.mean([ndcg_at(r[q], qrels[q]) for q in r])),
            "recall@100": float(np.mean([recall_at(r[q], qrels[q]) for q in r])),
        }
        for name, r in rankings.items()
    }


def eval_scifact(
    tar_path: Path, settings: Settings, split: str = "test", limit: int | None = None, work_dir: Path | None = None
) -> dict:
    """nDCG@10 and recall@100 for dense, BM25 and hybrid retrieval on a BEIR split."""
    docs, queries, qrels, id_map = load_beir(Path(tar_path), split)
    if limit:
        queries = dict(list(queries.items())[:limit])
    with workdir(work_dir, "scifact") as tmp:
        # deeper candidate lists than the product's, for recall@100
        assistant, build = assistant_for(
            docs, settings.replace(dense_k=300, bm25_k=300), Path(tmp), with_sentences=False
        )
        retriever = assistant.retriever
        rankings = rank_all(retriever, queries, id_map, reader=load_reader(settings.reader))
    result = score_rankings(rankings, qrels)
    return {
        "split": split,
        "queries": len(queries),
        "documents": len(docs),
        "passages": len(retriever.index.passages),
        "build_seconds": build.seconds,
        "embedded": build.embedded,
        "scores": result,
    }
