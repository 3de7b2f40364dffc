"""What the experiments share: the SQuAD index, questions by split, answering in two phases, and
writing a table into docs/TUNING.md between markers (so no figure there is pasted by hand)."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as `python experiments/x.py` from the project folder
    sys.path.insert(0, str(ROOT))

from benchmarks import bench_common  # noqa: E402
from rag.eval.squad import SquadQuestion, article_splits, judge_squad, load_squad, squad_figures  # noqa: E402
from rag.settings import Settings  # noqa: E402

TUNING = ROOT / "docs" / "TUNING.md"


def squad_assistant(squad: Path, work_dir: Path, settings: Settings | None = None):
    """An assistant over every paragraph of ``squad`` (its index kept in ``work_dir``, so re-runs embed nothing)."""
    from corpora import (
        kept_assistant,  # here, not at the top: corpora imports this module
    )

    docs, _ = load_squad(squad)
    return kept_assistant(docs, settings or Settings(), work_dir)


def questions(squad: Path, split: str) -> list[SquadQuestion]:
    """The questions of the ``split`` articles of ``squad`` (rag/eval/squad.py)."""
    _, qs = load_squad(squad)
    which = article_splits(sorted({q.title.replace(" ", "_") for q in qs}))
    return [q for q in qs if which[q.title.replace(" ", "_")] == split]


def prepare_all(assistant, qs: list[SquadQuestion]) -> list:
    """Each question's analysis, retrieval and reader readings (ExtractiveEngine.prepare), done once."""
    from tqdm import tqdm

    engine = assistant.engine
    return [engine.prepare(q.question) for q in tqdm(qs, desc="reading", unit="q")]


def decide_all(assistant, prepared: list, qs: list[SquadQuestion]) -> tuple[dict, list]:
    """SQuAD figures and answers of the prepared questions, ranked, composed and decided with ``assistant``'s
    settings (Assistant.with_scoring makes one with others); refusals from prepare stay."""
    from rag.answer.types import Answer

    engine = assistant.engine
    answers = [asked if isinstance(asked, Answer) else engine.conclude(engine.assess(asked)) for asked in prepared]
    return squad_figures([judge_squad(q, ans) for q, ans in zip(qs, answers)]), answers


def write_section(marker: str, text: str, path: Path = TUNING) -> None:
    """Replace what stands between <!-- marker --> and <!-- /marker --> in docs/TUNING.md (append if absent)."""
    bench_common.write_section(marker, text, path)
