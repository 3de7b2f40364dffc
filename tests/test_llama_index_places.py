"""llama-index nodes carry where a citation is in the original: page, page_end, section.

Shown to an LLM when known (so it can say "p. 12"), never embedded; an answer over a real
3-page PDF and a Markdown handbook (made here) gives its source nodes the right page and section.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from llama_index.core.schema import MetadataMode
from ui_support import write_place_sources

from rag.answer.types import Citation
from rag.integrations.llama_index import CitedQueryEngine, citation_node

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PDF = Citation(1, "d1", "/src/report.pdf", "Annual report", 0, 30, "The ferry carries 240 people.", 0.9, 0, 30,
               12, 13, None)


def test_node_metadata_carries_the_place():
    meta = citation_node(PDF).node.metadata
    assert (meta["page"], meta["page_end"], meta["section"]) == (12, 13, None)


def test_a_known_place_is_shown_to_the_llm_and_never_embedded():
    node = citation_node(PDF).node
    llm = node.get_content(metadata_mode=MetadataMode.LLM)
    assert "page: 12" in llm and "page_end" not in llm and "section" not in llm  # unknown: left out, not "None"
    embedded = node.get_content(metadata_mode=MetadataMode.EMBED)
    assert "page" not in embedded and "section" not in embedded
    md = citation_node(Citation(2, "d2", "/src/h.md", "Handbook", 0, 9, "Fire text", 0.5, 0, 9, None, None,
                                "Safety › Fire")).node
    assert "section: Safety › Fire" in md.get_content(metadata_mode=MetadataMode.LLM)
    assert "page" not in md.get_content(metadata_mode=MetadataMode.LLM)


def test_source_nodes_of_an_answer_name_the_page_and_section(tmp_path, embedder):
    from rag.ingest.build import build_index
    from rag.settings import Settings

    settings = Settings(index_dir=tmp_path / "index")
    build_index([write_place_sources(tmp_path / "files")], settings, embedder=embedder, show_progress=False)
    engine = CitedQueryEngine(settings=settings, embedder=embedder)
    for question, (name, page, section) in {
        "How many pairs of grey herons nest on Gull Island?": ("survey.pdf", 3, None),
        "Which container is the fire assembly point?": ("handbook.md", None, "Safety › Fire"),
    }.items():
        meta = engine.query(question).source_nodes[0].node.metadata
        assert (Path(meta["source"]).name, meta["page"], meta["section"]) == (name, page, section), question
