"""One reader per file format (txt, Markdown, HTML, PDF, DOCX): a file's bytes, size-limited and decoded, into its title and Draft."""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Callable
from pathlib import Path

from .cleaning import Draft
from .markdown import LIST_BULLET, markdown_blocks
from .pages import drop_running_lines
from .plaintext import text_blocks
from .restructured import rst_blocks

# Larger files are refused before a byte is read: a parser holds several times a file's
# size in memory, and 50 MB of text is already tens of thousands of passages to embed.
MAX_SOURCE_BYTES = 50 * 1024 * 1024

_HTML_BLOCKS = (
    "p",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "tr",
    "section",
    "article",
    "blockquote",
    "pre",
    "header",
    "footer",
    "figcaption",
    "table",
    "ul",
    "ol",
    "dd",
    "dt",
)


# Where a heading's text begins in an HTML page's text, with its level between: private-use characters
_HTML_HEADING = re.compile("\ue000([1-6])\ue001")
_DOCX_HEADING = re.compile(r"heading ([1-9])", re.I)


class SourceError(Exception):
    """A file that cannot be turned into a document; the message says why, on one line (a parser's own
    message, e.g. lxml's, may span lines: `rag ingest` prints one line per skipped file)."""

    def __init__(self, reason: object):
        super().__init__(" ".join(str(reason).split()))


