from conftest import SEEDS

from rag.ingest.passages import split_document
from rag.ingest.sources import read_document
from rag.store.documents import Document, content_id
from rag.text.attribution import attribute, name_words, statements_by


def _statements(text):
    doc = Document(content_id(text), "t", "t.txt", text)
    sentences = [s for p in split_document(doc, 160) for s in p.sentences]
    return doc.text, attribute(doc.text, sentences)


def _said(text, statements, who):
    return [" ".join(text[s:e] for s, e in st.sentences) for st in statements_by(statements, who)]


def test_seed_article_speakers():
    doc = read_document(SEEDS / "mosul-amnesty-report.txt")
    text, sts = _statements(doc.text)
    townsend = _said(text, sts, "Townsend")
    assert len(townsend) == 2 and "any notion" in townsend[0] and "I would challenge" in townsend[1]
    croft = " ".join(_said(text, sts, "Croft"))
    # "he continued", "he said to NPR host Rachel Martin" and the quote after it are Croft's
    assert "unmanned vehicles" in croft and "clear streets" in croft
    assert not _said(text, sts, "Rachel Martin")
    abadi = " ".join(_said(text, sts, "al-Abadi"))
    assert "recheck their sources" in abadi and "role of those organizations" in abadi
    assert "brutality of warfare" in " ".join(_said(text, sts, "Jones"))
    assert "brutality of warfare" not in " ".join(_said(text, sts, "Townsend"))


def test_quote_with_speaker_in_next_sentence():
    text, sts = _statements("The mayor spoke on Monday.\n\n“We will rebuild the bridge.” Mayor Ana Ortiz said it twice.")
    [st] = statements_by(sts, "Ortiz")
    assert "rebuild the bridge" in text[st.sentences[0][0] : st.sentences[-1][1]]


def test_an_unattributed_quote_after_a_caption_continues_the_speaker_before():
    text, sts = _statements(
        "“The river is rising,” says Ortiz, the mayor of the town.\n\nAna Ortiz at the bridge she built\n\n"
        "“We will rebuild the bridge. We have done it before.”\n\nThe council meets on Monday.\n\n"
        "A photo of the river at dawn\n\nThe water fell overnight.\n\n“Nobody was hurt.”\n")
    said = " ".join(_said(text, sts, "Ortiz"))
    assert "rebuild the bridge" in said
    assert "Nobody was hurt" not in said  # after the article's own sentence, not a caption: nobody's


def test_name_words_drop_titles():
    assert name_words("U.S. Army Lt. General Stephen Townsend") >= {"stephen", "townsend"}
    assert "general" not in name_words("General Stephen Townsend")
    assert "abadi" in name_words("Haider al-Abadi")


def test_an_indefinite_pronoun_is_no_speaker():
    text = "Nobody complained about the rain. Everyone said it was fine."
    assert attribute(text, [(0, 33), (34, len(text))]) == []
