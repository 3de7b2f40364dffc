"""The learned ranker's and decision's figures on tune, from rag/decision_model/decision.json (written by
`rag train-decision`), as tables in docs/TUNING.md and the ROC curve as docs/decision_roc.png.

    python experiments/decision_tables.py
"""

from __future__ import annotations

import json

from common import ROOT, write_section

MODEL = ROOT / "rag" / "decision_model" / "decision.json"


def ranker_table(r: dict) -> str:
    top = ", ".join(f"{k} {v:.0%}" for k, v in list(r.get("importance", {}).items())[:8])
    return "\n".join([
        "| order of the candidate sentences | top sentence holds a gold answer (tune) |", "|---|---|",
        f"| retrieval's evidence score (the hand mix) | {r['top1_evidence']:.1%} |",
        f"| learned ranker (lambdarank, {r['trees']} trees) | **{r['top1_learned']:.1%}** |", "",
        f"{r['tune_questions']} answerable tune questions whose gold sentence is among the candidates "
        f"({r['train_questions']} train questions). Most used features (share of split gain): {top}."])


def decision_table(d: dict, max_false: float) -> str:
    keys = ("answerable_refused", "real_refused", "near_miss_refused", "off_topic_refused", "template_refused")
    lines = ["| on the tune questions | questions | answerable refused | real unanswerable refused | near-misses "
             "refused | off-topic refused | template near-misses refused |", "|---|---|---|---|---|---|---|"]
    t, th = d["tradeoffs"], d["thresholds"]
    rows = [(f"**both thresholds** ({th['read']:.3f} / {th['unread']:.3f})", t["chosen"]),
            (f"read by the reader, at {th['read']:.3f}", t["read"]), (f"not read, at {th['unread']:.3f}", t["unread"])]
    rows += [(f"one threshold {e['threshold']:.2f}", e) for e in t["sweep"]]
    for name, e in rows:
        lines.append(f"| {name} | {e.get('questions', '')} | " + " | ".join(f"{e[k]:.1%}" for k in keys) + " |")
    top = ", ".join(f"{k} {v:.0%}" for k, v in list(d.get("importance", {}).items())[:10])
    lines += ["", f"ROC AUC on tune {d['tune_auc']:.3f} (docs/decision_roc.png). Each threshold is the highest that "
              f"refuses at most {max_false:.0%} of its group's answerable tune questions: `scoring.answer_min` for the "
              "types the reader reads, `scoring.answer_min_unread` for the rest. Most used features (share of split "
              f"gain): {top}."]
    return "\n".join(lines)


def plot(d: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 4.2))
    ax.plot([p[2] for p in d["roc"]], [1 - p[1] for p in d["roc"]], label=f"decision (AUC {d['tune_auc']:.3f})")
    ax.plot([0, 1], [0, 1], ":", color="grey")
    ax.set_xlabel("unanswerable tune questions refused")
    ax.set_ylabel("answerable tune questions answered")
    ax.set_title("Answer or refuse: ROC on the tune articles")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(ROOT / "docs" / "decision_roc.png", dpi=110)


def main() -> None:
    report = json.loads(MODEL.read_text(encoding="utf-8"))
    write_section("learned_ranker", ranker_table(report["ranker"]))
    write_section("answer_or_refuse", decision_table(report["decision"], report["config"]["max_false_refusals"]))
    plot(report["decision"])
    print("wrote the tables into docs/TUNING.md and docs/decision_roc.png")


if __name__ == "__main__":
    main()
