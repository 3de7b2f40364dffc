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
