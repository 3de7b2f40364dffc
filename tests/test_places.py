"""Citations a reader can find in the original: the page of a PDF, the section of Markdown and DOCX.

Real files made by the tests (a 3-page PDF by reportlab and a Markdown handbook, shared with
the UI tests, and a Word memo in Word's heading styles), indexed with the real model, asked
through the Assistant and the `rag` command.
"""

from __future__ import annotations

import json
import shutil

import pytest
from test_cli import rag
from ui_support import PLACE_QUESTIONS, write_place_sources

from rag.assistant import Assistant
from rag.settings import Settings
from rag.store.index import load_index
from rag.store.layout import LAYOUT_FILE
from rag.store.manifest import IndexMismatch, read_manifest

# the PDF and Markdown sources and their questions are shared with the UI tests (tests/ui_support.py)
QUESTIONS = {  # question -> (file, page, section, words of the cited sentence) of the first citation
    **PLACE_QUESTIONS,
    "What must divers log with the harbour master?": ("handbook.md", None, "Safety › Diving", "log every dive"),
    "How many volunteers did the Mosul office count?": ("memo.docx", None, "Findings › Mosul", "412 volunteers"),
    "How many blankets does the Erbil warehouse store?": ("memo.docx", None, "Findings › Erbil", "9,300 blankets"),
}


def _write_sources(folder):
    """The survey PDF and the handbook, and a Word memo whose headings are in Word's heading styles."""
    from docx import Document as WordDocument

    write_place_sources(folder)
    memo = WordDocument()
    memo.add_heading("Field memo", 0)  # the "Title" style
    memo.add_paragraph("Notes from the autumn visit to the northern offices.")
    memo.add_heading("Findings", 1)
    memo.add_heading("Mosul", 2)
    memo.add_paragraph("The Mosul office counted 412 volunteers in October.")
    memo.add_heading("Erbil", 2)
    memo.add_paragraph("The Erbil warehouse stores 9,300 blankets for the winter.")
    memo.save(folder / "memo.docx")


@pytest.fixture(scope="module")
def places_index(tmp_path_factory, embedder):
    from rag.ingest.build import build_index

    root = tmp_path_factory.mktemp("places")
    _write_sources(root / "sources")
    build_index([root / "sources"], Settings(index_dir=root / "index"), embedder=embedder, show_progress=False)
    return root / "index"


def _assistant(index_dir, embedder) -> Assistant:
    return Assistant(Settings(index_dir=index_dir, reader="off"), embedder=embedder)


def _first_places(assistant: Assistant) -> dict[str, tuple[str, int | None, str | None, str]]:
    """Each question's first citation: its file, page and section, and the expected words if its sentence has them."""
    found = {}
    for question, (_, _, _, words) in QUESTIONS.items():
        answer = assistant.ask(question)
        assert not answer.refused and answer.citations, question
        c = answer.citations[0]
        assert c.page_end == c.page, question  # each fact sits on one page
        sentence = c.text[c.sentence_start - c.start : c.sentence_end - c.start]
        found[question] = (c.source.rsplit("/", 1)[-1], c.page, c.section, words if words in sentence else sentence)
    return found


def test_each_answer_cites_the_page_and_section_of_its_sentence(places_index, embedder):
    assert _first_places(_assistant(places_index, embedder)) == QUESTIONS


def test_layout_is_stored_once_per_document_that_has_one(places_index):
    index = load_index(Settings(index_dir=places_index))
    lines = (index.path / LAYOUT_FILE).read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3  # one line a document: each has pages or headings
    by_name = {d.source.rsplit("/", 1)[-1]: d for d in index.documents.values()}
    assert len(by_name["survey.pdf"].pages) == 3 and by_name["handbook.md"].headings
    pdf = by_name["survey.pdf"]
    passages = [index.passage_place(pid) for pid in index.passages.of_document(pdf.doc_id)]
    assert [(p.page, p.page_end) for p in passages] == [(1, 1), (2, 2), (3, 3)]


def test_an_index_of_the_previous_format_is_rebuilt_and_its_answers_gain_places(places_index, embedder, tmp_path):
    """The format before pages and headings: refused with the fix named; `rag ingest` re-reads the sources, embeds nothing."""
    old = tmp_path / "index"
    shutil.copytree(places_index, old, symlinks=True)
    build = (old / "current").resolve()
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    (build / "manifest.json").write_text(json.dumps(manifest | {"format_version": 2}), encoding="utf-8")
    (build / LAYOUT_FILE).unlink()
    with pytest.raises(IndexMismatch, match="format version 2.*`rag ingest`"):
        load_index(Settings(index_dir=old))
    r = rag("ingest", "--index-dir", old, "--quiet")
    assert r.returncode == 0, r.stderr
    assert "indexed 3 document(s)" in r.stdout and "(0 embedded" in r.stdout
    assert read_manifest(old)["format_version"] == manifest["format_version"]
    assert _first_places(_assistant(old, embedder)) == QUESTIONS


def test_rag_ask_shows_page_and_section(places_index, monkeypatch):
    monkeypatch.setenv("RAG_READER", "off")
    r = rag("ask", "--json", "--index-dir", places_index, "How many passengers does the harbour ferry carry to Islay?")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)["citations"][0]
    assert (c["source"].endswith("survey.pdf"), c["page"], c["page_end"], c["section"]) == (True, 2, 2, None)
    r = rag("ask", "--index-dir", places_index, "Which container is the fire assembly point?")
    assert r.returncode == 0, r.stderr
    [source] = [line for line in r.stdout.splitlines() if line.startswith("[1] ")]
    assert "handbook.md, § Safety › Fire, chars " in source


def test_citation_place_label():
    from rag.answer.types import Citation

    cite = Citation(1, "d", "r.pdf", "Report", 0, 10, "text", 0.5, 0, 4)
    assert cite.place_label() == "" and cite.to_json()["page"] is None
    assert Citation(1, "d", "r.pdf", "R", 0, 10, "t", 0.5, 0, 4, page=12, page_end=12).place_label() == "p. 12"
    both = Citation(1, "d", "r.md", "R", 0, 10, "t", 0.5, 0, 4, 12, 13, "Findings › Mosul")
    assert both.place_label() == "pp. 12–13, § Findings › Mosul"
    assert {k: both.to_json()[k] for k in ("page", "page_end", "section")} == {"page": 12, "page_end": 13,
                                                                            "section": "Findings › Mosul"}
