"""The ROC curve of the reader's "no answer" decision on SQuAD part A's *test* articles -> docs/reader_roc.png.

    python experiments/reader_roc.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/squadwork

Each question is retrieved and read as the product does; its score is the best "answer minus no
answer" over the passages read (what ``reader_min`` thresholds). Positives: answerable questions.
Also prints the AUC and, at the shipped ``reader_min``, the share of each kind kept. Needs matplotlib
(`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from common import ROOT, questions, squad_assistant, write_section


def roc(pos: np.ndarray, neg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate) over every threshold."""
    thresholds = np.unique(np.concatenate([pos, neg]))[::-1]
    tpr = np.array([(pos >= t).mean() for t in thresholds])
    fpr = np.array([(neg >= t).mean() for t in thresholds])
    return np.concatenate([[0.0], fpr, [1.0]]), np.concatenate([[0.0], tpr, [1.0]])


def main() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from tqdm import tqdm

    from rag.answer.extractive import READER_GATED
    from rag.train.reader_eval import auc

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("squad")
    ap.add_argument("--work-dir", default="/tmp/squadwork")
    ap.add_argument("--out", default=str(ROOT / "docs" / "reader_roc.png"))
    args = ap.parse_args()
    assistant = squad_assistant(Path(args.squad), Path(args.work_dir))
    engine = assistant.engine
    pos, neg = [], []
    for q in tqdm(questions(Path(args.squad), "test"), desc="reading", unit="q"):
        asked = engine.prepare(q.question)
        if getattr(asked, "verdict", None) is None or asked.analysis.qtype not in READER_GATED:
            continue  # refused before reading, or a kind of question the reader does not gate
        (neg if q.impossible else pos).append(asked.verdict.answerable)
    pos_a, neg_a = np.array(pos), np.array(neg)
    fpr, tpr = roc(pos_a, neg_a)
    cut = assistant.settings.scoring.reader_min
    kept_pos, kept_neg = (pos_a >= cut).mean(), (neg_a >= cut).mean()
    fig, ax = plt.subplots(figsize=(4.5, 4.5), dpi=120)
    ax.plot(fpr, tpr, label=f"reader (AUC {auc(pos, neg):.3f})")
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.scatter([kept_neg], [kept_pos], color="red", zorder=3, label=f"reader_min = {cut}")
    ax.set_xlabel("unanswerable questions answered")
    ax.set_ylabel("answerable questions answered")
    ax.set_title("SQuAD 2.0 part A, test articles")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(args.out)
    text = (f"ROC of the reader's no-answer score on the test articles ({len(pos)} answerable, {len(neg)} unanswerable "
            f"questions the reader gates): AUC {auc(pos, neg):.3f}; at reader_min = {cut}, {kept_pos:.1%} of answerable "
            f"and {kept_neg:.1%} of unanswerable questions pass. ![ROC](reader_roc.png) "
            "Produced by `python experiments/reader_roc.py SQUAD --work-dir DIR`.")
    write_section("reader_roc", text, ROOT / "docs" / "READER.md")
    print(text)


if __name__ == "__main__":
    main()
