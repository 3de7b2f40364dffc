"""Generated inputs for every source parser (rag/ingest/sources.py, through ``read_document``): random bytes,
mutated real files, deep nesting, huge lines, odd encodings.

Each file is either read into a document whose offsets hold (its id is the hash of its
text, pages and headings point into it) or refused with a SourceError naming a reason;
never another exception, and never more than a time budget per file (a hang fails the
example). A folder of such files is then ingested: every file is indexed or named, and
the index is whole. Profiles: tests/hypothesis_profiles.py.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS
from fuzz_support import budget
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rag.ingest.sources import SourceError, read_document
from rag.store.documents import content_id

SUFFIXES = [".txt", ".md", ".rst", ".html", ".pdf", ".docx"]
FROZEN = ROOT / "rag" / "eval" / "data" / "frozen" / "docs"
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1", "koi8-r",
             "shift_jis", "gb18030", "euc-kr", "iso8859-7", "mac-roman"]


def read_or_reason(path: Path) -> str:
    """Read ``path`` within the budget: the document's checks hold, or a SourceError names a reason; returns
    "read" or "refused"."""
    try:
        with budget():
            doc = read_document(path)
    except SourceError as exc:
        assert str(exc).strip() and "\n" not in str(exc).strip(), repr(exc)  # one line naming the reason
        return "refused"
    assert doc.text and doc.text == doc.text.strip() and doc.doc_id == content_id(doc.text)
    assert doc.title and doc.source == str(path)
    assert list(doc.pages) == sorted(doc.pages) and all(0 <= p <= len(doc.text) for p in doc.pages)
    assert all(0 <= h.start <= len(doc.text) and h.text for h in doc.headings)
    return "read"


def docx_bytes(paragraphs: list[tuple[str, int | None]]) -> bytes:
    """A real DOCX (python-docx) with these paragraphs, each a heading of that level or plain (None)."""
    import docx

    document = docx.Document()
    for text, level in paragraphs:
        document.add_heading(text, level) if level is not None else document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _clean(text: str) -> str:
    """``text`` without NUL and lone surrogates (which no file can carry as text)."""
    return "".join(ch for ch in text if ch not in "\x00" and not 0xD800 <= ord(ch) <= 0xDFFF)


def _xml_safe(text: str) -> str:
    """``text`` with only the characters XML (and so a DOCX) can hold."""
    return "".join(ch for ch in text if ch in "\t\n\r" or 0x20 <= ord(ch) < 0xD800 or 0xE000 <= ord(ch) <= 0xFFFD
                   or ord(ch) >= 0x10000)


def real_files() -> dict[str, bytes]:
    """Real sources of every type, to mutate."""
    files = {"seed.txt": (SEEDS / "mosul-amnesty-report.txt").read_bytes(),
             "report.pdf": (FROZEN / "annual_report_2023.pdf").read_bytes(),
             "safety.pdf": (ROOT / "docs" / "examples" / "safety-report.pdf").read_bytes(),
             "wal.html": (FROZEN / "sqlite_wal.html").read_bytes(),
             "timers.md": (FROZEN / "node_timers.md").read_bytes(),
             "licence.txt": (FROZEN / "MPL-2.0.txt").read_bytes()}
    files["guide.rst"] = (b"==========\nUser Guide\n==========\n\n.. A comment\n   on two lines.\n\nRunning\n=======\n\n"
                          b"Run it as follows::\n\n   python -m pip list\n\n.. tab:: Unix\n\n   .. code-block:: shell\n\n"
                          b"      pip <args>\n\n   See :ref:`specs <s>` and `PyPI`_.\n\n#. One reason.\n#. Another\n"
                          b"   reason.\n\n* an item\n  continued\n\n.. _PyPI: https://pypi.org\n")
    files["handbook.docx"] = docx_bytes([("Harbour Handbook", 0), ("Safety", 1), ("Fire", 2),
                                         ("The fire assembly point is the blue container.", None)])
    return files


REAL = real_files()


@st.composite
def mutated(draw) -> tuple[str, bytes]:
    """A real file with a few byte-level mutations: flips, cuts, insertions, repeated slices; for a DOCX,
    also its document.xml mutated inside a valid zip."""
    name = draw(st.sampled_from(sorted(REAL)))
    data = bytearray(REAL[name])
    if name.endswith(".docx") and draw(st.booleans()):
        return name, _mutate_docx_xml(bytes(data), draw)
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "repeat", "truncate"]))
        at = draw(st.integers(0, max(0, len(data) - 1)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 4096))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=256))
        elif kind == "repeat":
            data[at:at] = data[at : at + draw(st.integers(1, 512))] * draw(st.integers(2, 50))
        else:
            del data[at:]
    return name, bytes(data)


def _mutate_docx_xml(data: bytes, draw) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            body = src.read(item)
            if item.filename == "word/document.xml":
                at = draw(st.integers(0, len(body)))
                body = body[:at] + draw(st.binary(max_size=64)) + body[at + draw(st.integers(0, 64)):]
            dst.writestr(item, body)
    return out.getvalue()


def nested_html(depth: int, tag: str, text: str) -> str:
    return f"<html><head><title>{text[:20]}</title></head><body>" + f"<{tag}>" * depth + text + f"</{tag}>" * depth


def nested_markdown(depth: int, text: str) -> str:
    quote = "> " * depth + text
    bullets = "\n".join("  " * i + f"- {text} {i}" for i in range(depth))
    headings = "\n".join("#" * (1 + i % 7) + f" {text}" for i in range(depth))
    return f"{quote}\n\n{bullets}\n\n```\n{headings}\n" + "~" * depth + "\n" + headings


@st.composite
def structured(draw) -> tuple[str, bytes]:
    """Deep nesting, huge lines and odd encodings, as a file name and its bytes."""
    text = _clean(draw(st.text(min_size=0, max_size=200)))
    kind = draw(st.sampled_from(["html", "markdown", "huge line", "encoded", "docx"]))
    depth = draw(st.integers(1, 3000))
    if kind == "html":
        return "nested.html", nested_html(depth, draw(st.sampled_from(["div", "p", "h2", "ul", "table", "b"])), text).encode()
    if kind == "markdown":
        return "nested.md", nested_markdown(min(depth, 400), text).encode()
    if kind == "huge line":
        word = draw(st.sampled_from(["w", "word ", "长", "\u00a0", "a\u0301", "\t"]))
        return draw(st.sampled_from(["line.txt", "line.md", "line.html"])), (word * draw(st.integers(1, 100_000))).encode()
    if kind == "encoded":
        encoding = draw(st.sampled_from(ENCODINGS))
        return f"enc-{encoding}.txt", text.encode(encoding, errors="ignore")
    paragraphs = draw(st.lists(st.tuples(st.text(max_size=80).map(_xml_safe), st.one_of(st.none(), st.integers(0, 9))),
                               max_size=20))
    return "made.docx", docx_bytes([(p, level) for p, level in paragraphs])


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz-sources")


@pytest.mark.parametrize("suffix", SUFFIXES)
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_read_or_named(scratch, suffix, data):
    read_or_reason(_write(scratch, "random" + suffix, data))


@given(sample=mutated())
def test_mutated_real_files_are_read_or_named(scratch, sample):
    name, data = sample
    read_or_reason(_write(scratch, name, data))


@given(sample=structured())
def test_nesting_huge_lines_and_encodings_are_read_or_named(scratch, sample):
    name, data = sample
    assume(data)
    read_or_reason(_write(scratch, name, data))


random_file = st.tuples(st.sampled_from(SUFFIXES).map(lambda suffix: "random" + suffix), st.binary(max_size=4000))


@settings(max_examples=3)  # a whole ingest per example: a few in every profile (the parsers above get the thousands)
@given(files=st.lists(st.one_of(mutated(), structured(), random_file), min_size=10, max_size=25))
def test_a_folder_of_generated_files_is_indexed_whole_or_named(tmp_path_factory, embedder, files):
    """A folder of generated files (random, mutated, nested, encoded): `build_index` indexes each or names it with
    a reason, exactly as the parser alone decides, and the index it makes is whole."""
    from rag.ingest.build import build_index
    from rag.settings import Settings
    from rag.store.index import load_index
    from rag.store.manifest import BuildError

    work = tmp_path_factory.mktemp("fuzz-folder")
    src = work / "src"
    src.mkdir()
    paths = [_write(src, f"{i:02d}-{name}", data or b" ") for i, (name, data) in enumerate(files)]
    expected = {str(p): read_or_reason(p) for p in paths}
    settings_ = Settings(index_dir=work / "index")
    try:
        report = build_index([src], settings_, embedder=embedder, show_progress=False)
    except BuildError as exc:  # nothing readable: refused whole, with every reason, and no index made
        assert set(expected.values()) == {"refused"} and str(exc).startswith("no document could be read")
        assert not (work / "index" / "current").exists()
        return
    named = {p for p, _ in report.skipped}
    index = load_index(settings_)
    indexed = {s for d in index.manifest["documents"] for s in [d["source"], *d.get("aliases", [])]}
    assert indexed | named == set(expected) and not indexed & named
    assert named == {p for p, how in expected.items() if how == "refused"}
    assert len(index.documents) == len(index.manifest["documents"]) == report.documents
    for p in index.passages:
        assert 0 <= p.start < p.end <= len(index.documents[p.doc_id].text)
