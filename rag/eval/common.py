"""What every evaluation shares: building an index of given documents, answer lengths, text matching."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

import numpy as np

from ..settings import Settings
from ..store.documents import Document


# -- shared ------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def answer_words(text: str) -> int:
    """Words of an answer, citation markers and bullets not counted."""
    return len(re.sub(r"\[\d+\]|^- ", " ", text, flags=re.M).split())


def norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text)


def assistant_for(docs: list[Document], settings: Settings, workdir: Path, with_sentences: bool = True):
    from ..assistant import Assistant
    from ..ingest.build import write_index

    settings = settings.replace(index_dir=workdir / "index")
    report = write_index(docs, [], settings, show_progress=sys.stderr.isatty(), with_sentences=with_sentences)
    return Assistant(settings), report


def workdir(work_dir: Path | None, name: str):
    """A kept folder under ``work_dir`` (its index doubles as the embedding cache) or a temporary one."""
    if work_dir:
        path = Path(work_dir) / name
        path.mkdir(parents=True, exist_ok=True)
        import contextlib

        return contextlib.nullcontext(str(path))
    return tempfile.TemporaryDirectory()
