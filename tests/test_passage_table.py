import numpy as np
import pytest

from rag.ingest.passages import split_document
from rag.store.documents import Document
from rag.store.passage_table import PassageTable

TEXTS = {
    "a": "First sentence here. Second one follows.\n\nA new paragraph starts. It ends now.",
    "b": "Only one short document. With two sentences.",
    "c": "Third document, in between. " * 30,
}


@pytest.fixture
def corpus():
    docs = {k: Document(k, f"Title {k}", f"{k}.txt", t) for k, t in TEXTS.items()}
    passages = []
    for doc in docs.values():
        passages += split_document(doc, 12, first_pid=len(passages))  # small passages: several a document
    return docs, passages, PassageTable.from_passages(list(docs), docs, passages)


def test_table_gives_back_the_passages(corpus):
    _, passages, table = corpus
    assert len(table) == len(passages) > len(TEXTS)
    assert list(table) == passages
    assert table[-1] == passages[-1] and table[1:3] == passages[1:3]
    with pytest.raises(IndexError):
        table[len(passages)]


def test_rows_follow_passage_after_passage(corpus):
    _, passages, table = corpus
    row = 0
    for p in passages:
        assert table.sentence_rows(p.pid) == range(row, row + len(p.sentences))
        row += len(p.sentences)
    assert list(table.sentence_counts) == [len(p.sentences) for p in passages]


def test_offsets_are_found_by_bisection(corpus):
    docs, passages, table = corpus
    for doc_id in docs:
        mine = [p for p in passages if p.doc_id == doc_id]
        assert list(table.of_document(doc_id)) == [p.pid for p in mine]
        assert table.document_sentences(doc_id) == [s for p in mine for s in p.sentences]
        assert table.document_sentence_array(doc_id).tolist() == [list(s) for p in mine for s in p.sentences]
        for p in mine:
            assert table.at(doc_id, p.start) == p.pid and table.at(doc_id, p.end - 1) == p.pid
            for row, (s, e) in zip(table.sentence_rows(p.pid), p.sentences):
                assert table.sentence_row(doc_id, s) == row
                assert table.sentence_row(doc_id, s + 1) is None  # not a sentence start
        assert table.at(doc_id, len(docs[doc_id].text) + 5) is None
        assert table.at(doc_id, -1) is None
    assert table.of_document("unknown") == range(0) and table.at("unknown", 0) is None
    assert table.document_sentences("unknown") == []
    assert table.document_sentence_array("unknown").shape == (0, 2)


def test_inconsistent_arrays_are_refused(corpus):
    docs, passages, table = corpus
    rows = np.array([(["a", "b", "c"].index(p.doc_id), p.start, p.end, len(p.sentences)) for p in passages])
    sents = np.array([s for p in passages for s in p.sentences])
    with pytest.raises(ValueError, match="sentences"):
        PassageTable(list(docs), docs, rows, sents[:-1])
    with pytest.raises(ValueError, match="document order"):
        PassageTable(list(docs), docs, rows[::-1], sents)
    with pytest.raises(ValueError, match="not in the index"):
        PassageTable(["a", "b"], docs, rows, sents)
