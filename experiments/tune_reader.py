"""Choose how the reader's scores are used, on the *tune* articles of SQuAD part A.

    python experiments/tune_reader.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/squadwork  # after make index

Retrieval and reading (of the top five passages) are done once per question; each setting of
``reader_passages`` (how many of those the reader reads), ``reader_weight`` (how much the reader's
sentence score moves a sentence up), ``reader_min`` (below it for every passage read, the question
is refused) and ``coverage_min`` (the least share of key terms the answer must hold) then decides
every answer again. The pick: the most questions right (answerable ones answered with the gold
answer in the text, unanswerable ones refused) among settings that refuse at most 5% of the
answerable questions and whose answers and citations on the bundled dev questions are no worse
than with the reader off (a guard the reader must pass, not a target: the first setting, in order
of questions right, that passes it). The same without the reader chooses ``coverage_min`` for reader = "off".
Writes its table into docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from pathlib import Path

from common import (
    ROOT,
    decide_all,
    prepare_all,
    questions,
    squad_assistant,
    write_section,
)

from rag.eval.dev import load_dev_questions

PASSAGES = (2, 3, 5)
WEIGHTS = (0.0, 0.1, 0.3)
MINIMA = (-12.0, -9.0, -8.0, -7.0, -6.0, -5.0, -4.0, -3.0, -2.0, -1.0, 0.0)  # -12: below every score seen, i.e. never refuses
COVERAGE = (0.0, 0.1, 0.2, 0.3, 0.4)


def right(f: dict) -> float:
    total = f["answerable"] + f["unanswerable"]
    return (f["answer_contains_gold"] * f["answerable"] + f["refusal_rate_unanswerable"] * f["unanswerable"]) / total


def limited(prepared: list, n: int) -> list:
    """The prepared questions as if the reader had read only the top ``n`` passages."""
    return [dataclasses.replace(a, readings=a.readings.top(n)) if getattr(a, "readings", None) else a for a in prepared]


def within(rows: list, bound: float) -> list:
    """The rows that refuse at most ``bound`` of the answerable questions; if none does, those that refuse fewest."""
    kept = [r for r in rows if r[1]["false_refusal_rate"] <= bound]
    if kept:
        return kept
    least = min(r[1]["false_refusal_rate"] for r in rows)
    return [r for r in rows if r[1]["false_refusal_rate"] == least]


def dev_right(embedder, items: list[dict], reader: str, scoring: dict) -> tuple[int, int]:
    """(answers, citations) right, in thousandths, on the dev questions ``items`` over the seed index
    (``make index``) with these settings: a guard, not a target."""
    from rag.assistant import Assistant
    from rag.eval.dev import eval_dev
    from rag.settings import Settings

    settings = Settings().replace(index_dir=ROOT / "index", reader=reader).with_scoring(**scoring)
    r = eval_dev(Assistant(settings, embedder=embedder), items)
    return round(r["answer_accuracy"] * 1000), round(r["citation_accuracy"] * 1000)


def guarded(embedder, items: list[dict], ranked: list, floor: tuple[int, int]):
    """The best of ``ranked`` whose dev answers and citations are no worse than the reader off's
    (``floor``): the issue's check that the reader costs nothing on the product's own questions."""
    for key, f in ranked:
        n, w, m, c = key
        got = dev_right(embedder, items, "bundled", dict(reader_passages=n, reader_weight=w, reader_min=m, coverage_min=c))
        if got[0] >= floor[0] and got[1] >= floor[1]:
            return key, f
        print(f"setting {key}: dev answers/citations {got} below the reader off's {floor}; next")
    return ranked[0]


def row(name: str, setting: tuple, f: dict, bold: bool) -> str:
    cells = [("**" + str(v) + "**" if bold else str(v)) if v is not None else "–" for v in setting]
    return (f"| {name} | {' | '.join(cells)} | {right(f):.1%} | {f['answer_contains_gold']:.1%} | "
            f"{f['first_citation_gold']:.1%} | {f['false_refusal_rate']:.1%} | {f['refusal_rate_unanswerable']:.1%} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("squad")
    ap.add_argument("--work-dir", default="/tmp/squadwork")
    ap.add_argument("--max-false-refusals", type=float, default=0.05)
    args = ap.parse_args()
    assistant = squad_assistant(Path(args.squad), Path(args.work_dir))
    base = assistant.settings.with_scoring(reader_passages=max(PASSAGES))
    assistant.engine.settings = base
    qs = questions(Path(args.squad), "tune")
    prepared = prepare_all(assistant, qs)
    rows = []
    for n in PASSAGES:
        subset = limited(prepared, n)
        for w, m, c in itertools.product(WEIGHTS, MINIMA, COVERAGE):
            f = decide_all(assistant, subset, qs, base.with_scoring(reader_passages=n, reader_weight=w, reader_min=m,
                                                                    coverage_min=c))
            rows.append(((n, w, m, c), f))
    off = assistant.__class__(base.replace(reader="off"), embedder=assistant.embedder)
    prepared_off = prepare_all(off, qs)
    rows_off = [((None, None, None, c), decide_all(off, prepared_off, qs, base.replace(reader="off").with_scoring(coverage_min=c)))
                for c in COVERAGE]
    ok = lambda rs: within(rs, args.max_false_refusals)  # noqa: E731
    pick_off = max(ok(rows_off), key=lambda r: right(r[1]))
    dev = load_dev_questions()
    off_dev = dev_right(assistant.embedder, dev, "off", dict(coverage_min=pick_off[0][3]))
    pick = guarded(assistant.embedder, dev, sorted(ok(rows), key=lambda r: -right(r[1])), off_dev)
    best: dict = {}  # the best setting of each (passages, weight), within the false-refusal bound
    for key, f in ok(rows):
        if (key[0], key[1]) not in best or right(f) > right(best[(key[0], key[1])][1]):
            best[(key[0], key[1])] = (key, f)
    lines = [f"Tune articles: {pick[1]['questions']} questions ({pick[1]['answerable']} answerable). For each number of "
             "passages read and reader weight, the best reader_min and coverage_min with at most "
             f"{args.max_false_refusals:.0%} of answerable questions refused; the pick (bold) has the most questions right "
             "(answerable with the gold answer in the answer, unanswerable refused) among those whose dev answers and "
             "citations are no worse than with the reader off. Produced by "
             "`python experiments/tune_reader.py SQUAD --work-dir DIR`.", "",
             "| reader | passages read | reader_weight | reader_min | coverage_min | right | gold in answer | "
             "first citation gold | false refusals | unanswerable refused |", "|---|---|---|---|---|---|---|---|---|---|"]
    shown = list(best.values()) + ([pick] if pick not in best.values() else [])
    lines += [row("bundled", key, f, key == pick[0]) for key, f in sorted(shown, key=lambda r: r[0])]
    lines += [row("off", key, f, key == pick_off[0]) for key, f in rows_off]
    n, w, _, c = pick[0]
    lines += ["", f"The reader's refusal trade-off at the pick's other settings (passages {n}, weight {w}, coverage_min {c}):",
              "", "| reader_min | right | false refusals | unanswerable refused |", "|---|---|---|---|"]
    lines += [f"| {key[2]} | {right(f):.1%} | {f['false_refusal_rate']:.1%} | {f['refusal_rate_unanswerable']:.1%} |"
              for key, f in rows if (key[0], key[1], key[3]) == (n, w, c)]
    write_section("tune_reader", "\n".join(lines))
    print("\n".join(lines))
    n, w, m, c = pick[0]
    print(f"\npick: reader_passages={n} reader_weight={w} reader_min={m} coverage_min={c}; "
          f"reader off: coverage_min={pick_off[0][3]}")


if __name__ == "__main__":
    main()
