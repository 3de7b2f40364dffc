"""Hybrid retrieval (dense + BM25, fused) and sentence-level evidence scoring.

A search may be limited to some documents (a :class:`~rag.search.scope.Scope`): both the
dense search and BM25 then rank only the chosen passages (the vector store filters its own
search, BM25 scores are masked before the top ``k`` are taken), so the chosen documents get
their full share of candidates however large the rest of the corpus is.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from ..settings import Settings
from ..store.index import Index
from ..text.terms import terms
from .scope import Scope


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score (higher is better) and the raw scores behind it."""

    pid: int
    score: float
    dense: float
    bm25: float


@dataclass(frozen=True)
class Evidence:
    """A sentence inside a retrieved passage, scored as support for the query."""

    pid: int
    row: int  # row in the index's sentence vectors
    start: int
    end: int
    score: float
    dense: float
    lexical: float


def rrf(rankings: list[tuple[list[int], float]], k: int) -> dict[int, float]:
    """Weighted reciprocal rank fusion: sum of weight / (k + rank) over the rankings."""
    fused: dict[int, float] = {}
    for ranking, weight in rankings:
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (k + rank)
    return fused


def _minmax(scores: dict[int, float], floor: float | None = None) -> dict[int, float]:
    """Scores scaled to 0..1 between their lowest (or ``floor``, when lower) and their highest; all 1 when equal."""
    if not scores:
        return {}
    lo, hi = min(scores.values()), max(scores.values())
    if floor is not None:
        lo = min(lo, floor)
    if hi == lo:
        return dict.fromkeys(scores, 1.0)
    return {k: (v - lo) / (hi - lo) for k, v in scores.items()}


def fuse(dense: dict[int, float], bm25: dict[int, float], settings: Settings) -> dict[int, float]:
    """Fused score of every candidate: a convex mix of min-max normalised scores, or weighted RRF."""
    s = settings
    if s.fusion == "convex":
        # BM25 lists only positive scores: when it lists fewer than it was asked for, every other
        # passage scores 0, so 0 is the floor (else a rare term's one hit would scale to 0 itself)
        nd, nb = _minmax(dense), _minmax(bm25, 0.0 if len(bm25) < s.bm25_k else None)
        total = s.dense_weight + s.bm25_weight
        return {
            pid: (s.dense_weight * nd.get(pid, 0.0) + s.bm25_weight * nb.get(pid, 0.0)) / total
            for pid in set(nd) | set(nb)
        }
    return rrf(
        [
            (sorted(dense, key=dense.__getitem__, reverse=True), s.dense_weight),
            (sorted(bm25, key=bm25.__getitem__, reverse=True), s.bm25_weight),
        ],
        s.rrf_k,
    )


ALONE_CACHE = 20_000  # sentence vectors embedded on demand and kept (about 30 MB at 384 dimensions)


