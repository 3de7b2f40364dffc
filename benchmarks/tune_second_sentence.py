"""When should a second evidence sentence join an extractive answer? Tuned on half of SQuAD part A.

    rag eval --squad SQUAD.json --work-dir DIR          (keeps the SQuAD index in DIR/squad/index)
    python benchmarks/tune_second_sentence.py SQUAD.json DIR/squad/index [--seed-index INDEX]

An answer is the best evidence sentence; another joins it when it scores at least
``second_sentence_ratio`` of the best one and brings at least ``second_sentence_gain`` of
the query's terms (IDF-weighted) that the answer lacks (rag/answer.py). For each setting
this prints, for the answerable questions of each half of the articles (split by title as
benchmarks/tune_evidence.py does: every second title is the tuning half), the share whose
answer holds a gold answer, whose first citation is the gold paragraph, how many answers
have two sentences, and answer length in words (p50 / p90). ``old`` is the rule before
2026-12-02 (a second sentence whose own overlap exceeded the best one's by 0.15). With
``--seed-index`` it also scores the bundled dev questions on the seed article for each
setting. Quoted in docs/TUNING.md ("A second sentence").
"""

from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer import ExtractiveEngine, _Unit  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.evaluate import _norm, answer_words, bundled_dev_questions, eval_dev, load_squad, percentile  # noqa: E402
from rag.settings import Settings  # noqa: E402

GRID = [("old", None, None), ("none", 2.0, 1.0)] + [
    (f"ratio {r} gain {g}", r, g) for r in (0.95, 0.9, 0.85, 0.8) for g in (0.1, 0.15, 0.2, 0.3)
]


def old_rule(engine: ExtractiveEngine, evidence, query: str) -> list[_Unit]:
    """The rule before 2026-12-02, kept here as the baseline."""
    units = ExtractiveEngine._evidence_units(engine, evidence, query)[:1]  # best sentence and its neighbour
    best, (start, end) = evidence[0], (units[0].start, units[0].end)
    covered = best.lexical
    for ev in evidence[1:4]:
        if len(units) >= engine.settings.max_answer_sentences:
            break
        if ev.pid == best.pid and start <= ev.start < end:
            continue
        if ev.score >= 0.9 * best.score and ev.lexical > covered + 0.15:
            units.append(_Unit(ev.pid, ev.start, ev.end, ev.score))
            covered = max(covered, ev.lexical)
    return units


def configure(engine: ExtractiveEngine, base: Settings, ratio, gain) -> None:
    """Point ``engine`` at one setting of the grid (``ratio`` None: the old rule)."""
    if ratio is None:
        engine._evidence_units = functools.partial(old_rule, engine)
        engine.settings = base
    else:
        engine.__dict__.pop("_evidence_units", None)
        engine.settings = base.replace(second_sentence_ratio=ratio, second_sentence_gain=gain)


def memoise_retrieval(engine: ExtractiveEngine) -> None:
    """Retrieval does not depend on the setting under test: run it once per question."""
    engine.retrieve = functools.lru_cache(maxsize=None)(engine.retrieve)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("squad")
    ap.add_argument("index")
    ap.add_argument("--seed-index", help="an index of seeds/ for the dev questions")
    args = ap.parse_args()
    docs, questions = load_squad(Path(args.squad))
    titles = sorted({d.title for d in docs})
    tune_titles = set(titles[::2])
    title = {d.doc_id: d.title for d in docs}
    qs = [q for q in questions if not q["impossible"]]
    assistant = Assistant(Settings(index_dir=Path(args.index)))
    engine, base = assistant._engine, assistant.settings
    memoise_retrieval(engine)
    dev = None
    if args.seed_index:
        import json

        dev = Assistant(Settings(index_dir=Path(args.seed_index)))
        memoise_retrieval(dev._engine)
        items = [json.loads(x) for x in bundled_dev_questions().read_text(encoding="utf-8").splitlines() if x.strip()]
    print(f"{len(qs)} answerable questions; tuning half: {len(tune_titles)} of {len(titles)} articles")
    print("| rule | tuning half: gold in answer / first citation gold / two sentences / words p50, p90 "
          "| other half: same | dev answer / citation / refusal / words p50, p90 |")
    print("|---|---|---|---|")
    for name, ratio, gain in GRID:
        configure(engine, base, ratio, gain)
        halves = {True: [], False: []}
        for q in qs:
            ans = engine.answer(q["question"])
            if ans.refused:
                halves[title[q["doc_id"]] in tune_titles].append((0, 0, 0, None))
                continue
            text = _norm(ans.answer)
            halves[title[q["doc_id"]] in tune_titles].append((
                any(_norm(a) in text for a in q["answers"]), ans.citations[0].doc_id == q["doc_id"],
                len(ans.sentences) > 1, answer_words(ans.answer)))
        cells = []
        for half in (True, False):
            rows = halves[half]
            n = max(1, len(rows))
            lengths = [r[3] for r in rows if r[3] is not None]
            cells.append(f"{sum(r[0] for r in rows) / n:.1%} / {sum(r[1] for r in rows) / n:.1%} / "
                         f"{sum(r[2] for r in rows) / n:.1%} / {percentile(lengths, 50):.0f}, {percentile(lengths, 90):.0f}")
        dev_cell = "–"
        if dev is not None:
            configure(dev._engine, dev.settings, ratio, gain)
            acc = eval_dev(dev, items)
            dev_cell = (f"{acc['answer_accuracy']:.1%} / {acc['citation_accuracy']:.1%} / {acc['refusal_accuracy']:.1%} / "
                        f"{acc['words_p50']:.0f}, {acc['words_p90']:.0f}")
        print(f"| {name} | {cells[0]} | {cells[1]} | {dev_cell} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
