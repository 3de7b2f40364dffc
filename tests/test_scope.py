"""Questions limited to some documents: selectors resolved against an index, retrieval that filters before
ranking (FAISS flat and IVF, BM25), the Assistant's answers, and `rag ask --doc`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from conftest import HARBOUR_NAME, HARBOUR_QUESTION, ROOT

from rag.answer.types import Answer, Citation
from rag.assistant import OUTSIDE_SCOPE, confine
from rag.search.retrieval import Retriever
from rag.search.scope import Scope, ScopeError, active_scope, matches, resolve_scope, within
from rag.store.documents import Document
from rag.store.faiss_store import FaissStore

KILLED = "How many civilians does Amnesty say were killed?"


def _doc(doc_id: str, source: str, *aliases: str) -> Document:
    return Document(doc_id, "T", source, "text", aliases)


def test_a_document_is_named_by_id_prefix_file_name_path_or_glob():
    doc = _doc("0acd41d062ee6e8c", "/data/reports/mosul.txt", "/mirror/mosul-copy.md")
    for selector in ("0acd41d062ee6e8c", "0acd41", "mosul.txt", "/data/reports/mosul.txt", "*.txt", "/data/*/mosul*",
                     "mosul-copy.md", "*.md"):
        assert matches(doc, selector), selector
    for selector in ("0acd4", "Mosul.txt", "*.pdf", "reports", "mosul"):
        assert not matches(doc, selector), selector


def test_resolving_gives_the_documents_passage_ranges_in_index_order(two_docs_assistant):
    index = two_docs_assistant.index
    docs = {d.source.rsplit("/", 1)[-1]: d.doc_id for d in index.documents.values()}
    scope = resolve_scope(index.documents, index.passages.of_document, [HARBOUR_NAME])
    assert scope.doc_ids == (docs[HARBOUR_NAME],)
    assert scope.ranges == (index.passages.of_document(docs[HARBOUR_NAME]),)
    assert list(scope.pids()) == list(index.passages.of_document(docs[HARBOUR_NAME]))
    both = resolve_scope(index.documents, index.passages.of_document, ["*.txt"])
    assert set(both.doc_ids) == set(docs.values()) and both.passages == len(index.passages)
    assert resolve_scope(index.documents, index.passages.of_document, None) is None
    assert resolve_scope(index.documents, index.passages.of_document, ["  "]) is None
    with pytest.raises(ScopeError, match=r"no indexed document matches 'nope\.pdf' \(indexed: .*harbour-log\.txt"):
        resolve_scope(index.documents, index.passages.of_document, ["harbour-log.txt", "nope.pdf"])


def test_a_small_document_is_not_starved_by_a_large_one(two_docs_assistant):
    """With one dense and one BM25 candidate, the unscoped search sees only the article; the scoped one
    still finds the harbour log's passage, because the filter comes before the ranking."""
    a = two_docs_assistant
    settings = a.settings.replace(dense_k=1, bm25_k=1)
    retriever = Retriever(a.index, a.embedder, settings)
    harbour = a.scope([HARBOUR_NAME])
    query = "civilians killed by the coalition counted"
    unscoped = retriever.search(query, k=5)
    assert {a.index.passages[h.pid].doc_id for h in unscoped} == set(a.scope(["mosul-amnesty-report.txt"]).doc_ids)
    scoped = retriever.search(query, k=5, scope=harbour)
    assert scoped and all(h.pid in harbour for h in scoped)
    assert retriever.bm25_scores(["counted"], 5, harbour).keys() <= set(harbour.pids())


@pytest.mark.parametrize("kind", ["flat", "ivf_sq8"])
def test_faiss_search_among_ranges_returns_the_best_chosen_vectors(kind):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    store = FaissStore.create(vectors=x, kind=kind)
    store.add(x)
    among = (range(100, 130), range(3000, 3010))
    chosen = np.concatenate([np.arange(r.start, r.stop) for r in among])
    sims, ids = store.search(x[:2], 5, among=among)
    for row in range(2):
        exact = chosen[np.argsort(-(x[chosen] @ x[row]))[:5]]
        assert set(ids[row]) <= set(chosen)
        # flat is exact; the IVF index scans enough cells for a choice this small to find the true top 5
        assert list(ids[row]) == list(exact), (kind, row)


