"""`rag train-decision`: train the sentence ranker and the answer-or-refuse decision, and ship them.

Both are LightGBM models over the explicit features of rag/answer/rank.py and
rag/answer/features.py, trained on training articles (rag/train/collect.py) and judged on tune
articles; they are exported to ONNX (onnxmltools) so the product runs them with onnxruntime.

* Ranker: lambdarank over each question's candidate sentences, the positive being a sentence of
  the gold paragraph that holds a gold answer. Compared on tune with retrieval's evidence order.
* Decision: a binary classifier (answerable or not) with monotone constraints where the direction
  is known (more of the question covered never lowers the probability of answering; more of it
  missing never raises it), so it cannot learn a reversal that holds only in its training data.
  Its threshold is chosen on tune so that at most ``max_false_refusals`` of the answerable tune
  questions are refused.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..answer.features import DECISION_FEATURES, was_read
from ..answer.models import TreeModel, _session
from ..answer.rank import RANK_FEATURES
from ..eval.metrics import auc
from ..settings import Settings
from .decision_card import write_card
from .other_kinds import SPLIT as OTHER_KINDS
from .other_kinds import other_kinds_rows
from .questions import PRESENT

# features whose effect on "the sources answer" has a known direction (+1 up, -1 down)
MONOTONE = {
    "window_share": 1,
    "window_names_ok": 1,
    "sentence_share": 1,
    "passage_share": 1,
    "passage_names_ok": 1,
    "window_rarest": 1,
    "window_missing_similarity": 1,
    "index_missing_names": -1,
    "index_missing_terms": -1,
    "index_missing_things": -1,
    "index_missing_share": -1,
    "window_missing_names": -1,
    "window_missing_terms": -1,
    "window_missing_things": -1,
    "reader_answerable": 1,
    "reader_margin": 1,
    "reader_relevance": 1,
}


@dataclass(frozen=True)
class DecisionConfig:
    """How the models are trained (docs/TUNING.md, "Answer or refuse", says how these were chosen)."""

    seed: int = 13
    ranker_trees: int = 400
    ranker_leaves: int = 31
    decision_trees: int = 600
    decision_leaves: int = 15
    learning_rate: float = 0.05
    min_child_samples: int = 40
    max_false_refusals: float = 0.05
    # the types with at least this many answerable questions each keep to max_false_refusals; fewer give no
    # stable 5% point (one question is 3% of 30)
    min_type_questions: int = 30
    # the types the reader does not read are a tenth of the rows; weighting them up gives their few
    # rows a say in the trees (chosen on tune, "Answer or refuse")
    unread_weight: float = 3.0
    # masked copies of each training and tune article (rag/train/masked.py); 0: none. Two measured worse on the
    # frozen set and the dev suite's originals than none ("Masked articles", docs/TUNING.md)
    masked_copies: int = 0
    # each row of the questions people wrote about documents of other kinds (rag/train/other_kinds.py) counts as
    # this many SQuAD rows (there are 344 of them against 25,000), and their out-of-fold scores choose thresholds
    # of their own (_out_of_fold_thresholds); 0: not trained on, only scored (the report's "other_kinds"). 30 ranks
    # them better out of fold (AUC 0.879 -> 0.914) at a lower SQuAD tune AUC (0.860 -> 0.849): the shipped model
    # (docs/TUNING.md, "A threshold for documents of other kinds")
    other_kinds_weight: float = 30.0
    # each near-miss whose swapped-in name or number the index mentions elsewhere (rag/train/questions.py,
    # near_misses_present) counts as this many rows; 0: left out of training and tuning. 1 ranked the other kinds'
    # questions worse out of fold (0.914 -> 0.905 at other_kinds_weight 30), so 0 (the same section)
    present_near_miss_weight: float = 0.0
    # collect with the ranker already in the output folder instead of training one: a new decision for the
    # shipped ranker (a retrained ranker moves the evidence, and with it every other figure)
    keep_ranker: bool = False


def _export(model, n_features: int, path: Path, regression: bool) -> None:
    """An ONNX graph of a LightGBM model (a ranker exported as the regression its raw score is)."""
    import lightgbm as lgb
    from onnxmltools import convert_lightgbm
    from onnxmltools.convert.common.data_types import FloatTensorType

    types = [("x", FloatTensorType([None, n_features]))]
    if regression:
        text = model.booster_.model_to_string().replace("objective=lambdarank", "objective=regression")
        onx = convert_lightgbm(lgb.Booster(model_str=text), initial_types=types, target_opset=15)
    else:
        onx = convert_lightgbm(model, initial_types=types, zipmap=False, target_opset=15)
    path.write_bytes(onx.SerializeToString())


def train_ranker(x: np.ndarray, y: np.ndarray, groups: np.ndarray, splits: list[str], cfg: DecisionConfig):
    """A lambdarank model on the train groups, stopped early on the tune groups; (model, tune report)."""
    import lightgbm as lgb

    bounds = np.concatenate([[0], np.cumsum(groups)])
    idx = {s: [i for i, sp in enumerate(splits) if sp == s] for s in ("train", "tune")}

    def take(which):
        return np.concatenate([np.arange(bounds[i], bounds[i + 1]) for i in idx[which]])

    tr, tu = take("train"), take("tune")
    model = lgb.LGBMRanker(
        n_estimators=cfg.ranker_trees,
        num_leaves=cfg.ranker_leaves,
        learning_rate=cfg.learning_rate,
        min_child_samples=cfg.min_child_samples,
        random_state=cfg.seed,
        verbose=-1,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
    )
    model.fit(
        x[tr],
        y[tr],
        group=groups[idx["train"]],
        eval_X=(x[tu],),
        eval_y=(y[tu],),
        eval_group=[groups[idx["tune"]]],
        eval_at=[1],
        callbacks=[lgb.early_stopping(40, verbose=False)],
    )
    learned = model.predict(x[tu])
    evidence = x[tu][:, RANK_FEATURES.index("evidence")]

    def top1(scores):
        return float(np.mean([y[tu][b:e][np.argmax(scores[b:e])] for b, e in _group_bounds(groups[idx["tune"]])]))

    return model, {
        "tune_questions": len(idx["tune"]),
        "train_questions": len(idx["train"]),
        "top1_learned": top1(learned),
        "top1_evidence": top1(evidence),
        "trees": model.best_iteration_,
    }


def _group_bounds(groups: np.ndarray) -> list[tuple[int, int]]:
    ends = np.cumsum(groups)
    return list(zip(ends - groups, ends))


def _matrix(rs: list[dict]) -> np.ndarray:
    return np.asarray([[np.nan if v is None else v for v in r["features"]] for r in rs], dtype=np.float32)


def _labels(rs: list[dict]) -> np.ndarray:
    return np.asarray([r["label"] for r in rs])


def _weights(rs: list[dict], cfg: DecisionConfig) -> np.ndarray:
    return np.asarray(
        [
            (1.0 if was_read(r["features"]) else cfg.unread_weight)
            * (cfg.other_kinds_weight if r["split"] == OTHER_KINDS else 1.0)
            * (cfg.present_near_miss_weight if r.get("kind") == PRESENT else 1.0)
            for r in rs
        ]
    )


def _classifier(cfg: DecisionConfig, trees: int):
    import lightgbm as lgb

    return lgb.LGBMClassifier(
        n_estimators=trees,
        num_leaves=cfg.decision_leaves,
        learning_rate=cfg.learning_rate,
        min_child_samples=cfg.min_child_samples,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        random_state=cfg.seed,
        monotone_constraints=[MONOTONE.get(f, 0) for f in DECISION_FEATURES],
        monotone_constraints_method="advanced",
        verbose=-1,
    )


def usable_rows(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """(train rows, tune rows) of the questions that were composed (a refusal before composing has no choice);
    the other kinds' rows are train rows."""
    usable = [r for r in rows if r["features"] is not None and r.get("composed")]
    return [r for r in usable if r["split"] in ("train", OTHER_KINDS)], [r for r in usable if r["split"] == "tune"]


