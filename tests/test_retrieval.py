from rag.search.retrieval import fuse, rrf
from rag.settings import Settings


def test_rrf_rewards_agreement():
    fused = rrf([([1, 2, 3], 1.0), ([2, 1, 4], 1.0)], k=60)
    assert fused[1] == fused[2] > fused[3] == fused[4]
    weighted = rrf([([1], 2.0), ([2], 1.0)], k=60)
    assert weighted[1] > weighted[2]


def test_convex_fusion_keeps_a_rare_terms_only_bm25_hit():
    s = Settings(fusion="convex", dense_weight=0.5, bm25_weight=0.5, bm25_k=100)
    dense = {1: 0.6, 2: 0.5, 3: 0.2}
    # BM25 found one passage only: it is the best BM25 has, not its worst (was scaled to 0, and lost to dense's 2nd)
    fused = fuse(dense, {3: 4.2}, s)
    assert fused[3] == 0.5 * 0.0 + 0.5 * 1.0 and fused[3] > fused[2]
    # fewer hits than asked for: every other passage scores 0 for BM25, so 0 is the floor
    assert fuse({}, {3: 4.0, 2: 2.0}, s) == {3: 0.5, 2: 0.25}
    # a full list: its own lowest score is the floor, as before
    full = {i: float(i) for i in range(1, 101)}
    assert fuse({}, full, s)[1] == 0.0 and fuse({}, full, s)[100] == 0.5
    # equal dense scores are all the best
    assert fuse({1: 0.3, 2: 0.3}, {}, s) == {1: 0.5, 2: 0.5}


def test_hybrid_search_and_evidence(assistant):
    r = assistant.retriever
    q = "How many civilians were killed according to the report?"
    hits = r.search(q, k=5)
    assert len(hits) == 5 and hits[0].score >= hits[-1].score
    best = r.evidence(q, hits)[0]
    text = assistant.index.documents[assistant.index.passages[best.pid].doc_id].text
    assert "3,706" in text[best.start : best.end]


def test_bm25_with_no_known_terms_returns_nothing(assistant):
    r = assistant.retriever
    assert r.bm25_scores(["zzzunknownterm"], 10) == {}
    assert r.lexical_overlap([], "anything") == 0.0


def test_sentences_embedded_alone_on_demand_are_cached_and_bounded(assistant, embedder, monkeypatch):
    import numpy as np

    import rag.search.retrieval

    r = assistant.retriever
    p = r.index.passages[2]
    text = r.index.documents[p.doc_id].text
    rows = list(r.index.passage_sentences(2))
    monkeypatch.setattr(rag.search.retrieval, "ALONE_CACHE", 2)
    r._alone.clear()
    for (s, e), row in zip(p.sentences, rows):
        np.testing.assert_allclose(r.sentence_alone(row, text[s:e]), embedder.encode([text[s:e]])[0], atol=1e-6)
    assert len(r._alone) == min(2, len(rows)) and list(r._alone)[-1] == rows[-1]
