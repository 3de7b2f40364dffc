"""Read source files (txt, md, html, pdf, docx) into clean documents.

Each document's ``text`` is the clean text every offset in the index refers to. Where a
PDF's pages start and where the headings of Markdown, HTML and DOCX stand are kept as
offsets into it (``Document.pages``, ``Document.headings``): readers mark them on the
lines of a :class:`Draft`, and cleaning carries each line's offset through.
Files that cannot be read raise :class:`SourceError` with a reason a user can act on.
Here: which reader a file gets, folders walked, documents streamed; the readers are in
rag/ingest/formats.py, cleaning in rag/ingest/cleaning.py.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from ..store.documents import Document, content_id
from .cleaning import BOILERPLATE as BOILERPLATE
from .cleaning import Draft as Draft
from .cleaning import clean_text as clean_text
from .cleaning import normalize_text as normalize_text
from .formats import _READERS, _too_large
from .formats import MAX_SOURCE_BYTES as MAX_SOURCE_BYTES
from .formats import SourceError as SourceError
from .formats import read_limited as read_limited

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".rst", ".html", ".htm", ".pdf", ".docx")


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
