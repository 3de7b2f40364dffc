"""Decision rows of questions people wrote about documents of other kinds (rag/train/data/rounds/).

SQuAD's articles are encyclopaedia prose, and its unanswerable questions were written to have an answer of
the right kind nearby; the rounds are man pages, manuals, READMEs, specifications and licences, with
near-misses that ask for an option, a default, an author or a version the document never gives. Each round
is three documents and about 42 questions, written by a helper session that never saw the engine
(SOURCES.md names every document's origin and licence). A round's documents are indexed together, as a
user's uploads would be, and every question is asked as the product asks it: its follow-up history
answered first, then analysed, retrieved, read, ranked and composed, its decision features computed by
the same code as SQuAD's (rag/train/collect.py, second pass).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..answer.asked import Asked
from ..answer.extractive import ExtractiveEngine
from ..answer.followup import standalone_question
from ..answer.models import DecisionModels, TreeModel
from ..answer.types import Answer
from ..ingest.build import build_index
from ..search.embedding import Embedder
from ..settings import Settings
from .collect import engine_over, settings_embedder

ROUNDS_DIR = Path(__file__).parent / "data" / "rounds"
SPLIT = "other"  # the rows' split: trained on beside SQuAD's train rows, never a tune row


@dataclass(frozen=True)
class Round:
    """One round: its documents' folder and its questions (the frozen set's fields, "history" as earlier
    user questions)."""

    name: str
    docs: Path
    questions: list[dict]


def load_rounds(folder: Path = ROUNDS_DIR) -> list[Round]:
    """Every round under ``folder``, by name."""
    rounds = []
    for path in sorted(p for p in folder.iterdir() if (p / "questions.jsonl").exists()):
        text = (path / "questions.jsonl").read_text(encoding="utf-8")
        rounds.append(Round(path.name, path / "docs", [json.loads(line) for line in text.splitlines() if line]))
    return rounds


def round_engine(rnd: Round, settings: Settings, embedder: Embedder, work_dir: Path) -> ExtractiveEngine:
    """An engine over the round's documents (indexed once under ``work_dir``, reused by a re-run)."""
    s = settings.replace(index_dir=work_dir / "rounds" / rnd.name, decision_model="off")
    if not (s.index_dir / "current").exists():
        build_index([rnd.docs], s, embedder=embedder, show_progress=False)
    return engine_over(s, embedder)


def kind(item: dict) -> str:
    """The row's kind, as SQuAD rows name theirs: real (answerable), off_topic, or near_miss."""
    if item["answerable"]:
        return "real"
    return "off_topic" if item["type"] == "off_topic" else "near_miss"


def asked_with_history(engine: ExtractiveEngine, item: dict) -> Asked | Answer:
    """The question prepared as the product prepares it: each earlier question answered in turn, then the
    question made to stand alone from those turns (an Answer when it is refused before composing)."""
    history: list[tuple[str, str]] = []
    for earlier in item.get("history") or []:
        answer = engine.answer(earlier, standalone_question(earlier, history, engine.is_person))
        history.append((earlier, answer.answer))
    return engine.prepare(item["question"], standalone_question(item["question"], history, engine.is_person))


def round_rows(rnd: Round, engine: ExtractiveEngine) -> list[dict]:
    """The decision rows of one round's questions (the fields of rag/train/collect.py's second pass)."""
    rows = []
    for item in rnd.questions:
        row = {
            "qid": f"{rnd.name}:{item['id']}",
            "kind": kind(item),
            "setting": rnd.name,
            "split": SPLIT,
            "label": int(item["answerable"]),
            "question": item["question"],
        }
        asked = asked_with_history(engine, item)
        if isinstance(asked, Answer):
            rows.append({**row, "features": None, "qtype": "request"})
            continue
        assessed = engine.assess(asked)
        features = assessed.decision.features if assessed.decision else None
        rows.append(
            {**row, "features": features, "qtype": str(asked.analysis.qtype), "composed": assessed.composed is not None}
        )
    return rows


def other_kinds_rows(settings: Settings, ranker: TreeModel, work_dir: Path, folder: Path = ROUNDS_DIR) -> list[dict]:
    """The decision rows of every round's questions, ranked by ``ranker``."""
    embedder = settings_embedder(settings)
    rows = []
    for rnd in load_rounds(folder):
        engine = round_engine(rnd, settings, embedder, work_dir)
        engine.models = DecisionModels(ranker, None, {}, None)
        rows += round_rows(rnd, engine)
    return rows
