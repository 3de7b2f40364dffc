"""The chat's HTML for an answer: the short answer bold, escaped, above the cited sentences; each source card
with its place in the original ("p. 12", "§ Findings › Mosul") and its "open" link."""

from dataclasses import replace
from types import SimpleNamespace

from rag.answer.types import Citation
from rag_ui import render

CITATION = Citation(1, "d", "/a/news.txt", "News", 0, 40, "The vote was held on Tuesday in the hall.", 0.9, 0, 40)


def _answer(text, short, citation=CITATION):
    return SimpleNamespace(answer=text, refused=False, citations=[citation], nearest=[], short_answer=short,
                           engine="extractive", sentences=[], note="")


def _head(html: str) -> str:
    """The source card's head line (number, title, file, place, open link, score)."""
    return html.split('<div class="rag-source-head">', 1)[1].split("</div>", 1)[0]


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


def test_the_place_stands_next_to_the_file_name_only_when_known():
    pages = replace(CITATION, source="/a/report.pdf", page=12, page_end=13)
    head = _head(render.answer_html(_answer("The vote was held. [1]", None, pages), "t4"))
    assert 'report.pdf</span> <span class="rag-place">pp. 12–13</span>' in head
    one = _head(render.answer_html(_answer("The vote was held. [1]", None, replace(pages, page_end=12)), "t5"))
    assert '<span class="rag-place">p. 12</span>' in one
    assert "rag-place" not in _head(render.answer_html(_answer("The vote was held. [1]", None), "t6"))


def test_the_place_is_escaped():
    section = replace(CITATION, section="<img src=x onerror=alert(1)> › Mosul")
    head = _head(render.answer_html(_answer("The vote was held. [1]", None, section), "t7"))
    assert "<img" not in head
    assert '<span class="rag-place">§ &lt;img src=x onerror=alert(1)&gt; › Mosul</span>' in head


def test_every_card_has_an_open_link_when_the_app_gives_one():
    pdf = replace(CITATION, source='/a/"x".pdf', page=3, page_end=3)
    refusal = SimpleNamespace(answer="The sources don't answer this question.", refused=True, citations=[],
                              nearest=[pdf])
    link = lambda c: f"original/{c.doc_id}/x.pdf?sig=a&b=1#page={c.page}"  # noqa: E731
    for html in (render.answer_html(_answer("The vote was held. [1]", None, pdf), "t8", link),
                 render.answer_html(refusal, "t9", link)):
        head = _head(html)
        assert ('<a class="rag-open" href="original/d/x.pdf?sig=a&amp;b=1#page=3" target="_blank" '
                'rel="noopener noreferrer" title="Open &quot;x&quot;.pdf at p. 3">open</a>') in head
    assert "rag-open" not in render.answer_html(_answer("The vote was held. [1]", None, pdf), "t10")


def test_a_rewritten_follow_up_shows_how_it_was_understood():
    answer = _answer("Faiss is MIT-licensed. [1]", None)
    answer.question, answer.standalone_question = "What license is it under?", "What license is Faiss under?"
    out = render.answer_html(answer, "t9")
    assert '<p class="rag-understood">Understood as: <q>What license is Faiss under?</q></p>' in out
    assert out.index("rag-understood") < out.index("rag-text")
    refusal = replace(CITATION)  # a refusal shows it too, escaped
    refused = SimpleNamespace(answer="The sources don't answer this question.", refused=True, citations=[],
                              nearest=[refusal], note="", question="And <b>X</b>?", standalone_question="Who is <b>X</b>?")
    assert "Understood as: <q>Who is &lt;b&gt;X&lt;/b&gt;?</q>" in render.answer_html(refused, "t10")
    answer.standalone_question = "What license is it under"  # the question itself, give or take a "?": nothing
    assert "rag-understood" not in render.answer_html(answer, "t11")
