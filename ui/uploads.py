"""Store uploaded files under ``<data_dir>/uploads`` with safe names, never outside it."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from rag.sources import SUPPORTED_SUFFIXES

# The types the library can read: .txt .md .markdown .html .htm .pdf .docx
ALLOWED_SUFFIXES = tuple(SUPPORTED_SUFFIXES)
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_LABEL = "20 MB"


class UploadRefused(ValueError):
    """An uploaded file that is not stored; the message says why."""


def safe_filename(name: str) -> str:
    """A file name with no directory parts, only [A-Za-z0-9._-], no leading dot, a lower-case suffix."""
    base = unicodedata.normalize("NFKC", str(name)).replace("\\", "/").split("/")[-1]
    stem, suffix = os.path.splitext(base)
    suffix = suffix.lower()
    if not re.fullmatch(r"\.[a-z0-9]{1,10}", suffix or ""):
        suffix = ""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._-")[:100] or "document"
    return stem + suffix


def check_upload(path: Path, original_name: str | None = None) -> str:
    """The safe name for an upload, or UploadRefused (type not supported, too large, empty name)."""
    name = safe_filename(original_name or Path(path).name)
    suffix = os.path.splitext(name)[1]
    if suffix not in ALLOWED_SUFFIXES:
        raise UploadRefused(
            f"{name}: file type '{suffix or '(none)'}' is not supported (use {', '.join(ALLOWED_SUFFIXES)})"
        )
    size = Path(path).stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise UploadRefused(f"{name}: {size / 1048576:.1f} MB is over the {MAX_UPLOAD_LABEL} limit")
    return name


@dataclass
class Stored:
    """Uploads that were stored (``created`` are new files, removable if the build fails) and refused ones."""

    paths: list[Path] = field(default_factory=list)
    created: list[Path] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    def discard_created(self) -> None:
        for p in self.created:
            p.unlink(missing_ok=True)
        self.created.clear()


def store_uploads(files: list[str | Path], uploads_dir: Path) -> Stored:
    """Copy uploaded temp files into ``uploads_dir``.

    Same name and same bytes as a stored file: that file is reused. Same name,
    other bytes: the new file gets a numbered name, so nothing indexed is overwritten.
    """
    uploads_dir = Path(uploads_dir)
    uploads_dir.mkdir(parents=True, exist_ok=True)
    root = uploads_dir.resolve()
    out = Stored()
    for f in files:
        src = Path(f)
        try:
            name = check_upload(src)
        except UploadRefused as exc:
            out.refused.append(str(exc))
            continue
        stem, suffix = os.path.splitext(name)
        for i in range(1, 1000):
            target = root / (name if i == 1 else f"{stem}-{i}{suffix}")
            if target.resolve().parent != root:  # cannot happen with a safe name; belt and braces
                raise UploadRefused(f"{name}: refused (would be stored outside {root})")
            if not target.exists():
                shutil.copyfile(src, target)
                out.created.append(target)
                break
            if filecmp.cmp(src, target, shallow=False):
                break
        else:
            out.refused.append(f"{name}: too many files with this name")
            continue
        out.paths.append(target)
    return out
