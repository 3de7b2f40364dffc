"""The decision model card (MODEL_CARD.md beside the ranker and decision): written from a training report."""

from __future__ import annotations

from pathlib import Path

# refusals of kinds a training run may lack (none in reports before them, NaN when the run made none), and titles
_OPTIONAL = (
    ("masked_refused", "masked articles refused"),
    ("near_miss_present_refused", "near-misses with a name the index has refused"),
)


def _has(entry: dict, key: str) -> bool:
    return key in entry and entry[key] == entry[key]  # NaN != NaN


def _refusal_cells(entry: dict, optional: tuple[str, ...]) -> str:
    keys = ("answerable_refused", "real_refused", "near_miss_refused", "off_topic_refused", "template_refused")
    return " | ".join(f"{entry[k]:.1%}" if _has(entry, k) else "–" for k in keys + optional)


def write_card(report: dict, out: Path) -> None:
    """MODEL_CARD.md beside the models: data, features, training, how well they do on tune, licence."""
    lines = _card_data(report) + _card_features(report) + _card_tune(report) + _card_licence()
    (out / "MODEL_CARD.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _card_data(report: dict) -> list[str]:
    """The card's opening (what the two models are) and its data: where the questions came from, and how many."""
    d = report["decision"]
    lines = [
        "# Decision model card",
        "",
        "Two gradient-boosted tree models (LightGBM) the extractive engine decides with, trained by "
        "`rag train-decision` (rag/train/decision.py) and run as ONNX graphs by onnxruntime "
        "(rag/answer/models.py):",
        "",
        "- **ranker.onnx** (lambdarank): which sentence of the top passages answers (rag/answer/rank.py).",
        "- **decision.onnx** (binary classifier): the probability that the sources answer the question, from the "
        "explicit features of rag/answer/features.py; the engine answers at or above `scoring.answer_min` (the types the reader reads) or `scoring.answer_min_unread` (the rest).",
        "",
        "## Data",
        "",
        "Made from training articles only (rag/train/collect.py, rag/train/questions.py): squad-v2-train-part.json "
        "(every article) and the train articles of squad-v2-dev-part-a.json, each article alone and each file's "
        "together; real SQuAD 2.0 questions, near-misses (one name, number or noun swapped for one the index never "
        "mentions; and, where the counts below list `near_miss_present`, a name or number it mentions elsewhere but "
        "not where the answer is), off-topic questions (other articles'), questions of kinds SQuAD lacks made from "
        "the articles' own links and statements (and their near-misses), carelessly typed copies, and questions of "
        "masked articles (each article alone with the sentences that answer some of its questions taken out; "
        "rag/train/masked.py; where the counts list `masked`). The tune articles of part A "
        "(alone, and among all its paragraphs) stop training and, with the training articles' out-of-fold scores, choose the thresholds; its test articles are "
        "never used.",
        "",
        "Beside them, the questions people wrote about documents of other kinds (man pages, manuals, READMEs, "
        "specifications, licences; rag/train/data/rounds/, each document's origin and licence in its SOURCES.md): "
        "each round's documents indexed together, each question asked as the product asks it "
        "(rag/train/other_kinds.py). They are the `other` rows below: training rows weighted by "
        "`other_kinds_weight` when it is above 0, else only scored (below).",
        "",
        "| split / kind / label | questions |",
        "|---|---|",
    ]
    lines += [f"| {k} | {n} |" for k, n in d["counts"].items()]
    return lines


def _card_features(report: dict) -> list[str]:
    """The card's features (each model's, the most used, the monotone constraints) and training settings."""
    from .decision import MONOTONE  # the training module writes this card: imported when it is written

    d, r = report["decision"], report["ranker"]
    return [
        "",
        "## Features",
        "",
        f"Ranker ({len(r['features'])}): " + ", ".join(r["features"]) + ".",
        "",
        f"Decision ({len(d['features'])}): " + ", ".join(d["features"]) + ".",
        "",
        "Most used (share of split gain): ranker "
        + ", ".join(f"{k} {v:.0%}" for k, v in list(r.get("importance", {}).items())[:6])
        + "; decision "
        + ", ".join(f"{k} {v:.0%}" for k, v in list(d.get("importance", {}).items())[:8])
        + ".",
        "",
        "Monotone constraints on the decision: "
        + ", ".join(f"{k} ({'+' if v > 0 else '-'})" for k, v in MONOTONE.items())
        + ".",
        "",
        "## Training",
        "",
        f"Settings: {report['config']}. Trees kept by early stopping on tune: ranker {r['trees']}, decision "
        f"{d['trees']}. "
        + (
            f"The decision alone, again, from the features a full run collected (`--decision-only`), in "
            f"{report['minutes']:.0f} minutes; a full run takes about 45 minutes on 2 cores, most of it retrieval "
            "and the reader."
            if report.get("decision_only")
            else f"{report['minutes']:.0f} minutes on this machine, most of it retrieval and the reader."
        ),
    ]


def _card_tune(report: dict) -> list[str]:
    """The card's figures on the tune articles: the ranker's top-1, the decision's AUC, thresholds and refusals."""
    d, r = report["decision"], report["ranker"]
    t = d["tradeoffs"]
    optional = tuple(k for k, _ in _OPTIONAL if _has(t["chosen"], k))
    titles = [title for k, title in _OPTIONAL if k in optional]
    lines = [
        "",
        "## How well (tune articles)",
        "",
        f"Ranker: the top sentence holds a gold answer for {r['top1_learned']:.1%} of {r['tune_questions']} answerable "
        f"tune questions whose gold sentence is a candidate (retrieval's evidence order: {r['top1_evidence']:.1%}).",
        "",
        f"Decision: ROC AUC {d['tune_auc']:.3f}. Two thresholds: {d['thresholds']['read']:.3f} for the types the "
        f"reader reads (`scoring.answer_min`) and {d['thresholds']['unread']:.3f} for the rest "
        f"(`scoring.answer_min_unread`); each the lower of the highest that refuses at most "
        f"{report['config']['max_false_refusals']:.0%} of the answerable questions of each question type with at "
        f"least {report['config'].get('min_type_questions', 1)} of them, on the tune articles (read "
        f"{d['thresholds_tune']['read']:.3f}, unread {d['thresholds_tune']['unread']:.3f}) and the same on the "
        f"training articles' out-of-fold scores, five folds by article (read "
        f"{d['thresholds_out_of_fold']['read']:.3f}, unread {d['thresholds_out_of_fold']['unread']:.3f})"
        + _other_kinds_thresholds(d.get("thresholds_other_kinds"))
        + ".",
        "",
        "| at | questions | answerable refused | real unanswerable refused | near-misses refused | off-topic refused | "
        "template near-misses refused |" + "".join(f" {title} |" for title in titles),
        "|---|---|---|---|---|---|---|" + "---|" * len(optional),
    ]
    for name, entry in (("both thresholds", t["chosen"]), ("read", t["read"]), ("unread", t["unread"])):
        lines.append(f"| {name} | {entry.get('questions', '')} | " + _refusal_cells(entry, optional) + " |")
    for entry in t["sweep"]:
        lines.append(f"| one threshold {entry['threshold']:.2f} | | " + _refusal_cells(entry, optional) + " |")
    return lines + _card_other_kinds(d.get("other_kinds", {}), report["config"].get("other_kinds_weight", 0))


def _other_kinds_thresholds(chosen: dict | None) -> str:
    """The third choice, when the other kinds' questions were trained on (none before, or at weight 0)."""
    if not chosen:
        return ""
    return (
        f", and the same on the other kinds' questions' out-of-fold scores, five folds by round (read "
        f"{chosen['read']:.3f}, unread {chosen['unread']:.3f})"
    )


def _card_other_kinds(held: dict, weight: float) -> list[str]:
    """The other kinds' questions as the decision scores them, without their round (none in older reports)."""
    if not held.get("questions"):
        return []
    by = (
        f"trained on with weight {weight:g}, each scored by a model trained without its round (the five "
        "out-of-fold models)"
        if held.get("trained_on")
        else "not trained on (weight 0), scored by the decision"
    )
    return [
        "",
        f"The other kinds' {held['questions']} composed questions, {by}: ROC AUC {held['auc']:.3f}; at the chosen "
        f"thresholds answerable refused {held['answerable_refused']:.1%}, near-misses refused "
        f"{held['near_miss_refused']:.1%}, off-topic refused {held['off_topic_refused']:.1%}.",
    ]


def _card_licence() -> list[str]:
    """The card's closing lines: where the product's own figures are, and the licence."""
    return [
        "",
        "The product's figures on data nothing was tuned on are in docs/EVALUATION.md.",
        "",
        "## Licence",
        "",
        "Trained on SQuAD 2.0 (Rajpurkar et al. 2018; CC BY-SA 4.0) through features computed by the bundled "
        "reader (itself trained on SQuAD 2.0 and SciFact). The models are adaptations of SQuAD-derived data and "
        "are shared under CC BY-SA 4.0, with attribution to SQuAD 2.0's authors. The other kinds' documents keep "
        "their own licences (rag/train/data/rounds/SOURCES.md); their questions are this project's.",
    ]