def train_decision(train: list[dict], tune: list[dict], cfg: DecisionConfig):
    """The classifier on the train rows, stopped early on tune; (model, tune scores)."""
    import lightgbm as lgb

    model = _classifier(cfg, cfg.decision_trees)
    model.fit(
        _matrix(train),
        _labels(train),
        sample_weight=_weights(train, cfg),
        eval_X=(_matrix(tune),),
        eval_y=(_labels(tune),),
        eval_sample_weight=[_weights(tune, cfg)],
        callbacks=[lgb.early_stopping(50, verbose=False)],
    )
    # np.asarray: lightgbm types predict_proba as any of its output kinds; a dense input gives an array
    return model, np.asarray(model.predict_proba(_matrix(tune)))[:, 1]


def out_of_fold(train: list[dict], groups: list[str], cfg: DecisionConfig, trees: int) -> np.ndarray:
    """Each train row's probability from a model that never saw its article (5 folds grouped by article)."""
    from sklearn.model_selection import GroupKFold

    x, y, w = _matrix(train), _labels(train), _weights(train, cfg)
    scores = np.empty(len(train))
    for fit, held in GroupKFold(n_splits=5).split(x, y, groups):
        model = _classifier(cfg, trees).fit(x[fit], y[fit], sample_weight=w[fit])
        scores[held] = np.asarray(model.predict_proba(x[held]))[:, 1]
    return scores


