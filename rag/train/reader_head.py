"""The reader's "answerable" head: a logistic regression on the encoder's final [CLS] vector (with the
reader's margin and relevance), trained with synthetic near-misses as negatives.

The shipped reader (rag/reader_model) was trained on SQuAD 2.0, whose unanswerable questions are
written about their paragraph; it tells answerable from near-miss questions (one name, number or
noun swapped for one the sources never mention, rag/eval/perturb.py) only weakly. Retraining the
transformer costs hours, so this trains only a new head on its frozen features:

1. the int8 graph gains an output ``cls``: the tensor the relevance head reads (graph surgery; the
   other outputs stay bit-identical, which :func:`add_cls_output` checks);
2. pairs (question, gold paragraph) of training articles: answerable (1), unanswerable (0) and a
   near-miss of each answerable question (0);
3. per pair, the window with the best span (the one whose evidence the reader's margin comes from,
   and for an answerable question the one that holds the answer; the first window may not):
   [CLS] vector, that window's best span minus its "no answer", and its relevance;
4. a logistic regression on those (standardised) features, C chosen on held-out training articles;
   measured on the tune articles against the reader's existing scores.

``python -m rag.train.reader_head --squad-train FILE --squad FILE --out rag/reader_model`` re-creates
``answerable_head.json`` (and the ``cls`` output of ``model.onnx``) deterministically.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..answer.answerable_head import HEAD_FILE
from ..answer.reader import CLS_OUTPUT, NO_SPAN, Reader
from ..answer.vocabulary import Vocabulary
from ..eval.perturb import Pools, Swapper
from ..eval.squad import SquadQuestion, load_squad
from ..store.documents import Document
from ..text.terms import words
from .reader_eval import auc
from .reader_head_card import auc_rows, write_card_section
from .reader_head_graph import add_cls_output

C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
KINDS = ("answerable", "unanswerable", "near_miss")


# -- pairs ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Pair:
    """A question with its article's gold paragraph; ``label`` 1 when the paragraph answers it."""

    qid: str
    question: str
    passage: str
    title: str
    kind: str  # one of KINDS

    @property
    def label(self) -> int:
        return int(self.kind == "answerable")


def article_vocabulary(docs: list[Document]) -> Vocabulary:
    """Every word of an article's title and paragraphs, as the index of that article would hold them."""
    found: set[str] = set()
    for doc in docs:
        found.update(words(doc.title.lower()))
        found.update(words(doc.text.lower()))
    return Vocabulary(found)


def make_pairs(docs: list[Document], questions: list[SquadQuestion], pools: Pools, seed: int = 13) -> list[Pair]:
    """Each question with its gold paragraph, and a near-miss of each answerable question (when one can
    be made) with the same paragraph; near-misses swap in words the question's article never uses."""
    text = {d.doc_id: d.text for d in docs}
    out: list[Pair] = []
    for title in sorted({q.title for q in questions}):
        swapper = Swapper(article_vocabulary([d for d in docs if d.title == title]), pools, seed)
        for q in (q for q in questions if q.title == title):
            passage = text[q.doc_id]
            out.append(Pair(q.qid, q.question, passage, title, "unanswerable" if q.impossible else "answerable"))
            swap = None if q.impossible else swapper.near_miss(q.question)
            if swap is not None:
                out.append(Pair(f"{q.qid}~", swap.question, passage, title, "near_miss"))
    return out


# -- features -------------------------------------------------------------------------------
FEATURE_ARRAYS = ("cls", "margin", "relevance", "answerable", "passage_relevance", "windows")


