"""A build's manifest (manifest.json): what it records, reading it, and whether it fits the settings.

The manifest is the last file a build writes: a build directory without one is incomplete.
Every problem with an index found here is an ``IndexError_`` whose message tells the user
what to do.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..settings import Settings
from ..text.attribution import ATTRIBUTION_VERSION

# 2: passages as arrays, statements and surface words stored by the build; 3: pages and headings (layout.jsonl);
# 4: text as a reader sees it (wrapped lines joined, Markdown without markup, a PDF's running heads dropped) and
# line breaks as sentence boundaries (rag/ingest/wrapping.py, rag/text/sentences.py)
FORMAT_VERSION = 4
# how a source file becomes a document's text (rag/ingest: formats, cleaning, wrapped lines): raise it when
# that changes, so a rebuild of unchanged files reads them again rather than copying the old text
READING_VERSION = 9  # 2: a wrapped line that starts with a number goes on with the sentence; 3: headings and
# list items go in one passage with their neighbours (rag/ingest/passages.py blocks); 4: a number that labels
# a line ("1.2.", "(a)") starts its sentence, not ends the one before (rag/text/sentences.py); 5: an HTML <pre>
# keeps its lines and a heading's permalink ("¶") is dropped (rag/ingest/formats.py); 6: a PDF's running head
# repeated on three pages goes, not only one on half of them (rag/ingest/pages.py), a word hyphenated at a wrap
# is one word again, and a contents or index line with dot leaders is dropped (rag/ingest/cleaning.py); 7: a line
# that ends with a word no sentence ends with ("prepared by") goes on with the next, a numbered heading ("4 Tables")
# is no table row (rag/text/sentences.py), a narrow column's lines count as wrapped (rag/ingest/wrapping.py), and
# HTML and Markdown list items keep a marker ("• ", "3. "; rag/ingest/formats.py, markdown.py), and a section
# number after a question starts the next sentence ("... it? 1.2. Where ..."), and a colon introduces the first
# line of a longer block (a command before its output) or the first item of a list; a command-line option's line
# goes on with its description ("-v, --invert-match" / "Invert the sense ..."), options are BM25 terms, and a
# line in capitals ("DESCRIPTION") is a heading nothing joins; 8: an HTML definition list's term (<dt>) is a heading
# 9: a reStructuredText substitution is its text and a badge image nothing, and `text` of the default role loses
# its backticks (rag/ingest/restructured.py); a Markdown file's raw HTML gives its headings and paragraphs, and a
# paragraph of images alone is no text (markdown.py); a plain text's underlined titles are headings (plaintext.py)
CACHE_FORMATS = (1, 2, 3, 4)  # formats whose vector and key files a build reads as its embedding cache
MANIFEST_FILE = "manifest.json"
# what every reader of a manifest relies on
MANIFEST_KEYS = (
    "format_version",
    "model",
    "dim",
    "chunking",
    "built_at",
    "sources",
    "documents",
    "passages",
    "sentences",
)


class IndexError_(Exception):
    """Base for index problems; the message is meant for the user."""


class IndexMissing(IndexError_):
    pass


class IndexCorrupt(IndexError_):
    pass


class IndexMismatch(IndexError_):
    pass


class StoreUnreachable(IndexError_):
    """The vector store an index records (a Milvus server) cannot be reached or refuses the credentials."""


class BuildError(IndexError_):
    pass


def current_build(index_dir: Path) -> Path | None:
    """The directory ``current`` points at, or None when there is no index."""
    link = Path(index_dir) / "current"
    if not link.is_symlink() and not link.exists():
        return None
    return link.resolve()


def existing_build(index_dir: Path) -> Path:
    """The directory ``current`` points at; raises IndexMissing when there is no index."""
    build = current_build(index_dir)
    if build is None:
        raise IndexMissing(f"no index in '{index_dir}': build one with `rag ingest PATH...`")
    return build


def corrupt(index_dir: Path, why: str) -> IndexCorrupt:
    """The error for a damaged index, naming the fix."""
    return IndexCorrupt(f"index in '{index_dir}' is corrupt ({why}); rebuild it with `rag ingest PATH...`")


def read_manifest(index_dir: Path, any_format: bool = False) -> dict:
    """The current build's manifest; raises IndexMissing / IndexCorrupt / IndexMismatch.

    ``any_format`` accepts a build of another format version: a rebuild still reads its
    sources and its embedding cache, which every version stores alike.
    """
    build = existing_build(index_dir)
    try:
        manifest = json.loads((build / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise corrupt(index_dir, f"manifest unreadable: {exc}") from exc
    if not isinstance(manifest, dict):
        raise corrupt(index_dir, "manifest is not a JSON object")
    if manifest.get("format_version") != FORMAT_VERSION and not any_format:
        raise IndexMismatch(
            f"index in '{index_dir}' has format version {manifest.get('format_version')}, this program reads {FORMAT_VERSION}; rebuild it with `rag ingest`"
        )
    missing = [key for key in MANIFEST_KEYS if key not in manifest]
    if missing:
        raise corrupt(index_dir, f"manifest lacks {', '.join(missing)}")
    return manifest


def check_compatible(manifest: dict, settings: Settings, index_dir: Path) -> None:
    """Refuse an index built with another model or chunking, naming both."""
    problems = []
    if manifest.get("model") != settings.embed_model:
        problems.append(f"model '{manifest.get('model')}' (current setting: '{settings.embed_model}')")
    if manifest.get("chunking") != settings.chunking():
        problems.append(f"chunking {manifest.get('chunking')} (current setting: {settings.chunking()})")
    if problems:
        raise IndexMismatch(
            f"index in '{index_dir}' was built with "
            + " and ".join(problems)
            + "; rebuild it with `rag ingest` or use the settings it was built with (e.g. --model)"
        )


def recorded_sources(index_dir: Path) -> tuple[list[str], list[str], dict[str, str]]:
    """What a rebuild keeps from the current build: its sources, its excluded files, and when
    each document was added (doc_id -> time); nothing when there is no readable index."""
    try:
        manifest = read_manifest(index_dir, any_format=True)
    except IndexError_:
        return [], [], {}
    return (
        manifest.get("sources", []),
        manifest.get("excluded", []),
        {d["doc_id"]: d.get("added_at", "") for d in manifest.get("documents", [])},
    )


def new_manifest(
    settings: Settings,
    *,
    backend: str,
    graph: str | None,
    dim: int | None,
    dense_index: dict,
    built_at: str,
    sources: list[str],
    excluded: list[str],
    documents: list[dict],
    passages: int,
    sentences: int,
    sentence_vectors: bool,
    sentence_pooling: str | None,
    files: dict[str, list[int]] | None = None,
    unreadable: dict[str, list] | None = None,
    checksums: dict[str, str] | None = None,
) -> dict:
    """A build's manifest: every key a reader finds in it, in the order it is written.

    ``files`` maps every file read to its [size, mtime_ns] when it was read, and ``unreadable``
    every file that could not be read to [size, mtime_ns, reason]: a rebuild that finds the same
    files with the same sizes and times reads none of them and copies the build, whose files'
    SHA-1 ``checksums`` tell that they are intact (rag/ingest/unchanged.py)."""
    return {
        "format_version": FORMAT_VERSION,
        "model": settings.embed_model,
        "embed_backend": backend,
        "embed_graph": graph,
        "dim": dim,
        "dense_index": dense_index,
        "chunking": settings.chunking(),
        "built_at": built_at,
        "sources": sources,
        "excluded": excluded,
        "documents": documents,
        "passages": passages,
        "sentences": sentences,
        "sentence_vectors": sentence_vectors,
        # "contextual": pooled from the passage's run (rag/search/pooling.py); "standalone": each embedded alone
        "sentence_pooling": sentence_pooling,
        "attribution": ATTRIBUTION_VERSION,
        "reading": READING_VERSION,
        "files": files or {},
        "unreadable": unreadable or {},
        "checksums": checksums or {},
    }


def write_manifest(build: Path, manifest: dict) -> None:
    """Write the manifest, the last file of a build: a build directory without one is incomplete."""
    # compact: json's C encoder runs only without indent (5x faster for a large corpus); `rag info --json` indents
    (build / MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, separators=(",", ":")), encoding="utf-8"
    )