def test_scoped_answers_cite_only_the_chosen_document(two_docs_assistant):
    a = two_docs_assistant
    harbour, mosul = a.scope([HARBOUR_NAME]), a.scope(["mosul*"])
    answer = a.ask(HARBOUR_QUESTION, documents=[HARBOUR_NAME])
    assert not answer.refused and "913" in answer.answer
    assert {c.doc_id for c in answer.citations} == set(harbour.doc_ids)
    answer = a.ask(KILLED, documents=["mosul*"])
    assert not answer.refused and "3,706" in answer.answer and {c.doc_id for c in answer.citations} == set(mosul.doc_ids)
    answer = a.ask(KILLED, documents=[HARBOUR_NAME])  # the harbour log knows nothing of it
    assert all(c.doc_id in harbour.doc_ids for c in answer.citations + answer.nearest)
    assert "3,706" not in answer.answer
    streamed = [final for _, final in a.stream(HARBOUR_QUESTION, documents=[HARBOUR_NAME]) if final is not None]
    assert [c.doc_id for c in streamed[0].citations] == list(harbour.doc_ids)
    with pytest.raises(ScopeError, match="no indexed document matches 'nope'"):
        a.ask(KILLED, documents=["nope"])
    assert active_scope() is None  # nothing is left set once an answer is done


def test_an_answer_citing_outside_the_scope_becomes_a_refusal_saying_so():
    inside = Citation(1, "in", "a.txt", "A", 0, 5, "text.", 0.5, 0, 5)
    outside = Citation(2, "out", "b.txt", "B", 0, 5, "text.", 0.5, 0, 5)
    scope = Scope(("in",), (range(0, 3),))
    kept = Answer("q", "text. [1]", False, [inside])
    assert confine(kept, scope) is kept and confine(kept, None) is kept
    refused = confine(Answer("q", "text. [1] text. [2]", False, [inside, outside], nearest=[outside]), scope)
    assert refused.refused and refused.citations == [] and refused.nearest == [] and refused.note == OUTSIDE_SCOPE


def test_within_sets_the_scope_for_the_block_only():
    scope = Scope(("d",), (range(2),))
    with within(scope):
        assert active_scope() is scope
        with within(None):
            assert active_scope() is None
        assert active_scope() is scope
    assert active_scope() is None


def _rag(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "HF_HUB_OFFLINE": "1"})


def test_rag_ask_doc_limits_the_answer(two_docs_index_dir, two_docs_assistant):
    harbour = two_docs_assistant.scope([HARBOUR_NAME]).doc_ids[0]
    r = _rag("ask", "--index-dir", str(two_docs_index_dir), "--json", "--doc", harbour[:8], HARBOUR_QUESTION)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert "913" in out["answer"] and {c["doc_id"] for c in out["citations"]} == {harbour}
    r = _rag("ask", "--index-dir", str(two_docs_index_dir), "--doc", "*.pdf", KILLED)
    assert r.returncode == 2
    assert r.stderr.strip() == ("rag: error: no indexed document matches '*.pdf' "
                                "(indexed: harbour-log.txt, mosul-amnesty-report.txt)")


def test_a_speaker_quoted_only_outside_the_scope_gives_a_refusal(two_docs_assistant):
    """The extractive engine finds a speaker's statements by name across the index; limited to the harbour
    log, what Townsend said (in the article) must not be cited: the answer is a refusal."""
    a = two_docs_assistant
    harbour = a.scope([HARBOUR_NAME])
    for question in ("What did Townsend say?", "Who is Rupert Jones?"):
        answer = a.ask(question, documents=[HARBOUR_NAME])
        assert answer.refused and answer.citations == [], question
        assert all(harbour.holds(c.doc_id) for c in answer.nearest)


def test_within_a_scope_a_word_is_known_by_the_chosen_documents_words_alone(two_docs_assistant):
    """SourcesView.mentions under a scope: a word, a longer form of it or its stem of four letters or more in
    a chosen document counts; a word only the other documents hold does not."""
    from rag.answer.view import SourcesView

    view = SourcesView(two_docs_assistant.retriever)
    harbour = two_docs_assistant.scope([HARBOUR_NAME])
    with within(harbour):
        assert view.mentions("Vexley") and view.mentions("gull") and view.mentions("lighthouses")
        assert not view.mentions("Townsend") and not view.mentions("Amnesty") and not view.mentions("gu")
        assert not view.mentions("lightship")
    assert view.mentions("Townsend") and view.mentions("Vexley")