def article_groups(rows: list[dict], titles: dict[str, str]) -> list[str]:
    """Each row's article: its setting's when the setting is one article, else its SQuAD question's title
    (``titles``: question id -> title); a question made from a corpus of several articles, its setting."""
    out = []
    for r in rows:
        setting = r["setting"]
        out.append(
            setting.removeprefix("article:")
            if setting.startswith("article:")
            else titles.get(r["qid"].split("~")[0], setting)
        )
    return out


def choose_threshold(scores: np.ndarray, rows: list[dict], max_false_refusals: float, min_type_rows: int) -> float:
    """The highest threshold that refuses at most ``max_false_refusals`` of the answerable rows of each question
    type with at least ``min_type_rows`` of them (of all the answerable rows when no type has that many): the
    share is a promise per type, and a pooled one would follow whatever mix of types the data happens to have."""
    answerable = [(s, r["qtype"]) for s, r in zip(scores, rows) if r["label"] == 1]
    if not answerable:
        return 0.5
    by_type: dict[str, list[float]] = {}
    for s, qtype in answerable:
        by_type.setdefault(qtype, []).append(float(s))
    pools = [v for v in by_type.values() if len(v) >= min_type_rows] or [[s for s, _ in answerable]]
    return min(float(np.sort(v)[int(np.floor(max_false_refusals * len(v)))]) for v in pools)


def choose_thresholds(
    scores: np.ndarray, rows: list[dict], max_false_refusals: float, min_type_rows: int
) -> dict[str, float]:
    """A threshold for the questions the reader read and one for the rest (choose_threshold): the two groups'
    probabilities sit on different scales."""
    out = {}
    for group, read in (("read", True), ("unread", False)):
        sel = np.asarray([was_read(r["features"]) == read for r in rows])
        group_rows = [r for r, s in zip(rows, sel) if s]
        out[group] = choose_threshold(scores[sel], group_rows, max_false_refusals, min_type_rows)
    return out


def lower_thresholds(*chosen: dict[str, float]) -> dict[str, float]:
    """Per group, the lowest of several choices: at most the allowed share refused on each of their data."""
    return {group: min(c[group] for c in chosen) for group in chosen[0]}


def thresholds_of(rows: list[dict], chosen: dict[str, float]) -> np.ndarray:
    """Each row's threshold, by its group."""
    return np.asarray([chosen["read" if was_read(r["features"]) else "unread"] for r in rows])


def refusals(refused: np.ndarray, rows: list[dict]) -> dict[str, float]:
    """Answerable refused, and refused of each unanswerable kind (real, near-miss, off-topic, template, masked)."""
    entry = {"answerable_refused": float(np.mean([f for f, r in zip(refused, rows) if r["label"] == 1]))}
    for kind in ("real", "near_miss", PRESENT, "off_topic", "template", "masked"):
        sel = [f for f, r in zip(refused, rows) if r["label"] == 0 and r["kind"] == kind]
        entry[f"{kind}_refused"] = float(np.mean(sel)) if sel else float("nan")
    return entry


def tradeoffs(scores: np.ndarray, rows: list[dict], chosen: dict[str, float]) -> dict:
    """The refusals at the chosen thresholds (all questions, and each group alone), and at one threshold for
    every question swept from 0.05 to 0.95 (the ROC table)."""
    limits = thresholds_of(rows, chosen)
    out: dict = {"chosen": refusals(scores < limits, rows)}
    for group, read in (("read", True), ("unread", False)):
        sel = np.asarray([was_read(r["features"]) == read for r in rows])
        out[group] = {
            "questions": int(sel.sum()),
            **refusals((scores < limits)[sel], [r for r, s in zip(rows, sel) if s]),
        }
    out["sweep"] = [
        {"threshold": float(t), **refusals(scores < t, rows)} for t in np.round(np.linspace(0.05, 0.95, 19), 2)
    ]
    return out


