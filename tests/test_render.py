"""The chat's HTML for an answer with a short answer: bold, escaped, above the cited sentences."""

from types import SimpleNamespace

from ui import render


def _answer(text, short):
    c = SimpleNamespace(n=1, doc_id="d", source="/a/news.txt", title="News", start=0, end=40,
                        text="The vote was held on Tuesday in the hall.", score=0.9, sentence_start=0, sentence_end=40)
    return SimpleNamespace(answer=text, refused=False, citations=[c], nearest=[], short_answer=short,
                           engine="extractive", sentences=[], note="")


def test_short_answer_is_bold_above_the_quote():
    out = render.answer_html(_answer("Tuesday:\nThe vote was held on Tuesday in the hall. [1]", "Tuesday"), "t1")
    assert '<p class="rag-short"><strong>Tuesday</strong></p>' in out
    assert out.index("rag-short") < out.index("The vote was held")
    assert out.count("Tuesday:") == 0  # the lead line is not repeated as text


def test_short_answer_is_escaped_and_lists_keep_their_bullets():
    out = render.answer_html(_answer("<b>X</b>, Y:\n- <b>X</b>: one [1]\n- Y: two [1]", "<b>X</b>, Y"), "t2")
    assert "<strong>&lt;b&gt;X&lt;/b&gt;, Y</strong>" in out and "<b>X</b>" not in out
    assert '<ul class="rag-bullets">' in out and out.count("<li>") == 2


def test_no_short_answer_no_bold():
    out = render.answer_html(_answer("The vote was held on Tuesday in the hall. [1]", None), "t3")
    assert "rag-short" not in out
