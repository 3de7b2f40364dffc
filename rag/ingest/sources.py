"""Read source files (txt, md, html, pdf, docx) into clean documents.

Each document's ``text`` is the clean text every offset in the index refers to. Where a
PDF's pages start and where the headings of Markdown, HTML and DOCX stand are kept as
offsets into it (``Document.pages``, ``Document.headings``): readers mark them on the
lines of a :class:`Draft`, and cleaning carries each line's offset through.
Files that cannot be read raise :class:`SourceError` with a reason a user can act on.
"""

from __future__ import annotations

import errno
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..store.documents import Document, Heading, content_id
from .markdown import markdown_blocks
from .pages import drop_running_lines
from .wrapping import soft_breaks

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")

# Larger files are refused before a byte is read: a parser holds several times a file's
# size in memory, and 50 MB of text is already tens of thousands of passages to embed.
MAX_SOURCE_BYTES = 50 * 1024 * 1024

# Site furniture that is not part of an article. Matched against whole lines.
BOILERPLATE = [
    # a request about the site's comment section, not about the article's subject
    re.compile(r"^(please )?(let us know|tell us|contact us)\b.{0,60}\bcomment(s|ing)?\b.{0,20}$", re.I),
    re.compile(r"^(share (this|on) .{0,40}|click here to .{0,60}|sign up for our newsletter.{0,60})$", re.I),
]

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
_SPACES = re.compile(r"[ \t\f\v]+")


class SourceError(Exception):
    """A file that cannot be turned into a document; the message says why, on one line (a parser's own
    message, e.g. lxml's, may span lines: `rag ingest` prints one line per skipped file)."""

    def __init__(self, reason: object):
        super().__init__(" ".join(str(reason).split()))


def normalize_text(text: str) -> str:
    """Cleaning's first step: Unicode NFC, every line break a ``\\n``, no-break spaces as spaces, no byte-order marks."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\u00a0", " ").replace("\ufeff", "")


def clean_text(text: str) -> str:
    """Normalise unicode and whitespace, keep paragraphs, drop boilerplate lines."""
    return clean_lines(normalize_text(text).split("\n"))[0]


def clean_lines(lines: list[str]) -> tuple[str, list[int]]:
    """The clean text of normalised lines, and where each line begins in it.

    Each line is whitespace-collapsed and stripped, boilerplate lines are dropped, a run of
    blank lines becomes one paragraph break, and blank lines at either end go. In a text wrapped
    at a fixed width, a break that only wraps a paragraph becomes a space (rag/ingest/wrapping.py). ``starts``
    has one offset per line and one more for the end: a blank or dropped line begins where
    the next text does. A page start or heading marked on a line so keeps an exact offset.
    """
    parts: list[str] = []
    starts: list[int | None] = []
    size, blank = 0, False
    wraps = soft_breaks(lines)  # breaks that only wrap a paragraph at a fixed width join with a space
    previous = -1
    for i, line in enumerate(lines):
        line = _SPACES.sub(" ", line).strip()
        if not line or any(p.match(line) for p in BOILERPLATE):
            blank = blank or not line  # a dropped line is gone; a blank one breaks the paragraph
            starts.append(None)
            continue
        if parts:
            parts.append("\n\n" if blank else " " if previous == i - 1 and previous in wraps else "\n")
            size += len(parts[-1])
        previous = i
        starts.append(size)
        parts.append(line)
        size += len(line)
        blank = False
    following = size
    filled: list[int] = []  # a blank or dropped line's start is the next text's
    for start in reversed(starts):
        following = following if start is None else start
        filled.append(following)
    filled.reverse()
    return "".join(parts), [*filled, size]


@dataclass
class Draft:
    """A source's text before cleaning: normalised lines, and the lines where pages and headings begin.

    Readers add blocks (a page, a paragraph, a whole file) separated by a blank line, so the
    clean text is the same as cleaning the blocks joined by blank lines, and every mark on a
    line comes out as an exact offset into it.
    """

    lines: list[str] = field(default_factory=list)
    page_lines: list[int] = field(default_factory=list)
    heading_lines: list[tuple[int, int, str]] = field(default_factory=list)  # (line, level, text)

    def add(self, text: str, heading: int | None = None) -> None:
        """Append a block; ``heading`` is its level when the block is a heading."""
        if self.lines:
            self.lines.append("")
        if heading is not None:
            self.heading_lines.append((len(self.lines), heading, text))
        self.lines.extend(normalize_text(text).split("\n"))

    def new_page(self) -> None:
        """The next block begins a page (a page with no text begins where the next text does)."""
        self.page_lines.append(len(self.lines) + (1 if self.lines else 0))

    def finish(self) -> tuple[str, tuple[int, ...], tuple[Heading, ...]]:
        """The clean text, the offset of each page's start, and the headings with their offsets."""
        text, starts = clean_lines(self.lines)
        last = len(starts) - 1
        pages = tuple(starts[min(line, last)] for line in self.page_lines)
        headings = []
        for line, level, name in self.heading_lines:
            name = " ".join(clean_text(name).split())
            if name:
                headings.append(Heading(starts[min(line, last)], level, name))
        return text, pages, tuple(headings)


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
    text = decode_bytes(read_limited(path, limit))
    draft = Draft()
    draft.add(text)
    return _title_from_text(text, path.stem), draft


