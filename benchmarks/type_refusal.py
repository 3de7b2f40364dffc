"""Would refusing "when" and "who" questions whose evidence lacks a date or a name catch unanswerable ones?

    rag eval --squad SQUAD.json --work-dir DIR          (keeps the SQuAD index in DIR/squad/index)
    python benchmarks/type_refusal.py SQUAD.json DIR/squad/index

For every SQuAD question the product answers (does not already refuse) that asks for a time
("when", "what year", ...) or a name ("who"), checks whether the best evidence sentence, or
any of the best three or five, holds that kind of answer (rag/answer.py has_type), and prints
the share of answerable and of unanswerable questions such a rule would refuse, for each half
of the articles (split by title). A rule worth having refuses far more unanswerable questions
than answerable ones. Quoted in docs/TUNING.md ("Refusal").
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer import expected_type, has_type  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.evaluate import load_squad  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> int:
    docs, questions = load_squad(Path(sys.argv[1]))
    assistant = Assistant(Settings(index_dir=Path(sys.argv[2])))
    engine = assistant._engine
    article = {d.doc_id: d.source.split("#")[0] for d in docs}
    titles = sorted(set(article.values()))
    first_half = set(titles[: len(titles) // 2])
    rows = []
    for q in questions:
        kind = expected_type(q["question"])
        if kind not in ("time", "name") or assistant.ask(q["question"]).refused:
            continue
        _, _, evidence = engine.retrieve(q["question"], engine.settings.evidence_passages)
        holds = [has_type(engine._text(ev), kind, q["question"]) for ev in evidence[:5]]
        rows.append((kind, article[q["doc_id"]] in first_half, q["impossible"], holds))
    print("| asks for | articles | rule: the kind is missing from | answerable refused | unanswerable refused |")
    print("|---|---|---|---|---|")
    for kind in ("time", "name"):
        for half in (True, False):
            for label, k in (("the best sentence", 1), ("the best three", 3), ("the best five", 5)):
                ans = [h for kd, hf, imp, h in rows if kd == kind and hf == half and not imp]
                imp = [h for kd, hf, im, h in rows if kd == kind and hf == half and im]
                rate = lambda hs: sum(not any(h[:k]) for h in hs) / max(1, len(hs))  # noqa: E731
                print(f"| {kind} | {'first' if half else 'second'} half | {label} | {rate(ans):.1%} of {len(ans)} | "
                      f"{rate(imp):.1%} of {len(imp)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