def pair_features(reader: Reader, session, pair: Pair) -> dict:
    """The [CLS] vector, margin (best span - "no answer") and relevance of the window with the best span;
    and the reader's passage scores (``Reading.answerable``, ``Reading.relevance``) for comparison."""
    from ..answer.reader_features import pad, windows

    rows = []
    for w in windows(reader.tokenizer, pair.question, [pair.passage]):
        ids, mask, types = pad([w])
        s, e, rel, cls = session.run(
            ["start_logits", "end_logits", "relevance", CLS_OUTPUT],
            {"input_ids": ids, "attention_mask": mask, "token_type_ids": types},
        )
        found = reader.best_span(w, s[0], e[0])
        rows.append((found[2] if found else NO_SPAN, float(s[0][0] + e[0][0]), float(rel[0]), cls[0]))
    top = max(rows, key=lambda r: r[0])
    return {
        "cls": top[3],
        "margin": top[0] - top[1],
        "relevance": top[2],
        "answerable": max(r[0] for r in rows) - min(r[1] for r in rows),
        "passage_relevance": max(r[2] for r in rows),
        "windows": len(rows),
    }


def extract(reader: Reader, session, pairs: list[Pair], cache: Path | None, progress: bool = True) -> dict:
    """:func:`pair_features` of every pair as arrays, cached in ``cache`` under a key of the graph and pairs."""
    key = hashlib.sha256(reader.fingerprint.encode())
    for p in pairs:
        key.update(f"{p.kind}\0{p.question}\0{p.passage}\0".encode())
    path = Path(cache) / f"reader-head-{key.hexdigest()[:16]}.npz" if cache else None
    if path is not None and path.is_file():
        with np.load(path) as data:
            return {k: data[k] for k in FEATURE_ARRAYS}
    from tqdm import tqdm

    rows = [pair_features(reader, session, p) for p in tqdm(pairs, disable=not progress, desc="reading", unit="pair")]
    out = {k: np.asarray([r[k] for r in rows], dtype=np.float32) for k in FEATURE_ARRAYS}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **out)  # type: ignore[arg-type]  # numpy's stub: **out might name its allow_pickle flag
    return out


# -- the head -------------------------------------------------------------------------------
INPUTS = ("all", "cls", "extras")  # the head's inputs; the other two are measured to show what each part adds


def design(features: dict, inputs: str = "all") -> np.ndarray:
    """The head's inputs: the [CLS] vector, then the window's margin and relevance ("cls" or "extras": one part)."""
    cols = [] if inputs == "extras" else [features["cls"]]
    if inputs != "cls":
        cols += [features["margin"][:, None], features["relevance"][:, None]]
    return np.hstack(cols).astype(np.float64)


def held_out_titles(titles: list[str], every: int = 5) -> set[str]:
    """Every ``every``-th training article (by title, from the third): the slice that chooses C."""
    return set(sorted(set(titles))[2::every])


def _fit(x: np.ndarray, y: np.ndarray, c: float, seed: int):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(
        StandardScaler(), LogisticRegression(C=c, class_weight="balanced", max_iter=5000, random_state=seed)
    )
    return model.fit(x, y)


def auc_table(scores: np.ndarray, kinds: np.ndarray) -> dict[str, float]:
    """AUC of answerable against real unanswerable, near-misses, and both."""
    pos = scores[kinds == "answerable"]
    return {
        "unanswerable": auc(list(pos), list(scores[kinds == "unanswerable"])),
        "near_miss": auc(list(pos), list(scores[kinds == "near_miss"])),
        "both": auc(list(pos), list(scores[kinds != "answerable"])),
    }


def choose_c(x: np.ndarray, y: np.ndarray, kinds: np.ndarray, held: np.ndarray, seed: int) -> tuple[float, dict]:
    """The C of :data:`C_GRID` with the best held-out AUC (answerable vs both kinds of negative)."""
    found = {}
    for c in C_GRID:
        model = _fit(x[~held], y[~held], c, seed)
        found[c] = auc_table(model.decision_function(x[held]), kinds[held])["both"]
    return max(C_GRID, key=lambda c: (found[c], -c)), found


def linear_weights(model) -> tuple[np.ndarray, float]:
    """The fitted pipeline as one linear function of the raw inputs: (weights, bias), scaler folded in."""
    scaler, lr = model[0], model[-1]
    w = lr.coef_[0] / scaler.scale_
    return w, float(lr.intercept_[0] - np.dot(w, scaler.mean_))


