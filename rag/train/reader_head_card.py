"""The answerable head's section of the reader's model card (MODEL_CARD.md), from its training report."""

from __future__ import annotations

from pathlib import Path

CARD_START, CARD_END = "<!-- answerable_head -->", "<!-- /answerable_head -->"
COMMAND = (
    "python -m rag.train.reader_head --squad-train ../shared/eval/squad-v2-train-part.json "
    "--squad ../shared/eval/squad-v2-dev-part-a.json --out rag/reader_model"
)


def auc_rows(report: dict) -> list[str]:
    """The tune table: AUC of answerable against each kind of negative, per score (Markdown rows)."""
    names = {
        "margin": "margin, `Reading.answerable` (best span - no answer)",
        "relevance": "relevance, `Reading.relevance`",
        "head": "**answerable head, `Reading.answerable_logit`**",
    }
    rows = ["| score | vs unanswerable | vs near-misses | vs both |", "|---|---|---|---|"]
    for key, name in names.items():
        t = report["tune_auc"][key]
        rows.append(f"| {name} | {t['unanswerable']:.3f} | {t['near_miss']:.3f} | {t['both']:.3f} |")
    for key, name in (("over_margin", "head - margin"), ("over_relevance", "head - relevance")):
        g = report["tune_gain"][key]
        rows.append(
            f"| {name} (95% interval) | "
            + " | ".join(
                f"{g[k][0]:+.3f} [{g[k][1]:+.3f}, {g[k][2]:+.3f}]" for k in ("unanswerable", "near_miss", "both")
            )
            + " |"
        )
    return rows


def card_section(report: dict) -> str:
    """The model card's section on the answerable head (data, method, the tune table, licence)."""
    redo = f"Re-create: `{COMMAND}` (deterministic). Licence: CC BY-SA 4.0, as SQuAD 2.0 requires of adaptations."
    lines = [
        CARD_START,
        "## The answerable head",
        "",
        *_card_method(report),
        "",
        *_card_tune(report),
        "",
        redo,
        CARD_END,
    ]
    return "\n".join(lines)


def _card_method(report: dict) -> list[str]:
    """The card's paragraphs on what the head is and how it was trained (data, windows, C)."""
    tr, mw = report["pairs"]["train"], report["multi_window_pairs"]
    what = (
        "A logistic regression (scikit-learn, balanced classes) on the encoder's final [CLS] vector of a window, "
        "with that window's margin (best span - no answer) and relevance logit; the graph's `cls` output gives "
        "the vector. `Reading.answerable_logit` is its logit, the highest of a passage's windows. Trained by "
        "rag/train/reader_head.py; the weights are `answerable_head.json`."
    )
    data = (
        f"- data: each question of the training articles with its gold paragraph: {tr['answerable']:,} answerable "
        f"(label 1), {tr['unanswerable']:,} unanswerable and {tr['near_miss']:,} near-misses (label 0): an "
        "answerable question with one name, number or noun swapped for one its article never uses "
        "(rag/eval/perturb.py)"
    )
    window = (
        "- features of the window with the best span (the window the margin comes from, and for an answerable "
        f"question the one that holds the answer); {mw['train']:,} training pairs span several windows"
    )
    fit = (
        f"- C = {report['C']} of {', '.join(report['held_out_auc_by_C'])}, chosen by AUC on held-out training "
        f"articles ({', '.join(report['held_out_articles'])}); then fitted on every training pair; "
        f"seed {report['seed']}"
    )
    return [what, "", data, window, fit]


def _card_tune(report: dict) -> list[str]:
    """The card's paragraphs on the tune articles: the AUC table, what each part of the inputs adds, a caveat."""
    tu, parts = report["pairs"]["tune"], report["tune_auc_of_parts"]
    tune = (
        f"Tune articles ({tu['answerable']} answerable, {tu['unanswerable']} unanswerable, {tu['near_miss']} "
        "near-miss questions, each with its gold paragraph), AUC of answerable against:"
    )
    ablation_ = (
        f"A head on the [CLS] vector alone reaches {parts['cls']['tune_auc']['both']:.3f} against both, one "
        f"on the margin and relevance alone {parts['extras']['tune_auc']['both']:.3f}."
    )
    caveat = (
        "The encoder was fine-tuned on the training articles' questions, so their features separate better "
        "than new ones (the margin's AUC against unanswerable: "
        f"{report['train_auc']['margin']['unanswerable']:.3f} on training pairs); the tune figures are the "
        "ones to go by. The near-misses of tune come from the same generator as those trained on."
    )
    return [tune, "", *auc_rows(report), "", ablation_, "", caveat]


def write_card_section(folder: Path, report: dict) -> None:
    """Put :func:`card_section` into ``folder/MODEL_CARD.md``, in place of an earlier one or at the end."""
    path = Path(folder) / "MODEL_CARD.md"
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Reader model card\n"
    if CARD_START in text and CARD_END in text:
        before, rest = text.split(CARD_START, 1)
        text = before + card_section(report) + rest.split(CARD_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + card_section(report) + "\n"
    path.write_text(text, encoding="utf-8")