def _read_markdown(path: Path, limit: int) -> tuple[str, Draft]:
    """Markdown's text as a reader sees it (rag/ingest/markdown.py), each block a paragraph, headings marked."""
    text = decode_bytes(read_limited(path, limit))
    draft = Draft()
    title = ""
    for block, level in markdown_blocks(text):
        draft.add(block, level)
        title = title or (block if level is not None else "")
    return title or _title_from_text(text, path.stem), draft


def _read_html(path: Path, limit: int) -> tuple[str, Draft]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_bytes(read_limited(path, limit)), "lxml")
    for tag in soup(["script", "style", "noscript", "template", "iframe", "svg"]):
        tag.decompose()
    title_tag = soup.find("title") or soup.find("h1")
    title = title_tag.get_text(" ", strip=True) if title_tag else path.stem
    for head in soup.find_all("head"):
        head.decompose()
    for br in soup.find_all("br"):
        br.replace_with("\n")
    _mark_html_headings(soup)
    for tag in soup.find_all(_HTML_BLOCKS):
        tag.insert_before("\n\n")
        tag.insert_after("\n\n")
    draft = Draft()
    for paragraph in re.split(r"\n\s*\n", soup.get_text()):
        paragraph = re.sub(r"\s+", " ", paragraph).strip()
        mark = _HTML_HEADING.match(paragraph)
        if mark:
            paragraph = paragraph[mark.end() :].strip()
        if paragraph:
            draft.add(paragraph, int(mark.group(1)) if mark else None)
    return title or path.stem, draft


def _mark_html_headings(soup) -> None:
    """Put a mark of each <h1>-<h6>'s level where its text begins, to find it in the page's text.

    A heading inside another heading is part of it, not a heading of its own: marking it too
    left marks in the text, and a page of headings nested thousands deep took time growing
    with the square of the depth (found by tests/test_fuzz_sources.py).
    """
    from bs4.element import NavigableString

    levels = ["h1", "h2", "h3", "h4", "h5", "h6"]
    inside: set[int] = set()  # headings within a heading already marked (their subtrees are disjoint: linear)
    for tag in soup.find_all(levels):
        if id(tag) in inside:
            continue
        inside.update(id(t) for t in tag.find_all(levels))
        # text only: comments and CDATA are NavigableStrings too, but not part of the text
        first = tag.find(string=lambda s: type(s) is NavigableString and bool(s.strip()))
        if first is not None:
            first.replace_with(f"\ue000{tag.name[1]}\ue001{first}")


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
    ".html": _read_html,
    ".htm": _read_html,
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}


def read_document(path: Path, max_bytes: int = MAX_SOURCE_BYTES) -> Document:
    """Read one file into a :class:`Document`, or raise :class:`SourceError` saying why not.

    Files over ``max_bytes`` are refused before they are read.
    """
    path = Path(path)
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise SourceError(
            f"unsupported file type '{path.suffix or '(none)'}' (supported: {', '.join(SUPPORTED_SUFFIXES)})"
        )
    try:
        size = path.stat().st_size
        if size == 0:
            raise SourceError("empty file")
        if size > max_bytes:
            raise _too_large(size, max_bytes)
        title, draft = reader(path, max_bytes)
        text, pages, headings = draft.finish()
    except OSError as exc:
        raise SourceError(_os_reason(exc)) from exc
    except SourceError:
        raise
    except Exception as exc:  # a parser's bug on a strange file must cost that file only, not the whole build
        raise SourceError(f"cannot be parsed ({type(exc).__name__}: {exc})") from exc
    if not text:
        raise SourceError("no text after cleaning")
    return Document(
        doc_id=content_id(text),
        title=clean_text(title) or path.stem,
        source=str(path),
        text=text,
        pages=pages,
        headings=headings,
    )


def _os_reason(exc: OSError) -> str:
    """A user's reason for an OSError met while reading a path."""
    if exc.errno == errno.ELOOP:
        return "symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "no such file or folder"
    return f"cannot read ({exc.strerror or exc})"


def _link_problem(path: Path) -> str:
    """Why ``path`` (a symbolic link that is neither file nor folder) cannot be read."""
    try:
        os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT:
            return "broken symbolic link (its target does not exist)"
        return _os_reason(exc)
    return "not a regular file or folder"