def train(
    squad_train: Path,
    squad_split: Path,
    out: Path,
    work_dir: Path,
    settings: Settings,
    cfg: DecisionConfig = DecisionConfig(),
) -> dict:
    """Collect, train both models, export them to ``out`` with their card; the report (also in ``out``)."""
    from .collect import first_pass, second_pass, settings_of

    t0 = time.time()
    setting_list = settings_of(squad_train, squad_split, cfg.seed, cfg.masked_copies)
    collected, engines = first_pass(setting_list, settings, work_dir, cfg.seed)
    print(f"pass 1: {len(collected)} questions in {time.time() - t0:.0f} s", file=sys.stderr)
    if cfg.keep_ranker:
        ranker_part = json.loads((out / "decision.json").read_text(encoding="utf-8"))["ranker"]
    else:
        ranker_part = _ship_ranker(collected, engines, out, cfg)
    ranker_model = TreeModel(_session(out / "ranker.onnx"), RANK_FEATURES, 0)
    rows = second_pass(collected, engines, ranker_model)
    (work_dir / "decision_rows.json").write_text(json.dumps(rows), encoding="utf-8")
    rows += other_kinds_rows(settings, ranker_model, work_dir)
    return ship_decision(rows, question_titles(squad_train, squad_split), ranker_part, out, cfg, t0)


def _ship_ranker(collected: list, engines: dict, out: Path, cfg: DecisionConfig) -> dict:
    """Train the ranker on the first pass's candidates and export it to ``out``; its part of the report."""
    from .collect import ranker_rows

    x, y, groups, splits = ranker_rows(collected, engines)
    ranker, rank_report = train_ranker(x, y, groups, splits, cfg)
    out.mkdir(parents=True, exist_ok=True)
    _export(ranker, len(RANK_FEATURES), out / "ranker.onnx", regression=True)
    return {"features": list(RANK_FEATURES), **rank_report, "importance": _importance(ranker, RANK_FEATURES)}


def question_titles(*squad_files: Path) -> dict[str, str]:
    """SQuAD question id -> its article's title, over ``squad_files``."""
    from ..eval.squad import load_squad

    return {q.qid: q.title for f in squad_files for q in load_squad(f)[1]}


def retrain_decision(
    squad_train: Path,
    squad_split: Path,
    out: Path,
    work_dir: Path,
    settings: Settings,
    cfg: DecisionConfig = DecisionConfig(),
) -> dict:
    """The decision alone, again, from the SQuAD rows a full run saved in ``work_dir`` and its ranker in ``out``,
    with the other kinds' rows computed again (minutes instead of an hour: for trying the decision's settings)."""
    rows = json.loads((work_dir / "decision_rows.json").read_text(encoding="utf-8"))
    rows += other_kinds_rows(settings, TreeModel(_session(out / "ranker.onnx"), RANK_FEATURES, 0), work_dir)
    ranker_part = json.loads((out / "decision.json").read_text(encoding="utf-8"))["ranker"]
    titles = question_titles(squad_train, squad_split)
    return ship_decision(rows, titles, ranker_part, out, cfg, time.time(), decision_only=True)


