"""What the SciFact and SQuAD experiments share beyond experiments/common.py: an index kept in a work
folder (so a re-run embeds nothing), retrieval judged by documents as `rag eval` judges it, and one
evidence sentence judged as `rag eval` judges a SQuAD answer."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from rag.eval.beir import doc_ranking, score_rankings
from rag.eval.common import assistant_for as _assistant_for
from rag.settings import Settings
from rag.store.documents import Document


def kept_assistant(docs: list[Document], settings: Settings, work_dir: Path, with_sentences: bool = True):
    """An assistant over ``docs`` with its index in ``work_dir``/index: the index found there when the
    settings can read it, else one built now (which reuses the vectors of any index found there).
    One work folder per corpus: an index found there is not checked against ``docs``."""
    from rag.assistant import Assistant

    work_dir.mkdir(parents=True, exist_ok=True)
    index_dir = work_dir / "index"
    if (index_dir / "current").exists():
        try:
            return Assistant(settings.replace(index_dir=index_dir))
        except Exception:  # an index of an older format or other settings: build again
            pass
    return _assistant_for(docs, settings, work_dir, with_sentences=with_sentences)[0]


def document_figures(rankings: dict[str, list[tuple[int, float]]], passages: Sequence, id_map: dict[str, str],
                     qrels: dict[str, dict[str, int]]) -> tuple[float, float]:
    """Mean nDCG@10 and recall@100 of passage rankings (query id -> [(pid, score)], best first), each
    turned into a document ranking (a document ranks at its best passage) as `rag eval` does.
    ``passages[pid].doc_id`` names a passage's document (an index's passages, or rag.ingest.passages.split_documents)."""
    holder = SimpleNamespace(passages=passages)
    docs = {q: doc_ranking(ranked, holder, id_map) for q, ranked in rankings.items()}
    scores = score_rankings({"run": docs}, qrels)["run"]
    return scores["ndcg@10"], scores["recall@100"]
