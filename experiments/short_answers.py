"""Short answers: the reader's span, or the entity of the expected kind nearest it? Per expected kind,
on the answerable questions of SQuAD part A's tune articles (rag/eval/squad.py); writes the table into
docs/TUNING.md ("Short answers") and prints the kinds whose entity wins (ScoringConfig.typed_short_types).

    python experiments/short_answers.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/squadwork
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import decide_all, prepare_all, questions, squad_assistant, write_section

from rag.answer.rank import ANSWER_TYPES
from rag.answer.types import Answer
from rag.eval.frozen import predicted_short
from rag.eval.metrics import token_f1


def per_kind(prepared: list, answers: list, qs: list) -> dict[str, list[float]]:
    """Short-answer F1 of each question, grouped by the kind of answer the analysis expects."""
    out: dict[str, list[float]] = {}
    for asked, ans, q in zip(prepared, answers, qs):
        kind = "refused early" if isinstance(asked, Answer) else (asked.analysis.answer_type or "none")
        f1 = token_f1(predicted_short(ans), q.answer_texts) if not ans.refused else 0.0
        out.setdefault(kind, []).append(f1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("squad")
    parser.add_argument("--work-dir", required=True)
    args = parser.parse_args()
    assistant = squad_assistant(Path(args.squad), Path(args.work_dir))
    qs = [q for q in questions(Path(args.squad), "tune") if not q.impossible]
    prepared = prepare_all(assistant, qs)
    typed = per_kind(prepared, decide_all(assistant.with_scoring(typed_short_types=ANSWER_TYPES), prepared, qs)[1], qs)
    spans = per_kind(prepared, decide_all(assistant.with_scoring(typed_short_types=()), prepared, qs)[1], qs)
    mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")  # noqa: E731
    lines = ["| expected kind | questions | F1, entity nearest the span | F1, the reader's span | chosen |", "|---|---|---|---|---|"]
    chosen = []
    for kind in sorted(typed, key=lambda k: -len(typed[k])):
        a, b = mean(typed[kind]), mean(spans[kind])
        pick = "entity" if a > b else "span" if b > a else "same"
        if pick == "entity" and kind in ANSWER_TYPES:
            chosen.append(kind)
        lines.append(f"| {kind} | {len(typed[kind])} | {a:.3f} | {b:.3f} | {pick} |")
    lines += ["", f"Chosen: typed_short_types = {tuple(chosen)}. Measured by `python experiments/short_answers.py "
              f"SQUAD.json --work-dir DIR` on the tune articles' {len(qs)} answerable questions."]
    write_section("short_answers", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
