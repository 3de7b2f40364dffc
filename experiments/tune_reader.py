"""Choose how the reader's scores are used, on the *tune* articles of SQuAD part A.

    python experiments/tune_reader.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/squadwork

Retrieval and reading (of the top five passages) are done once per question; each setting of
``reader_passages`` (how many of those the reader reads), ``reader_weight`` (how much the reader's
sentence score moves a sentence up), ``reader_min`` (below it for every passage read, the question
is refused) and ``coverage_min`` (the least share of key terms the answer must hold) then decides
every answer again. The pick: the most questions right (answerable ones answered with the gold
answer in the text, unanswerable ones refused) among settings that refuse at most 5% of the
answerable questions. The same without the reader chooses ``coverage_min`` for reader = "off".
Writes its table into docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
from pathlib import Path

from common import decide_all, prepare_all, questions, squad_assistant, write_section

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
    assistant._engine.settings = base
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
    pick = max(ok(rows), key=lambda r: right(r[1]))
    pick_off = max(ok(rows_off), key=lambda r: right(r[1]))
    best: dict = {}  # the best setting of each (passages, weight), within the false-refusal bound
    for key, f in ok(rows):
        if (key[0], key[1]) not in best or right(f) > right(best[(key[0], key[1])][1]):
            best[(key[0], key[1])] = (key, f)
    lines = [f"Tune articles: {pick[1]['questions']} questions ({pick[1]['answerable']} answerable). For each number of "
             "passages read and reader weight, the best reader_min and coverage_min with at most "
             f"{args.max_false_refusals:.0%} of answerable questions refused; the pick (bold) has the most questions right "
             "(answerable with the gold answer in the answer, unanswerable refused). Produced by "
             "`python experiments/tune_reader.py SQUAD --work-dir DIR`.", "",
             "| reader | passages read | reader_weight | reader_min | coverage_min | right | gold in answer | "
             "first citation gold | false refusals | unanswerable refused |", "|---|---|---|---|---|---|---|---|---|---|"]
    lines += [row("bundled", key, f, key == pick[0]) for key, f in sorted(best.values())]
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
