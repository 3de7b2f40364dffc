"""Store uploaded files under ``<data_dir>/uploads`` with safe names, never outside it."""

from __future__ import annotations

import filecmp
import os
import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rag import SUPPORTED_SUFFIXES

# The types the library can read: .txt .md .markdown .rst .html .htm .pdf .docx
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


def store_uploads(files: Sequence[str | Path], uploads_dir: Path) -> Stored:
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
            target = _store_one(src, name, root, out)
        except UploadRefused as exc:
            out.refused.append(str(exc))
            continue
        except OSError as exc:
            out.refused.append(f"{safe_filename(src.name)}: could not be stored ({exc.strerror or exc})")
            continue
        out.paths.append(target)
    return out


def _store_one(src: Path, name: str, root: Path, out: Stored) -> Path:
    """Copy ``src`` into ``root`` as ``name`` (or a numbered variant); returns where it is."""
    stem, suffix = os.path.splitext(name)
    for i in range(1, 1000):
        target = root / (name if i == 1 else f"{stem}-{i}{suffix}")
        if target.is_symlink() or target.resolve().parent != root:  # never write through a link or outside
            raise UploadRefused(f"{name}: refused (would be stored outside the uploads folder)")
        if target.exists():
            if filecmp.cmp(src, target, shallow=False):
                return target  # the same bytes are stored already
            continue
        try:
            # "x": create only, so two uploads of one name at once cannot overwrite each other
            with open(src, "rb") as fin, open(target, "xb") as fout:
                shutil.copyfileobj(fin, fout, 1024 * 1024)
        except FileExistsError:
            continue
        out.created.append(target)
        return target
    raise UploadRefused(f"{name}: too many files with this name")