def _walk(folder: Path, files: list[Path], skipped: list[tuple[str, str]]) -> None:
    """Add supported files under ``folder`` to ``files`` in name order; hidden entries are skipped.

    Symbolic links to folders are followed, except one that leads back to a folder being
    walked (a loop) or already walked (the same files again): those are named in ``skipped``.
    """
    seen: set[tuple[int, int]] = set()

    def visit(d: Path, ancestors: tuple[tuple[int, int], ...]) -> None:
        try:
            st = d.stat()
            key = (st.st_dev, st.st_ino)
            if key in ancestors:
                skipped.append((str(d), "symbolic link loop (leads back to a folder above it)"))
                return
            if key in seen:
                skipped.append((str(d), "folder already read through another path"))
                return
            seen.add(key)
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            skipped.append((str(d), _os_reason(exc)))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            p = Path(entry.path)
            suffix = p.suffix.lower()
            try:
                if entry.is_dir():  # follows links
                    visit(p, ancestors + (key,))
                elif entry.is_file():
                    if suffix in SUPPORTED_SUFFIXES:
                        files.append(p)
                elif entry.is_symlink() and (suffix in SUPPORTED_SUFFIXES or not suffix):
                    skipped.append((str(p), _link_problem(p)))
            except OSError as exc:
                skipped.append((str(p), _os_reason(exc)))

    visit(folder, ())


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Files under the given files and folders (in name order, hidden files skipped), and (path, reason) for paths that cannot be read."""
    files: list[Path] = []
    skipped: list[tuple[str, str]] = []
    for p in map(Path, paths):
        if p.is_dir():
            _walk(p, files, skipped)
        elif p.is_file():
            files.append(p)
        elif p.is_symlink():
            skipped.append((str(p), _link_problem(p)))
        elif p.exists():
            skipped.append((str(p), "not a regular file or folder"))
        else:
            skipped.append((str(p), "no such file or folder"))
    return files, skipped


def merge_duplicate(first: Document, doc: Document) -> Document:
    """``first`` with ``doc``'s file name among its sources (``doc`` has the same text).

    Files with the same clean text are one document (its id is the content hash) that
    lists every file name in ``sources``. A folder given twice lists its files twice:
    a name already listed is not added again.
    """
    return first if doc.source in first.sources else replace(first, aliases=first.aliases + (doc.source,))


class DocumentStream:
    """The documents under some files and folders, read one file at a time, as often as iterated.

    Nothing but the current file's clean text is held, so a build can stream a corpus
    larger than memory. Each pass yields every readable file's document (duplicates
    included: the consumer merges them with ``merge_duplicate``) and refills
    ``skipped`` with (path, reason) for what could not be read. ``total`` is the
    number of files to read.
    """

    def __init__(self, paths: Iterable[Path], exclude: set[str] | None = None, max_bytes: int = MAX_SOURCE_BYTES):
        self.max_bytes = max_bytes
        # the folders are walked once; every pass reads these files again
        files, self.unlisted = expand_paths(paths)
        self.files = [f for f in files if str(f.resolve()) not in exclude] if exclude else files
        self.total = len(self.files)
        self.skipped: list[tuple[str, str]] = []
        self.stats: dict[str, list[int]] = {}  # each file's size and mtime_ns, taken just before it was read

    def __len__(self) -> int:
        return self.total

    def __iter__(self) -> Iterator[Document]:
        self.skipped[:] = self.unlisted
        self.stats.clear()
        for f in self.files:
            # taken before reading: a file changed while it is read looks changed to the next build too
            stat = file_stat(f)
            if stat is not None:
                self.stats[str(f)] = stat
            try:
                yield read_document(f, self.max_bytes)
            except SourceError as exc:
                self.skipped.append((str(f), str(exc)))


def file_stat(path: Path) -> list[int] | None:
    """A file's [size, mtime_ns]: what tells an unchanged source without reading it (None when it cannot be stat'ed)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def load_documents(
    paths: Iterable[Path],
    progress: bool = True,
    exclude: set[str] | None = None,
    max_bytes: int = MAX_SOURCE_BYTES,
) -> tuple[list[Document], list[tuple[str, str]]]:
    """Read every file under ``paths`` except those in ``exclude`` (resolved paths), into memory.

    Returns the documents and (path, reason) for skipped files. Files with the same
    clean text become one document (see ``merge_duplicate``). Builds stream
    (``DocumentStream``); this list is for evaluation and tools.
    """
    from tqdm.auto import tqdm

    stream = DocumentStream(paths, exclude, max_bytes)
    docs: dict[str, Document] = {}
    for doc in tqdm(
        stream, total=len(stream), desc="Reading sources", unit="file", disable=not progress or len(stream) < 2
    ):
        first = docs.get(doc.doc_id)
        docs[doc.doc_id] = doc if first is None else merge_duplicate(first, doc)
    return list(docs.values()), stream.skipped
