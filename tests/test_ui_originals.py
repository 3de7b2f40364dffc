"""Open the original (no server): which file a link may serve, and where each source card's "open" leads.

Real files on disk; the manifest is the dict an index records (its sources, and each document's
source and aliases). The routes themselves run in tests/test_ui_server.py and tests/test_ui_browser.py.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from rag.answer.types import Citation
from rag_ui.access import Access
from rag_ui.originals import open_href, recorded_file

PDF_BYTES = b"%PDF-1.4\n% a stand-in: what is served is decided before a byte is read\n"


@pytest.fixture
def sources(tmp_path) -> dict:
    """A source folder with a PDF, a copy of it under another name, and a Markdown file; the manifest naming them."""
    folder = tmp_path / "src"
    folder.mkdir()
    for name in ("survey.pdf", "copy of survey.pdf"):
        (folder / name).write_bytes(PDF_BYTES)
    (folder / "handbook.md").write_text("# Handbook\n\nText.\n", encoding="utf-8")
    return {"sources": [str(folder)], "documents": [
        {"doc_id": "pdf1", "source": str(folder / "survey.pdf"), "aliases": [str(folder / "copy of survey.pdf")]},
        {"doc_id": "md1", "source": str(folder / "handbook.md"), "aliases": []},
    ]}


def _folder(manifest: dict) -> Path:
    return Path(manifest["sources"][0])


def test_a_recorded_pdf_is_served_by_its_name_or_its_alias(sources):
    folder = _folder(sources)
    assert recorded_file(sources, "pdf1", "survey.pdf") == folder / "survey.pdf"
    assert recorded_file(sources, "pdf1", "copy of survey.pdf") == folder / "copy of survey.pdf"


@pytest.mark.parametrize("doc_id, name", [
    ("nope", "survey.pdf"),                      # an unknown id
    ("pdf1", "other.pdf"),                       # a name the document does not have
    ("pdf1", "../src/survey.pdf"),               # path traversal, however spelt
    ("pdf1", "../../../../etc/passwd"),
    ("pdf1", "/etc/passwd"),
    ("pdf1", "SURVEY.PDF"),                      # names match exactly
    ("md1", "handbook.md"),                      # recorded, but not a PDF: text is shown by the source view
    ("md1", "survey.pdf"),                       # another document's file
])
def test_anything_else_is_refused(sources, doc_id, name):
    assert recorded_file(sources, doc_id, name) is None


def test_a_file_removed_from_the_index_or_from_disk_is_refused(sources):
    removed = {**sources, "documents": [d for d in sources["documents"] if d["doc_id"] != "pdf1"]}
    assert recorded_file(removed, "pdf1", "survey.pdf") is None
    (_folder(sources) / "survey.pdf").unlink()
    assert recorded_file(sources, "pdf1", "survey.pdf") is None


def test_a_symbolic_link_out_of_the_sources_is_refused(sources, tmp_path):
    outside = tmp_path / "private.pdf"
    outside.write_bytes(b"%PDF-1.4 private\n")
    link = _folder(sources) / "survey.pdf"
    link.unlink()
    link.symlink_to(outside)  # swapped in after the file was indexed
    assert recorded_file(sources, "pdf1", "survey.pdf") is None
    link.unlink()
    link.symlink_to(_folder(sources) / "copy of survey.pdf")  # a link that stays inside the sources is followed
    assert recorded_file(sources, "pdf1", "survey.pdf") == _folder(sources) / "copy of survey.pdf"


def test_a_source_folder_replaced_by_a_link_does_not_widen_what_is_served(sources, tmp_path):
    folder = _folder(sources)
    elsewhere = tmp_path / "elsewhere"
    folder.rename(elsewhere)
    folder.symlink_to(elsewhere, target_is_directory=True)
    assert recorded_file(sources, "pdf1", "survey.pdf") is None


def test_the_source_list_bounds_what_is_served(sources, tmp_path):
    stray = tmp_path / "stray.pdf"
    stray.write_bytes(PDF_BYTES)
    sources["documents"][0]["aliases"].append(str(stray))  # recorded, but under no recorded source
    assert recorded_file(sources, "pdf1", "stray.pdf") is None
    assert recorded_file({**sources, "sources": []}, "pdf1", "survey.pdf") is None


PAGE2 = Citation(1, "pdf1", "/src/my survey#2.pdf", "Survey", 100, 180, "x" * 80, 0.9, 110, 150, 2, 2, None)


def test_a_pdf_opens_at_the_page_of_the_cited_sentence():
    open_access = Access.from_options(None, None, "secret")
    assert open_href(PAGE2, open_access) == "original/pdf1/my%20survey%232.pdf#page=2"
    assert open_href(replace(PAGE2, page=None, page_end=None), open_access) == "original/pdf1/my%20survey%232.pdf"
    guarded = Access.from_options(None, ("alice", "pw"), "secret")
    url = urlparse(open_href(PAGE2, guarded))
    sig = parse_qs(url.query)["sig"][0]
    assert url.fragment == "page=2" and guarded.file_link_ok("pdf1", "my survey#2.pdf", sig)
    assert not guarded.file_link_ok("pdf1", "other.pdf", sig) and not guarded.file_link_ok("pdf1", "my survey#2.pdf", None)
    assert not guarded.link_ok("pdf1", 110, 150, sig)  # a file's signature opens no source view


def test_other_documents_open_the_source_view_at_the_cited_sentence():
    md = replace(PAGE2, source="/src/handbook.md", page=None, page_end=None, section="Safety › Fire")
    guarded = Access.from_options("key", None, "secret")
    url = urlparse(open_href(md, guarded))
    query = parse_qs(url.query)
    assert url.path == "source/pdf1" and url.fragment == "cited"
    assert (query["start"], query["end"]) == (["110"], ["150"]) and guarded.link_ok("pdf1", 110, 150, query["sig"][0])
    assert open_href(replace(md, source="notes://vexley"), guarded).startswith("source/pdf1?")
