"""Shared fixtures: one embedding model and one seed index per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def embedder():
    from rag.search.embedding import Embedder

    return Embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, embedder) -> Path:
    from rag.ingest.build import build_index
    from rag.settings import Settings

    index_dir = tmp_path_factory.mktemp("seed") / "index"
    build_index([SEEDS], Settings(index_dir=index_dir), embedder=embedder, show_progress=False)
    return index_dir


@pytest.fixture(scope="session")
def assistant(seed_index_dir, embedder):
    from rag.assistant import Assistant
    from rag.settings import Settings

    return Assistant(Settings(index_dir=seed_index_dir), embedder=embedder)


@pytest.fixture
def assistant_of(tmp_path, embedder):
    """An Assistant over an index of the given files (name -> text), built in the test's own folder."""
    from rag.assistant import Assistant
    from rag.ingest.build import build_index
    from rag.settings import Settings

    def build(files: dict[str, str]):
        docs = tmp_path / "docs"
        docs.mkdir()
        for name, text in files.items():
            (docs / name).write_text(text, encoding="utf-8")
        settings = Settings(index_dir=tmp_path / "index")
        build_index([docs], settings, embedder=embedder, show_progress=False)
        return Assistant(settings, embedder=embedder)

    return build


# A second, small document beside the seed article, for questions limited to some documents.
HARBOUR_NAME = "harbour-log.txt"
HARBOUR_TEXT = "Harbour log\n\nThe Vexley lighthouse keeper counted exactly 913 gulls on the north pier in June.\n"
HARBOUR_QUESTION = "How many gulls did the Vexley lighthouse keeper count?"


@pytest.fixture(scope="session")
def two_docs_dir(tmp_path_factory) -> Path:
    """A folder with the seed article and the harbour log."""
    folder = tmp_path_factory.mktemp("two-docs") / "docs"
    folder.mkdir()
    shutil.copy(SEEDS / "mosul-amnesty-report.txt", folder)
    (folder / HARBOUR_NAME).write_text(HARBOUR_TEXT, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def two_docs_index_dir(tmp_path_factory, two_docs_dir, embedder) -> Path:
    """An index of the seed article and the harbour log."""
    from rag.ingest.build import build_index
    from rag.settings import Settings

    index_dir = tmp_path_factory.mktemp("two-docs-index") / "index"
    build_index([two_docs_dir], Settings(index_dir=index_dir), embedder=embedder, show_progress=False)
    return index_dir


@pytest.fixture(scope="session")
def two_docs_assistant(two_docs_index_dir, embedder):
    from rag.assistant import Assistant
    from rag.settings import Settings

    return Assistant(Settings(index_dir=two_docs_index_dir), embedder=embedder)


@pytest.fixture
def _component_missing():
    """Used by tests/components.py: under CI, a test whose component is missing fails."""
    pytest.fail("a component this test needs is missing (CI=true: a missing component fails the run); "
                "`make test` installs it", pytrace=False)


@pytest.fixture
def index_copy(seed_index_dir, tmp_path) -> Path:
    """A private copy of the seed index that a test may rebuild or damage."""
    dest = tmp_path / "index"
    shutil.copytree(seed_index_dir, dest, symlinks=True)
    return dest


import hypothesis_profiles  # noqa: E402,F401 - registers and loads the Hypothesis profiles (default, long)
