"""Pages and sections of a span, from a document's page starts and headings (rag/store/layout.py)."""

from rag.store.documents import Document, Heading
from rag.store.layout import (
    NOWHERE,
    DocumentLayout,
    Place,
    layout_line,
    layouts,
    read_layout,
    section_chains,
)

TEXT = "Harbour guide\n\nIntro.\n\nSafety\n\nFire\n\nAssemble at the gate.\n\nDiving\n\nLog every dive.\n\nMooring\n\nPay first."


def _headings(*spec):
    return tuple(Heading(TEXT.index(name), level, name) for level, name in spec)


HEADINGS = _headings((1, "Harbour guide"), (2, "Safety"), (3, "Fire"), (3, "Diving"), (2, "Mooring"))


def test_a_heading_closes_those_of_its_level_and_deeper():
    assert section_chains(HEADINGS, "Another title") == [
        "Harbour guide", "Harbour guide › Safety", "Harbour guide › Safety › Fire", "Harbour guide › Safety › Diving",
        "Harbour guide › Mooring"]
    # the document's title heads every chain: left out, the citation shows it already
    assert section_chains(HEADINGS, "Harbour guide") == [None, "Safety", "Safety › Fire", "Safety › Diving", "Mooring"]
    skipped = (Heading(0, 3, "Deep"), Heading(5, 1, "Top"), Heading(9, 0, "Title"), Heading(12, 2, "Under"))
    assert section_chains(skipped, "") == ["Deep", "Top", "Title", "Title › Under"]  # levels may skip


def test_section_of_an_offset_is_the_last_heading_at_or_before_it():
    layout = DocumentLayout(Document("d", "Harbour guide", "g.md", TEXT, headings=HEADINGS))
    assert layout.section_at(TEXT.index("Intro")) is None
    assert layout.section_at(TEXT.index("Fire")) == "Safety › Fire"  # the heading's own line is in its section
    assert layout.section_at(TEXT.index("Assemble")) == "Safety › Fire"
    assert layout.section_at(TEXT.index("Log every")) == "Safety › Diving"
    assert layout.section_at(len(TEXT)) == "Mooring"
    assert layout.place(TEXT.index("Assemble"), TEXT.index("Assemble") + 5) == Place(None, None, "Safety › Fire")


def test_a_heading_alone_is_told_from_a_sentence_that_starts_where_it_does():
    layout = DocumentLayout(Document("d", "Harbour guide", "g.md", TEXT, headings=HEADINGS))
    assert layout.is_heading(TEXT.index("Safety"), "Safety")
    assert layout.is_heading(TEXT.index("Fire"), "Fire\n")  # whitespace around it is not text
    assert not layout.is_heading(TEXT.index("Safety"), "Safety\n\nFire")  # more than the heading
    assert not layout.is_heading(TEXT.index("Intro"), "Intro.")  # no heading starts there


def test_pages_of_a_span():
    text = "one\n\ntwo two\n\nthree"
    # page 3 is blank: it starts where page 4 does, which wins
    layout = DocumentLayout(Document("d", "t", "t.pdf", text, pages=(0, 5, 14, 14)))
    assert [layout.page_at(i) for i in (0, 4, 5, 13, 14, len(text) - 1)] == [1, 1, 2, 2, 4, 4]
    assert layout.place(0, 3) == Place(1, 1, None)
    assert layout.place(5, 19) == Place(2, 4, None)  # a span over a page break gives both pages
    assert layout.place(5, 5) == Place(2, 2, None)


def test_only_documents_with_pages_or_headings_have_a_layout(tmp_path):
    plain = Document("p", "t", "t.txt", "Plain text.")
    pdf = Document("q", "t", "t.pdf", "one\n\ntwo", pages=(0, 5))
    guide = Document("g", "Guide", "g.md", TEXT, headings=HEADINGS)
    assert layout_line(plain) is None and set(layouts({"p": plain, "q": pdf, "g": guide})) == {"q", "g"}
    (tmp_path / "layout.jsonl").write_text("".join(layout_line(d) for d in (pdf, guide)), encoding="utf-8")
    assert read_layout(tmp_path) == {"q": ((0, 5), ()), "g": ((), HEADINGS)}
    assert NOWHERE == Place(None, None, None)