def ship_decision(
    rows: list[dict],
    titles: dict[str, str],
    ranker_part: dict,
    out: Path,
    cfg: DecisionConfig,
    t0: float,
    decision_only: bool = False,
) -> dict:
    """Train the decision on the second pass's rows, export it to ``out`` with the report and the card.

    Each group's threshold is the lower of two choices, each refusing at most ``max_false_refusals`` of the
    answerable questions of each question type of its data (choose_threshold): the tune articles', and the
    training articles' own out-of-fold scores (a model that never saw their article). Both must hold; the
    second has ten times the unread questions. The other kinds' rows are training rows, and out-of-fold rows that
    make a third choice of their own (_out_of_fold_thresholds), only when ``cfg.other_kinds_weight`` is above 0;
    the report scores them either way."""
    train_rows, tune_rows = usable_rows(rows)
    other = [r for r in train_rows if r["split"] == OTHER_KINDS]
    if not cfg.other_kinds_weight:  # scored, never trained on nor choosing a threshold
        train_rows = [r for r in train_rows if r["split"] != OTHER_KINDS]
    if not cfg.present_near_miss_weight:
        train_rows, tune_rows = ([r for r in rs if r.get("kind") != PRESENT] for rs in (train_rows, tune_rows))
    decision, tune_scores = train_decision(train_rows, tune_rows, cfg)
    _export(decision, len(DECISION_FEATURES), out / "decision.onnx", regression=False)
    oof = out_of_fold(train_rows, article_groups(train_rows, titles), cfg, decision.best_iteration_)
    on_tune = choose_thresholds(tune_scores, tune_rows, cfg.max_false_refusals, cfg.min_type_questions)
    on_train, on_other = _out_of_fold_thresholds(oof, train_rows, cfg)
    chosen = lower_thresholds(on_tune, on_train, *([on_other] if on_other else []))
    labels = np.asarray([r["label"] for r in tune_rows])
    report = {
        "ranker": ranker_part,
        "decision": {
            "features": list(DECISION_FEATURES),
            "thresholds": chosen,
            "thresholds_tune": on_tune,
            "thresholds_out_of_fold": on_train,
            "thresholds_other_kinds": on_other,
            "trees": decision.best_iteration_,
            "tune_auc": auc(tune_scores[labels == 1], tune_scores[labels == 0]),
            "roc": roc_points(tune_scores, labels),
            "tradeoffs": tradeoffs(tune_scores, tune_rows, chosen),
            "counts": _counts([r for r in rows if cfg.present_near_miss_weight or r.get("kind") != PRESENT]),
            "other_kinds": _other_kinds(decision, oof, train_rows, other, chosen, cfg),
            "importance": _importance(decision, DECISION_FEATURES),
        },
        "config": cfg.__dict__,
        "minutes": (time.time() - t0) / 60,
        "decision_only": decision_only,  # then the minutes are the decision's alone (the card says so)
    }
    (out / "decision.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    write_card(report, out)
    return report


def _out_of_fold_thresholds(
    oof: np.ndarray, train_rows: list[dict], cfg: DecisionConfig
) -> tuple[dict[str, float], dict[str, float] | None]:
    """The thresholds the out-of-fold scores choose: on the SQuAD training articles, and on the other kinds'
    questions alone when they are trained on (None when not). Apart, so that documents of other kinds, whose
    answerable questions score lower than SQuAD's, keep to the same bound and are not outvoted by 25,000 rows."""
    other = np.asarray([r["split"] == OTHER_KINDS for r in train_rows])
    squad_rows = [r for r, o in zip(train_rows, other) if not o]
    on_train = choose_thresholds(oof[~other], squad_rows, cfg.max_false_refusals, cfg.min_type_questions)
    if not other.any():
        return on_train, None
    other_rows = [r for r, o in zip(train_rows, other) if o]
    return on_train, choose_thresholds(oof[other], other_rows, cfg.max_false_refusals, cfg.min_type_questions)


def _other_kinds(
    decision, oof: np.ndarray, train_rows: list[dict], other: list[dict], chosen: dict, cfg: DecisionConfig
) -> dict:
    """The other kinds' figures: by the out-of-fold models when they are trained on, else by the decision itself
    (it never saw them)."""
    if cfg.other_kinds_weight:
        return {**held_out(oof, train_rows, chosen, OTHER_KINDS), "trained_on": True}
    if not other:
        return {"questions": 0}
    scores = np.asarray(decision.predict_proba(_matrix(other)))[:, 1]
    return {**held_out(scores, other, chosen, OTHER_KINDS), "trained_on": False}


def held_out(scores: np.ndarray, rows: list[dict], chosen: dict[str, float], split: str) -> dict:
    """AUC and refusals at the chosen thresholds of the ``split`` rows, by scores of models that never saw
    their article or round (out_of_fold)."""
    sel = np.asarray([r["split"] == split for r in rows])
    if not sel.any():
        return {"questions": 0}
    picked, labels = [r for r, s in zip(rows, sel) if s], np.asarray([r["label"] for r in rows])[sel]
    return {
        "questions": int(sel.sum()),
        "auc": auc(scores[sel][labels == 1], scores[sel][labels == 0]),
        **refusals(scores[sel] < thresholds_of(picked, chosen), picked),
    }


def roc_points(scores: np.ndarray, labels: np.ndarray, n: int = 60) -> list[tuple[float, float, float]]:
    """(threshold, answerable refused, unanswerable refused) at ``n`` thresholds spread over the scores."""
    out = []
    for t in np.unique(np.quantile(scores, np.linspace(0, 1, n))):
        refused = scores < t
        out.append(
            (
                round(float(t), 4),
                round(float(refused[labels == 1].mean()), 4),
                round(float(refused[labels == 0].mean()), 4),
            )
        )
    return out


def _importance(model, names: tuple[str, ...]) -> dict[str, float]:
    """Each feature's share of the model's total split gain, largest first."""
    gain = model.booster_.feature_importance("gain")
    total = float(gain.sum()) or 1.0
    return {n: round(float(g) / total, 4) for n, g in sorted(zip(names, gain), key=lambda x: -x[1])}


def _counts(rows: list[dict]) -> dict:
    out: dict = {}
    for r in rows:
        key = f"{r['split']}/{r['kind']}/{'answerable' if r['label'] else 'unanswerable'}"
        out[key] = out.get(key, 0) + 1
    return dict(sorted(out.items()))
