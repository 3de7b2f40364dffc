from pathlib import Path

import pytest

from rag.sources import SourceError, clean_text, content_id, load_documents, read_document

from conftest import SEEDS


def test_seed_article_drops_comment_boilerplate_keeps_caption():
    doc = read_document(SEEDS / "mosul-amnesty-report.txt")
    assert doc.title.startswith("Iraqi-U.S. Coalition Pans Amnesty")
    assert "having issues with commenting" not in doc.text
    assert "recently retaken in western Mosul" in doc.text  # the photo caption is content
    assert doc.doc_id == content_id(doc.text)


def test_html_strips_markup_keeps_title_drops_scripts(tmp_path):
    f = tmp_path / "page.html"
    f.write_text(
        "<html><head><title>Night Owls</title><style>p{color:red}</style></head><body>"
        "<script>var secret = 1;</script><h1>Owls</h1><p>Owls hunt <b>at night</b>.</p><p>They eat mice.</p></body></html>",
        encoding="utf-8",
    )
    doc = read_document(f)
    assert doc.title == "Night Owls"
    assert "Owls hunt at night." in doc.text
    assert "secret" not in doc.text and "color" not in doc.text
    assert "\n\n" in doc.text  # paragraphs survive


def test_latin1_text_is_not_garbled(tmp_path):
    f = tmp_path / "cafe.txt"
    f.write_bytes("Le café de la place est fermé depuis l'été dernier. Les habitués regrettent sa crème brûlée.".encode("latin-1"))
    doc = read_document(f)
    assert "café" in doc.text and "crème brûlée" in doc.text


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("blob.txt", bytes(range(256)) * 20, "binary"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "DOCX"),
        ("notes.xyz", b"hello", "unsupported"),
    ],
)
def test_bad_files_raise_with_reason(tmp_path, name, data, reason):
    f = tmp_path / name
    f.write_bytes(data)
    with pytest.raises(SourceError, match=reason):
        read_document(f)


def test_folder_load_skips_bad_files_and_keeps_good(tmp_path):
    (tmp_path / "good.txt").write_text("A perfectly fine document about herons.", encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "bad.pdf").write_bytes(b"%PDF garbage")
    (tmp_path / "dup.txt").write_text("A perfectly fine document about herons.", encoding="utf-8")
    docs, skipped = load_documents([tmp_path, tmp_path / "missing.txt"], progress=False)
    assert [d.title for d in docs] == ["A perfectly fine document about herons."]
    reasons = dict(skipped)
    assert set(Path(p).name for p in reasons) == {"empty.txt", "bad.pdf", "missing.txt"}


def test_docx_and_pdf_are_read(tmp_path):
    import docx

    d = docx.Document()
    d.core_properties.title = "Heron report"
    d.add_paragraph("Grey herons nest in colonies.")
    d.add_paragraph("They eat fish.")
    d.save(tmp_path / "herons.docx")
    doc = read_document(tmp_path / "herons.docx")
    assert doc.title == "Heron report" and "Grey herons nest in colonies.\n\nThey eat fish." in doc.text

    reportlab = pytest.importorskip("reportlab.pdfgen.canvas")
    c = reportlab.Canvas(str(tmp_path / "owls.pdf"))
    c.drawString(72, 720, "Barn owls swallow their prey whole.")
    c.save()
    assert "Barn owls swallow their prey whole." in read_document(tmp_path / "owls.pdf").text


def test_clean_text_normalises_whitespace():
    assert clean_text("a\r\n\r\n\r\n\r\nb\u00a0c  d") == "a\n\nb c d"
