"""Training examples for the reader: (question, passage) with the answer's place or none.

From SQuAD-format files: each question with its own paragraph (the answer's offsets,
or none for an unanswerable question), and with a *hard negative*: the paragraph of
the same article set that BM25 ranks highest for the question among the others, as
retrieval would put it in front of the reader. From BEIR qrels (claims and the
abstracts that back them): pairs for the relevance head only, with a BM25 negative.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from ..eval.squad import load_squad


@dataclass(frozen=True)
class Example:
    """One reader example; ``answers`` are (text, char offset in ``context``); ``spans``: train the span head."""

    question: str
    context: str
    answers: tuple[tuple[str, int], ...]
    relevant: bool
    spans: bool = True
    source: str = ""


def _bm25(texts: list[str]):
    import bm25s

    from ..text.terms import terms

    model = bm25s.BM25()
    model.index([terms(t) for t in texts], show_progress=False)
    return model


def _hard_negatives(model, queries: list[str], exclude: list[set[int]], n_docs: int, seed: int) -> list[int | None]:
    """For each query, the best BM25 document not in its ``exclude`` set (a random one when BM25 finds none)."""
    from ..text.terms import terms

    rng = random.Random(seed)
    out: list[int | None] = []
    k = min(n_docs, 1 + max((len(e) for e in exclude), default=0))
    for query, skip in zip(queries, exclude):
        q = terms(query)
        best = None
        if q:
            ids, _ = model.retrieve([q], k=k, show_progress=False)
            best = next((int(i) for i in ids[0] if int(i) not in skip), None)
        if best is None and n_docs > len(skip):
            best = rng.choice([i for i in range(n_docs) if i not in skip])
        out.append(best)
    return out


def squad_examples(path: Path, splits: tuple[str, ...] | None, seed: int = 13) -> list[Example]:
    """Gold-paragraph examples and one hard negative per answerable question, from ``splits`` of ``path``."""
    docs, questions = load_squad(path, splits)
    position = {d.doc_id: i for i, d in enumerate(docs)}
    texts = [d.text for d in docs]
    out = [Example(q.question, texts[position[q.doc_id]], q.answers, not q.impossible, source=q.qid) for q in questions]
    answerable = [q for q in questions if not q.impossible]
    negatives = _hard_negatives(
        _bm25(texts), [q.question for q in answerable], [{position[q.doc_id]} for q in answerable], len(texts), seed
    )
    for q, neg in zip(answerable, negatives):
        if neg is not None and not any(a in texts[neg] for a, _ in q.answers):
            out.append(Example(q.question, texts[neg], (), False, source=f"{q.qid}-neg"))
    return out


def beir_examples(tar_path: Path, split: str = "train", seed: int = 13) -> list[Example]:
    """Claim + relevant abstract, and claim + best BM25 abstract that is not relevant (relevance head only)."""
    from ..eval.beir import load_beir

    docs, queries, qrels, id_map = load_beir(Path(tar_path), split)
    beir_id = [id_map[d.doc_id] for d in docs]
    where = {b: i for i, b in enumerate(beir_id)}
    texts = [f"{d.title}. {d.text}" for d in docs]
    qids = [q for q in queries if any(r > 0 and d in where for d, r in qrels[q].items())]
    relevant = [{where[d] for d, r in qrels[q].items() if r > 0 and d in where} for q in qids]
    negatives = _hard_negatives(_bm25(texts), [queries[q] for q in qids], relevant, len(texts), seed)
    out: list[Example] = []
    for q, rel, neg in zip(qids, relevant, negatives):
        for i in sorted(rel):
            out.append(Example(queries[q], texts[i], (), True, spans=False, source=f"beir:{q}"))
        if neg is not None:
            out.append(Example(queries[q], texts[neg], (), False, spans=False, source=f"beir:{q}-neg"))
    return out