# -- training and the shipped file ----------------------------------------------------------
Files = list[tuple[Path, tuple[str, ...] | None]]  # SQuAD files, each with the splits whose articles to use


def load_pairs(files: Files, seed: int) -> list[list[Pair]]:
    """:func:`make_pairs` of each SQuAD file (its given splits; None: every article)."""
    pools = Pools.load()
    return [make_pairs(*load_squad(Path(path), splits), pools, seed) for path, splits in files]


def sample_feeds(reader: Reader, pairs: list[Pair], count: int = 60) -> list[dict]:
    """Model inputs of every window of ``count`` pairs spread over ``pairs`` (to check graph surgery on)."""
    from ..answer.reader_features import pad, windows

    feeds = []
    for p in pairs[:: max(1, len(pairs) // count)][:count]:
        for w in windows(reader.tokenizer, p.question, [p.passage]):
            ids, mask, types = pad([w])
            feeds.append({"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
    return feeds


def head_scores(features: dict, weights: np.ndarray, bias: float, inputs: str = "all") -> np.ndarray:
    """The head's logit of each pair (its window with the best span)."""
    return design(features, inputs) @ weights + bias


def ablation(train: list[list[Pair]], f_train: dict, f_tune: dict, kinds: np.ndarray, seed: int) -> dict:
    """Tune AUCs of heads on one part of the inputs each (the [CLS] vector; margin and relevance), C chosen
    the same way: what each part adds."""
    out = {}
    for inputs in INPUTS[1:]:
        weights, bias, chosen = fit_head(train, f_train, seed, inputs)
        out[inputs] = {"C": chosen["C"], "tune_auc": auc_table(head_scores(f_tune, weights, bias, inputs), kinds)}
    return out


def counts(pairs: list[Pair]) -> dict[str, int]:
    return {k: sum(p.kind == k for p in pairs) for k in KINDS}


def gain_interval(new: np.ndarray, old: np.ndarray, kinds: np.ndarray, seed: int, rounds: int = 1000) -> dict:
    """AUC of ``new`` minus AUC of ``old`` per kind of negative: mean and 95% interval over a paired
    bootstrap of the pairs (each kind resampled on its own)."""
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(kinds == k) for k in KINDS]
    found: dict[str, list[float]] = {}
    for _ in range(rounds):
        pick = np.concatenate([rng.choice(g, len(g)) for g in groups if len(g)])
        a, b = auc_table(new[pick], kinds[pick]), auc_table(old[pick], kinds[pick])
        for k in a:
            found.setdefault(k, []).append(a[k] - b[k])
    return {
        k: [float(np.mean(v)), float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))] for k, v in found.items()
    }


def fit_head(train: list[list[Pair]], features: dict, seed: int, inputs: str = "all") -> tuple[np.ndarray, float, dict]:
    """The head's (weights, bias) on all training pairs, C chosen on held-out articles of each file; and
    what was chosen on. ``inputs``: see :func:`design`."""
    pairs = [p for part in train for p in part]
    held_titles = sorted({t for part in train for t in held_out_titles([p.title for p in part])})
    kinds, y = np.array([p.kind for p in pairs]), np.array([p.label for p in pairs])
    held = np.isin(np.array([p.title for p in pairs]), held_titles)
    x = design(features, inputs)
    c, by_c = choose_c(x, y, kinds, held, seed)
    weights, bias = linear_weights(_fit(x, y, c, seed))
    return (
        weights,
        bias,
        {
            "C": c,
            "held_out_auc_by_C": {str(k): v for k, v in by_c.items()},
            "held_out_articles": held_titles,
            "held_out_pairs": {k: int(((kinds == k) & held).sum()) for k in KINDS},
        },
    )


def train_head(
    train_files: Files, tune_files: Files, out: Path, seed: int = 13, cache: Path | None = None, progress: bool = True
) -> dict:
    """Train the head on ``train_files``' pairs, measure it on ``tune_files``', write ``out/answerable_head.json``
    and its section of ``out/MODEL_CARD.md`` (giving ``out/model.onnx`` its ``cls`` output first); returns the
    report the head file holds."""
    out = Path(out)
    train, tune = load_pairs(train_files, seed), [p for part in load_pairs(tune_files, seed) for p in part]
    flat = [p for part in train for p in part]
    if not flat or not tune:
        raise ValueError("no pairs: the SQuAD files give no training or no tune questions")
    reader = Reader(out, threads=1, head=False)
    if add_cls_output(out, sample_feeds(reader, flat + tune)):
        reader = Reader(out, threads=1, head=False)
    f_train = extract(reader, reader.session, flat, cache, progress)
    f_tune = extract(reader, reader.session, tune, cache, progress)
    weights, bias, chosen = fit_head(train, f_train, seed)
    kinds, t_kinds = np.array([p.kind for p in flat]), np.array([p.kind for p in tune])
    new = head_scores(f_tune, weights, bias)
    report = {
        "graph_sha256": reader.fingerprint,
        "seed": seed,
        **chosen,
        "pairs": {"train": counts(flat), "tune": counts(tune)},
        "multi_window_pairs": {
            "train": int((f_train["windows"] > 1).sum()),
            "tune": int((f_tune["windows"] > 1).sum()),
        },
        "tune_auc": {
            "margin": auc_table(f_tune["answerable"], t_kinds),
            "relevance": auc_table(f_tune["passage_relevance"], t_kinds),
            "head": auc_table(new, t_kinds),
        },
        "tune_gain": {
            "over_margin": gain_interval(new, f_tune["answerable"], t_kinds, seed),
            "over_relevance": gain_interval(new, f_tune["passage_relevance"], t_kinds, seed),
        },
        "tune_auc_of_parts": ablation(train, f_train, f_tune, t_kinds, seed),
        "train_auc": {
            "margin": auc_table(f_train["answerable"], kinds),
            "relevance": auc_table(f_train["passage_relevance"], kinds),
            "head": auc_table(head_scores(f_train, weights, bias), kinds),
        },
    }
    head = {
        "format": 1,
        "inputs": "cls (the [CLS] vector of a window), margin (its best span - its no answer), "
        "relevance (its relevance logit)",
        "cls": [float(v) for v in weights[:-2]],
        "margin": float(weights[-2]),
        "relevance": float(weights[-1]),
        "bias": bias,
        "licence": "CC BY-SA 4.0 (trained on SQuAD 2.0)",
        "training": report,
    }
    (out / HEAD_FILE).write_text(json.dumps(head, indent=1) + "\n", encoding="utf-8")
    write_card_section(out, report)
    return report


def main(argv: list[str] | None = None) -> int:
    """``python -m rag.train.reader_head --squad-train FILE --squad FILE --out rag/reader_model``"""
    import argparse

    parser = argparse.ArgumentParser(description="Train the reader's answerable head (with near-misses) and ship it.")
    parser.add_argument(
        "--squad-train",
        type=Path,
        action="append",
        default=[],
        help="a SQuAD-format file of training articles: all its articles train (repeatable)",
    )
    parser.add_argument(
        "--squad",
        type=Path,
        action="append",
        default=[],
        help="a SQuAD-format file split by title: its train articles train, its tune articles measure",
    )
    parser.add_argument("--out", type=Path, required=True, help="the reader folder (model.onnx, tokenizer.json)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--cache", type=Path, default=None, help="keep the read features here (re-runs reuse them)")
    args = parser.parse_args(argv)
    for path in [*args.squad_train, *args.squad, args.out / "model.onnx"]:
        if not path.is_file():
            parser.error(f"no such file: {path}")
    if not args.squad:
        parser.error("give --squad: its tune articles measure the head")
    train_files: Files = [(p, None) for p in args.squad_train] + [(p, ("train",)) for p in args.squad]
    report = train_head(train_files, [(p, ("tune",)) for p in args.squad], args.out, args.seed, args.cache)
    print("\n".join(auc_rows(report)))
    print(
        f"wrote {args.out / HEAD_FILE} (C = {report['C']}) and its section of {args.out / 'MODEL_CARD.md'}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