def decode_bytes(data: bytes) -> str:
    """Decode text of unknown encoding: UTF-8 first, then charset detection."""
    if not data.strip():
        raise SourceError("empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SourceError("binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None:
        raise SourceError("binary file or unknown text encoding")
    text = str(best)
    # Short single-byte texts fit several code pages equally well; Western European
    # (Latin-1/cp1252) is by far the commonest, so it wins whenever it is a candidate.
    western = ("cp1252", "latin_1", "iso8859_15")
    if best.encoding not in western and any(m.encoding in western for m in matches):
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    # Control characters other than whitespace mean this was not really text.
    controls = sum(1 for ch in text[:20000] if unicodedata.category(ch) == "Cc" and ch not in "\n\r\t\f")
    if controls > len(text[:20000]) * 0.01:
        raise SourceError("binary file, not text")
    return text


def _title_from_text(text: str, fallback: str) -> str:
    first = text.split("\n", 1)[0].strip().lstrip("#").strip()
    return first if 0 < len(first) <= 200 else fallback


def _size(n: int) -> str:
    """200 MB, 50.5 MB, 12 KB."""
    if n < 1048576:
        return f"{max(1, round(n / 1024))} KB"
    return f"{n // 1048576} MB" if n % 1048576 == 0 else f"{n / 1048576:.1f} MB"


def _too_large(size: int, limit: int) -> SourceError:
    return SourceError(f"too large ({_size(size)}; the limit is {_size(limit)} per file): split it into smaller files")


def read_limited(path: Path, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The file's bytes, or SourceError when it holds more than ``limit``.

    Reads at most ``limit + 1`` bytes, so a file that grew after it was measured
    (or a device posing as a file) never takes more memory than the limit.
    """
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _too_large(max(len(data), Path(path).stat().st_size), limit)
    return data


def _read_text(path: Path, limit: int) -> tuple[str, Draft]:
    """Plain text as it is, its underlined titles headings (rag/ingest/plaintext.py)."""
    return _read_blocks(path, limit, text_blocks)


def _read_markdown(path: Path, limit: int) -> tuple[str, Draft]:
    """Markdown's text as a reader sees it (rag/ingest/markdown.py), each block a paragraph, headings marked."""
    return _read_blocks(path, limit, markdown_blocks)


def _read_rst(path: Path, limit: int) -> tuple[str, Draft]:
    """reStructuredText's text as a reader sees it (rag/ingest/restructured.py), each block a paragraph, headings
    marked."""
    return _read_blocks(path, limit, rst_blocks)


def _read_blocks(path: Path, limit: int, blocks: Callable[[str], list[tuple[str, int | None]]]) -> tuple[str, Draft]:
    """A markup's text by its ``blocks`` (text, heading level or None); its title is the first heading."""
    text = decode_bytes(read_limited(path, limit))
    draft = Draft()
    title = ""
    for block, level in blocks(text):
        draft.add(block, level)
        title = title or (block if level is not None else "")
    return title or _title_from_text(text, path.stem), draft


def _read_html(path: Path, limit: int) -> tuple[str, Draft]:
    from bs4 import BeautifulSoup, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        # XHTML opens with an XML declaration; its tags are HTML's, read so on purpose (bs4 warns of it to stderr)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(decode_bytes(read_limited(path, limit)), "lxml")
    for tag in soup(["script", "style", "noscript", "template", "iframe", "svg"]):
        tag.decompose()
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else path.stem
    for head in soup.find_all("head"):
        head.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    for anchor in soup.find_all("a", string=re.compile(r"^\s*[¶#]\s*$")):
        anchor.decompose()  # a heading's permalink (Sphinx, MkDocs: "Abstract¶")
    _keep_preformatted_lines(soup)
    _separate_cells(soup)
    _mark_html_headings(soup)
    _mark_list_items(soup)
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    draft = Draft()
    for paragraph in re.split(r"\n\s*\n", soup.get_text()):
        paragraph = re.sub(r"\s+", " ", paragraph).strip()
        paragraph = re.sub(r" ?\ue002[ \ue002]*", "\n", paragraph).strip()
        mark = _HTML_HEADING.match(paragraph)
        if mark:
            paragraph = paragraph[mark.end() :].strip()
        if paragraph:
            draft.add(paragraph, int(mark.group(1)) if mark else None)
    return title or path.stem, draft


def _keep_preformatted_lines(soup) -> None:
    """Mark the line breaks of <pre> blocks (code, a terminal session) so that they outlive the joining
    of the page's wrapped lines, as a Markdown code block keeps its lines; blank lines inside count as one."""
    from bs4.element import NavigableString

    for pre in soup.find_all("pre"):
        for text in pre.find_all(string=lambda s: type(s) is NavigableString):
            if "\n" in text:
                text.replace_with(text.replace("\n", "\ue002"))


def _separate_cells(soup) -> None:
    """Put a space between the cells of a table row: a browser draws the borders, and without them the texts of
    cells written without a line break between them run together ("IPv6--enable-ipv6 Extends TCPCONN ...")."""
    for cell in soup.find_all(["td", "th"]):
        if cell.find_previous_sibling(["td", "th"]) is not None:
            cell.insert_before(" ")


def _mark_list_items(soup) -> None:
    """Start each list item's text with its marker as a browser shows it ("• ", or "3. " in an ordered list), so
    the text reads as a list: a lead-in and its items (rag/answer/compose/listing.py)."""
    from bs4.element import NavigableString

    for li in soup.find_all("li"):
        parent = li.find_parent(["ul", "ol"])
        if parent is not None and parent.name == "ol":
            start = parent.get("start", "1")
            marker = f"{(int(start) if str(start).isdigit() else 1) + len(li.find_previous_siblings('li'))}. "
        else:
            marker = f"{LIST_BULLET} "
        # on the item's first text, not before a <p> inside it: a marker alone would be a paragraph of its own
        # (an item holding only a nested list gets none: its items have theirs)
        first = li.find(string=lambda t: type(t) is NavigableString and bool(t.strip()))
        if first is not None and first.find_parent("li") is li:
            first.replace_with(marker + first.lstrip())


def _mark_html_headings(soup) -> None:
    """Put a mark of each <h1>-<h6>'s level (and <dt>'s, 6) where its text begins, to find it in the page's text.

    A heading inside another heading is part of it, not a heading of its own: marking it too
    left marks in the text, and a page of headings nested thousands deep took time growing
    with the square of the depth (found by tests/test_fuzz_sources.py).
    """
    from bs4.element import NavigableString

    # a definition list's term (<dt>) heads its description, below the page's headings: "staff" in a list of groups;
    # not a contents entry or an option (_link_or_code)
    levels = {"h1": "1", "h2": "2", "h3": "3", "h4": "4", "h5": "5", "h6": "6", "dt": "6"}
    inside: set[int] = set()  # headings within a heading already marked (their subtrees are disjoint: linear)
    for tag in soup.find_all(list(levels)):
        if id(tag) in inside or (tag.name == "dt" and _link_or_code(tag)):
            continue
        inside.update(id(t) for t in tag.find_all(list(levels)))
        # text only: comments and CDATA are NavigableStrings too, but not part of the text
        first = tag.find(string=lambda s: type(s) is NavigableString and bool(s.strip()))
        if first is not None:
            first.replace_with(f"\ue000{levels[tag.name]}\ue001{first}")


def _link_or_code(tag) -> bool:
    """Whether all of a tag's text is a link's or code's: a contents entry ("9.2. Using Massif", a link to its
    section) or a command-line option ("--x=<4..1000> [default: 72]"), which say something, not a term."""
    inner = "".join(t.get_text() for t in tag.find_all(["a", "code", "tt", "kbd", "samp", "var"]))
    return "".join(inner.split()) == "".join(tag.get_text().split())


def _read_pdf(path: Path, limit: int) -> tuple[str, Draft]:  # size checked by read_document
    from pypdf import PdfReader

    try:
        reader = PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except OSError:
        raise
    except Exception as exc:  # a damaged PDF makes pypdf raise almost anything (NotImplementedError, zlib.error, ...)
        raise SourceError(f"malformed PDF ({type(exc).__name__}: {exc})") from exc
    texts = [p.strip() for p in drop_running_lines(pages)]
    if not any(texts):
        raise SourceError("PDF has no extractable text (scanned images need OCR)")
    draft = Draft()
    for text in texts:
        draft.new_page()
        if text:
            draft.add(text)
    first = next(t for t in texts if t)
    return meta_title.strip() or _title_from_text(first, path.stem), draft


def _read_docx(path: Path, limit: int) -> tuple[str, Draft]:  # size checked by read_document
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise SourceError(f"malformed DOCX ({exc})") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors have no common base
        raise SourceError(f"malformed DOCX ({type(exc).__name__}: {exc})") from exc
    draft = Draft()
    first = ""
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if text:
            draft.add(text, _docx_heading_level(paragraph))
            first = first or text
    title = (document.core_properties.title or "").strip()
    return title or _title_from_text(first, path.stem), draft


def _docx_heading_level(paragraph) -> int | None:
    """The level of a Word paragraph in a heading style ("Heading 1".."Heading 9", "Title" is 0, or a
    style based on one), else None."""
    style = paragraph.style
    for _ in range(8):  # styles inherit from a base style: a custom one based on "Heading 2" is a heading too
        if style is None or style.name is None:
            return None
        if style.name.lower() == "title":
            return 0
        m = _DOCX_HEADING.fullmatch(style.name)
        if m:
            return int(m.group(1))
        style = style.base_style
    return None


_READERS: dict[str, Callable[[Path, int], tuple[str, Draft]]] = {
    ".txt": _read_text,
    ".md": _read_markdown,
    ".markdown": _read_markdown,
    ".rst": _read_rst,
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
