from rag.passages import sentence_spans, split_document
from rag.sources import Document, content_id, read_document

from conftest import SEEDS


def test_offsets_point_into_document_text():
    doc = read_document(SEEDS / "mosul-amnesty-report.txt")
    passages = split_document(doc, max_words=160)
    assert len(passages) > 10
    for p in passages:
        assert doc.text[p.start : p.end] == p.text
        assert p.sentences[0][0] == p.start and p.sentences[-1][1] == p.end
        for s, e in p.sentences:
            assert p.start <= s < e <= p.end
            assert doc.text[s:e] == doc.text[s:e].strip()


def test_abbreviations_do_not_split_sentences():
    text = "U.S. Army Lt. General Stephen Townsend rejected the claims. He spoke on Tuesday."
    spans = sentence_spans(text)
    assert [text[s:e] for s, e in spans] == ["U.S. Army Lt. General Stephen Townsend rejected the claims.", "He spoke on Tuesday."]


def test_long_paragraph_is_cut_between_sentences():
    text = " ".join(f"Sentence number {i} talks about herons and their nests." for i in range(40))
    doc = Document(content_id(text), "t", "t.txt", text)
    passages = split_document(doc, max_words=50)
    assert len(passages) > 3
    assert all(len(p.text.split()) <= 50 for p in passages)
    assert "".join(doc.text[p.start : p.end] + " " for p in passages).strip() == text