class Retriever:
    """Answers "which passages and sentences support this query?" over one loaded index."""

    def __init__(self, index: Index, embedder, settings: Settings):
        self.index = index
        self.embedder = embedder
        self.settings = settings
        n = max(1, len(index.passages))
        self._idf = {t: math.log(1 + (n - df + 0.5) / (df + 0.5)) for t, df in index.term_df.items()}
        self._idf_unseen = math.log(1 + (n + 0.5) / 0.5)
        self._pooled = index.manifest.get("sentence_pooling") == "contextual"
        self._alone: OrderedDict[int, np.ndarray] = OrderedDict()
        self._alone_lock = threading.Lock()

    def sentence_alone(self, row: int, text: str) -> np.ndarray:
        """The vector of sentence ``row`` (its text: ``text``) embedded on its own.

        Evidence ranking uses the index's sentence vectors, which by default are pooled from
        the passage and so carry its context. Whether one sentence is about a topic, or
        backs a claim, is a question about that sentence alone, and pooled vectors blur
        it, short topics most (docs/TUNING.md, "Sentence vectors"). So those checks embed
        the few sentences they look at on demand and keep them in a bounded cache; an index
        of standalone vectors has them.
        """
        if not self._pooled:
            return self.index.sentence_vectors[row]
        with self._alone_lock:  # the web app answers several questions at once
            vec = self._alone.get(row)
            if vec is not None:
                self._alone.move_to_end(row)
                return vec
        vec = self.embedder.encode([text])[0]
        with self._alone_lock:
            self._alone[row] = vec
            while len(self._alone) > ALONE_CACHE:
                self._alone.popitem(last=False)
        return vec

    def idf(self, term: str) -> float:
        return self._idf.get(term, self._idf_unseen)

    def dense_scores(self, qvec: np.ndarray, k: int, scope: Scope | None = None) -> dict[int, float]:
        """The ``k`` passages nearest to ``qvec`` (of ``scope`` only, when given) and their similarities."""
        k = min(k, self.index.dense.ntotal if scope is None else scope.passages)
        if k <= 0:
            return {}
        query = qvec.reshape(1, -1).astype(np.float32)
        if scope is None:
            sims, ids = self.index.dense.search(query, k)
        else:
            sims, ids = self.index.dense.search(query, k, among=scope.ranges)
        return {int(i): float(s) for i, s in zip(ids[0], sims[0]) if i >= 0}

    def bm25_scores(self, query_terms: list[str], k: int, scope: Scope | None = None) -> dict[int, float]:
        """The ``k`` best BM25 scores above zero (among ``scope``'s passages only, when given)."""
        ids = self.index.bm25.get_tokens_ids(query_terms)
        if not ids:
            return {}
        scores = self.index.bm25.get_scores_from_ids(ids)
        pids = scope.pids() if scope is not None else None
        if pids is not None:
            scores = scores[pids]
        k = min(k, len(scores))
        if k <= 0:
            return {}
        top = np.argpartition(-scores, k - 1)[:k]
        return {int(i if pids is None else pids[i]): float(scores[i]) for i in top if scores[i] > 0}

    def search(self, query: str, k: int = 10, qvec: np.ndarray | None = None, scope: Scope | None = None) -> list[Hit]:
        """Top ``k`` passages for ``query`` by fused dense + BM25 ranking (of ``scope``'s documents only, when given)."""
        qvec = self.embedder.encode_query(query) if qvec is None else qvec
        dense = self.dense_scores(qvec, self.settings.dense_k, scope)
        bm25 = self.bm25_scores(terms(query), self.settings.bm25_k, scope)
        return self.fused_hits(dense, bm25, k)

    def fused_hits(self, dense: dict[int, float], bm25: dict[int, float], k: int) -> list[Hit]:
        """Top ``k`` passages of already computed dense and BM25 candidate scores."""
        fused = fuse(dense, bm25, self.settings)
        order = sorted(fused, key=lambda pid: (-fused[pid], pid))[:k]
        return [Hit(pid, fused[pid], dense.get(pid, float("nan")), bm25.get(pid, 0.0)) for pid in order]

    def lexical_overlap(self, query_terms: list[str], text: str) -> float:
        """IDF-weighted share of the query's terms found in ``text`` (0..1)."""
        q = set(query_terms)
        if not q:
            return 0.0
        have = set(terms(text))
        total = sum(self.idf(t) for t in q)
        return sum(self.idf(t) for t in q & have) / total

    def evidence(
        self, query: str, hits: list[Hit], qvec: np.ndarray | None = None, passages: int | None = None
    ) -> list[Evidence]:
        """Sentences of the top passages, best supporting first.

        Score = a weighted sum of cosine(query, sentence), lexical overlap and the passage's score relative to
        the best passage's (ScoringConfig.evidence_cosine, evidence_lexical, evidence_passage);
        a sentence is judged with its passage because quotes and pronouns need context.
        """
        w = self.settings.scoring
        qvec = self.embedder.encode_query(query) if qvec is None else qvec
        q_terms = terms(query)
        top = hits[: passages or self.settings.scoring.evidence_passages]
        if not top:
            return []
        best = top[0].score or 1.0
        out: list[Evidence] = []
        for hit in top:
            p = self.index.passages[hit.pid]
            rows = self.index.passage_sentences(hit.pid)
            sims = self.index.sentence_vectors[rows.start : rows.stop] @ qvec
            doc_text = self.index.documents[p.doc_id].text
            for (start, end), row, sim in zip(p.sentences, rows, sims):
                lex = self.lexical_overlap(q_terms, doc_text[start:end])
                score = (
                    w.evidence_cosine * float(sim) + w.evidence_lexical * lex + w.evidence_passage * (hit.score / best)
                )
                out.append(Evidence(hit.pid, row, start, end, score, float(sim), lex))
        out.sort(key=lambda e: -e.score)
        return out
