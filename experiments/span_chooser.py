"""Span chooser: can a small learned model pick the reader's short answer among its top-k spans inside the
right sentence better than the reader's argmax (start + end logit)?

For each answerable SQuAD question (training articles: squad-v2-train-part.json, all, and part A's "train"
split; evaluation: part A's "tune" split; the "test" split is never loaded) the reader reads the gold
paragraph; in the sentence that holds the first gold answer's start it enumerates the top k=20 spans by
start + end logit (at most max_answer_tokens tokens), widened to whole words and deduplicated (best logit per
character span, then per distinct short-answer text). Each candidate's text is the product's short answer (close_brackets; a span over
short_answer_words words or short_answer_share of the sentence shows the whole sentence, as reader_short does)
and is labelled with its SQuAD F1. A dozen classic answer-extraction features per candidate (reader score, gap,
rank, length, overlap with the question, distance to question words, entity / noun chunk / constituent,
expected-type entity, wh-class, position) feed scikit-learn HistGradientBoosting models (a binary classifier
on F1 >= 0.5, a regressor on F1, a pairwise ranker on feature differences); the candidate they score highest
is the answer. Three regimes: (a) train on the training articles, evaluate on tune; (b) leave one tune article
out, trained on the other two; (c) training articles + the other tune articles. Settings are chosen by
cross-validation by article inside the training portion. Reports exact match and F1 of the reader's argmax
vs the chosen span on the tune articles' answerable questions, per wh-class, the top-k oracle, feature
importances and the time of the features.

    python experiments/span_chooser.py --out /tmp/span_exp          (add --reuse to skip reading again)
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from rag.answer.analysis import ANSWER_LABELS, analyze  # noqa: E402
from rag.answer.compose.factoid import close_brackets, whole_words  # noqa: E402
from rag.answer.reader import BUNDLED, Reader, _token_range  # noqa: E402
from rag.answer.reader_features import windows  # noqa: E402
from rag.eval.metrics import exact_match, token_f1, wh_class  # noqa: E402
from rag.eval.squad import load_squad  # noqa: E402
from rag.settings import ScoringConfig  # noqa: E402
from rag.text import nlp  # noqa: E402
from rag.text.sentences import sentence_spans  # noqa: E402

TRAIN_FILE = ROOT.parent / "shared" / "eval" / "squad-v2-train-part.json"  # ../shared/eval beside the repo
PART_A = ROOT.parent / "shared" / "eval" / "squad-v2-dev-part-a.json"
K = 20
SEED = 13
WH_CLASSES = ["what", "who", "when", "where", "which", "how many", "how long", "how", "why", "other"]
ANSWER_TYPES = ["none", "PERSON", "AGENT", "ORG", "PLACE", "DATE", "NUMBER"]
FEATURES = [
    "score", "gap", "rank", "words", "q_share", "has_q_word", "q_dist", "q_near3",
    "is_entity", "is_chunk", "is_subtree", "heads", "typed_entity", "other_entity",
    "position", "ends_stop", "wh", "atype",
]  # fmt: skip
CATEGORICAL = ["wh", "atype"]


# -- candidates ---------------------------------------------------------------------------------------------
def top_spans(reader: Reader, question: str, text: str, sent: tuple[int, int], k: int) -> list[tuple[int, int, float]]:
    """The sentence's top-k spans by start + end logit over all windows, widened to whole words, best logit
    per distinct character span: (start, end, score) in the passage, best first."""
    best: dict[tuple[int, int], float] = {}
    a, b = sent
    stext = text[a:b]
    for w in windows(reader.tokenizer, question, [text]):
        s, e, _, _ = reader._run(w)
        lo, hi = _token_range(w, a, b)
        if hi <= lo:
            continue
        n = hi - lo
        L = min(reader.longest, n)
        scores = np.full((n, L), -np.inf, dtype=np.float32)
        for d in range(L):
            scores[: n - d, d] = s[lo : hi - d] + e[lo + d : hi]
        flat = np.argsort(-scores, axis=None)
        taken = 0
        for idx in flat:
            row, length = divmod(int(idx), L)
            sc = float(scores[row, length])
            if not np.isfinite(sc):
                break
            i, j = lo + row, lo + row + length
            ca, cb = whole_words(stext, int(w.starts[i]) - a, int(w.ends[j]) - a)
            key = (ca + a, cb + a)
            if key not in best:
                taken += 1
            if sc > best.get(key, -np.inf):
                best[key] = sc
            if taken >= 2 * k:  # enough distinct spans from this window
                break
    ranked = sorted(best.items(), key=lambda kv: -kv[1])[:k]
    return [(ca, cb, sc) for (ca, cb), sc in ranked]


def shown(text: str, sent: tuple[int, int], ca: int, cb: int, cfg: ScoringConfig) -> str:
    """The product's short answer from span [ca, cb) (reader_short), else the whole sentence."""
    span = close_brackets(text[ca:cb], text[cb : sent[1]])
    whole = text[sent[0] : sent[1]]
    ok = span and len(span.split()) <= cfg.short_answer_words and len(span) < cfg.short_answer_share * len(whole)
    return span if ok else whole


# -- features -----------------------------------------------------------------------------------------------
_NLP_SECONDS = {"sentence_parse": 0.0, "question_analysis": 0.0, "features": 0.0, "reader": 0.0}
_PARSES: dict[str, object] = {}


def parse_sentence(text: str, timed: bool):
    if text not in _PARSES:
        t = time.perf_counter()
        _PARSES[text] = nlp.load()(text)
        if timed:
            _NLP_SECONDS["sentence_parse"] += time.perf_counter() - t
    return _PARSES[text]


def content(tok) -> bool:
    return not (tok.is_stop or tok.is_punct or tok.is_space)


def features(q: str, analysis, doc, sent_start: int, cands: list[tuple[int, int, float]]) -> list[list[float]]:
    """One row of FEATURES per candidate (characters relative to the passage; doc parses the sentence)."""
    qdoc = nlp.parse(q)
    qlem = {t.lemma_.lower() for t in qdoc if content(t)} | {t.lower_ for t in qdoc if content(t)}
    toks = list(doc)
    is_q = np.array([content(t) and (t.lemma_.lower() in qlem or t.lower_ in qlem) for t in toks])
    q_pos = np.flatnonzero(is_q)
    labels = ANSWER_LABELS.get(analysis.answer_type or "", set())
    ents = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
    chunks = {(c.start_char, c.end_char) for c in doc.noun_chunks}
    subtrees = {(t.left_edge.idx, t.right_edge.idx + len(t.right_edge.text)) for t in toks}
    wh = WH_CLASSES.index(wh_class(q)) if wh_class(q) in WH_CLASSES else len(WH_CLASSES) - 1
    atype = ANSWER_TYPES.index(analysis.answer_type) if analysis.answer_type in ANSWER_TYPES else 0
    best = cands[0][2]
    rows = []
    n = max(1, len(toks))
    for rank, (ca, cb, sc) in enumerate(cands):
        a, b = ca - sent_start, cb - sent_start
        inside = [i for i, t in enumerate(toks) if a <= t.idx < b]
        if not inside:
            inside = [min(range(len(toks)), key=lambda i: abs(toks[i].idx - a))] if toks else [0]
        lo, hi = inside[0], inside[-1]
        words = [toks[i] for i in inside if not (toks[i].is_punct or toks[i].is_space)]
        cwords = [t for t in words if content(t)]
        inq = [t.lemma_.lower() in qlem or t.lower_ in qlem for t in cwords]
        outside = q_pos[(q_pos < lo) | (q_pos > hi)]
        dist = np.minimum(np.abs(outside - lo), np.abs(outside - hi)).min() if len(outside) else 50
        near = int(((outside >= lo - 3) & (outside <= hi + 3)).sum())
        # trimmed span (close_brackets strips edge punctuation) for the exact-match structure features
        ta, tb = toks[lo].idx, toks[hi].idx + len(toks[hi].text)
        over = [lab for (es, ee, lab) in ents if es < tb and ta < ee]
        heads = sum(1 for i in inside if not (lo <= toks[i].head.i <= hi) or toks[i].head.i == i)
        rows.append([
            sc, best - sc, rank, len(words),
            (sum(inq) / len(cwords)) if cwords else 1.0, float(any(inq)), float(dist), near,
            float(any((es, ee) == (ta, tb) for es, ee, _ in ents)), float((ta, tb) in chunks),
            float((ta, tb) in subtrees), heads,
            float(any(lab in labels for lab in over)), float(any(lab not in labels for lab in over)),
            lo / n, float(toks[hi].is_stop or toks[hi].is_punct),
            wh, atype,
        ])  # fmt: skip
    return rows


def collect(reader: Reader, qs, docs, cfg: ScoringConfig, group: str, timed: bool = False) -> list[dict]:
    """Candidates, labels and features of each answerable question whose first answer starts in a sentence."""
    texts = {d.doc_id: d.text for d in docs}
    sents: dict[str, list[tuple[int, int]]] = {}
    out = []
    for n, q in enumerate(qs):
        if q.impossible or not q.answers:
            continue
        text = texts[q.doc_id]
        spans = sents.setdefault(q.doc_id, sentence_spans(text))
        start = q.answers[0][1]
        sent = next(((a, b) for a, b in spans if a <= start < b), None)
        if sent is None:
            continue
        t0 = time.perf_counter()
        cands, seen = [], set()
        for ca, cb, sc in top_spans(reader, q.question, text, sent, 3 * K):  # one per distinct short answer text
            shown_text = shown(text, sent, ca, cb, cfg)
            if shown_text not in seen and len(cands) < K:
                seen.add(shown_text)
                cands.append((ca, cb, sc))
        t1 = time.perf_counter()
        if timed:
            _NLP_SECONDS["reader"] += t1 - t0
        if not cands:
            continue
        t = time.perf_counter()
        analysis = analyze(q.question)
        if timed:
            _NLP_SECONDS["question_analysis"] += time.perf_counter() - t
        doc = parse_sentence(text[sent[0] : sent[1]], timed)
        t = time.perf_counter()
        feats = features(q.question, analysis, doc, sent[0], cands)
        if timed:
            _NLP_SECONDS["features"] += time.perf_counter() - t
        answers = [x for x, _ in shown_list(text, sent, cands, cfg)]
        out.append({
            "qid": q.qid, "question": q.question, "title": q.title, "group": group, "wh": wh_class(q.question),
            "sentence": text[sent[0] : sent[1]], "gold": q.answer_texts, "texts": answers,
            "f1": [token_f1(x, q.answer_texts) for x in answers], "em": [exact_match(x, q.answer_texts) for x in answers],
            "X": np.array(feats, dtype=np.float32),
        })  # fmt: skip
        if n % 500 == 0:
            print(f"  {group}: {n}/{len(qs)} {time.strftime('%H:%M:%S')}", flush=True)
    return out


def shown_list(text, sent, cands, cfg):
    return [(shown(text, sent, ca, cb, cfg), sc) for ca, cb, sc in cands]


# -- models -------------------------------------------------------------------------------------------------
def stack(items: list[dict]):
    X = np.vstack([it["X"] for it in items])
    f1 = np.concatenate([it["f1"] for it in items])
    groups = np.concatenate([[i] * len(it["f1"]) for i, it in enumerate(items)])
    return X, f1, groups


def grade(f1: np.ndarray) -> np.ndarray:
    return np.digitize(f1, [0.01, 0.5, 0.99])  # 0..3


def make_model(kind: str, leaves: int, iters: int, lr: float):
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    cat = [FEATURES.index(c) for c in CATEGORICAL]
    common = dict(
        max_leaf_nodes=leaves, max_iter=iters, learning_rate=lr, categorical_features=cat,
        early_stopping=False, random_state=SEED, l2_regularization=1.0, min_samples_leaf=20,
    )  # fmt: skip
    return HistGradientBoostingRegressor(**common) if kind == "regress" else HistGradientBoostingClassifier(**common)


def fit(kind: str, params: tuple, items: list[dict]):
    leaves, iters, lr = params
    model = make_model(kind, leaves, iters, lr)
    if kind == "pairwise":
        X, y = pair_data(items)
        model.set_params(categorical_features=None)
        return model.fit(X, y)
    X, f1, _ = stack(items)
    return model.fit(X, f1 if kind == "regress" else (f1 >= 0.5).astype(int))


def pair_data(items):
    """Feature differences of candidate pairs of one question with different grades (both orders, at most 20
    pairs a question); the question's own categoricals keep their values."""
    rng = np.random.default_rng(SEED)
    Xs, ys = [], []
    for it in items:
        g = grade(np.asarray(it["f1"]))
        ii, jj = np.nonzero(g[:, None] > g[None, :])
        if not len(ii):
            continue
        if len(ii) > 20:
            pick = rng.choice(len(ii), 20, replace=False)
            ii, jj = ii[pick], jj[pick]
        d = it["X"][ii] - it["X"][jj]
        for c in CATEGORICAL:  # a question's own categoricals cancel in a difference: keep their values instead
            k = FEATURES.index(c)
            d[:, k] = it["X"][0, k]
        neg = -d
        for c in CATEGORICAL:
            neg[:, FEATURES.index(c)] = it["X"][0, FEATURES.index(c)]
        Xs += [d, neg]
        ys += [np.ones(len(d)), np.zeros(len(d))]
    return np.vstack(Xs), np.concatenate(ys)


def all_scores(kind: str, model, items: list[dict]) -> list[np.ndarray]:
    """Each question's candidate scores, predicted in one batch."""
    if kind == "pairwise":  # each candidate's mean win probability against the others of its question
        blocks, index = [], []
        for it in items:
            X = it["X"]
            n = len(X)
            ii, jj = np.nonzero(~np.eye(n, dtype=bool))
            d = X[ii] - X[jj]
            for c in CATEGORICAL:
                d[:, FEATURES.index(c)] = X[0, FEATURES.index(c)]
            blocks.append(d)
            index.append((ii, n))
        p = model.predict_proba(np.vstack(blocks))[:, 1] if blocks else np.zeros(0)
        out, at = [], 0
        for ii, n in index:
            out.append(np.bincount(ii, weights=p[at : at + len(ii)], minlength=n) / max(1, n - 1))
            at += len(ii)
        return out
    X, _, groups = stack(items)
    flat = model.predict(X) if kind == "regress" else model.predict_proba(X)[:, 1]
    bounds = np.cumsum([0] + [len(it["X"]) for it in items])
    return [flat[bounds[i] : bounds[i + 1]] for i in range(len(items))]


def picks(kind: str, model, items: list[dict]) -> list[int]:
    return [int(np.argmax(sc)) for sc in all_scores(kind, model, items)]


GRID = [(7, 100, 0.1), (15, 300, 0.05)]
KINDS = ["classify", "regress", "pairwise"]


def choose(kind: str, items: list[dict]) -> tuple:
    """The grid setting with the best mean F1 of the picked span, by cross-validation over articles of items."""
    titles = sorted({it["title"] for it in items})
    folds = [titles[i::3] for i in range(min(3, len(titles)))]
    best, best_f1 = GRID[0], -1.0
    if len(folds) < 2:
        return best, float("nan")
    for params in GRID:
        got = []
        for held in folds:
            tr = [it for it in items if it["title"] not in held]
            te = [it for it in items if it["title"] in held]
            m = fit(kind, params, tr)
            got += [it["f1"][p] for it, p in zip(te, picks(kind, m, te))]
        f = float(np.mean(got))
        if f > best_f1:
            best, best_f1 = params, f
    return best, best_f1


def figures(items: list[dict], chosen: list[int]) -> dict:
    return {
        "n": len(items),
        "em": float(np.mean([it["em"][p] for it, p in zip(items, chosen)])),
        "f1": float(np.mean([it["f1"][p] for it, p in zip(items, chosen)])),
    }


def by_class(items, chosen) -> dict:
    out = defaultdict(lambda: ([], []))
    for it, p in zip(items, chosen):
        out[it["wh"]][0].append(it)
        out[it["wh"]][1].append(p)
    return {k: figures(*v) for k, v in sorted(out.items(), key=lambda kv: -len(kv[1][0]))}


def importances(kind: str, model, items: list[dict]) -> dict[str, float]:
    """Permutation importance: drop in mean picked-span F1 when one feature is shuffled across candidates."""
    rng = np.random.default_rng(SEED)
    base = figures(items, picks(kind, model, items))["f1"]
    X, _, groups = stack(items)
    out = {}
    for k, name in enumerate(FEATURES):
        perm = X[:, k].copy()
        rng.shuffle(perm)
        shuffled = []
        for g, it in enumerate(items):
            x = it["X"].copy()
            x[:, k] = perm[groups == g]
            shuffled.append({**it, "X": x})
        out[name] = base - figures(items, picks(kind, model, shuffled))["f1"]
    return out


# -- main ---------------------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default="/tmp/span_exp")
    parser.add_argument("--reuse", action="store_true", help="reuse the candidates saved in OUT/candidates.pkl")
    parser.add_argument("--limit", type=int, default=0, help="at most this many questions per set (a smoke test)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cache = out / "candidates.pkl"
    cfg = ScoringConfig()
    if args.reuse and cache.is_file():
        data = pickle.loads(cache.read_bytes())
    else:
        reader = Reader(BUNDLED, head=False)
        docs_t, qs_t = load_squad(TRAIN_FILE)  # every article of the training file
        # part A's train and tune articles, each loaded alone (load_squad splits by the whole file's titles;
        # split_questions would split again over the titles it is given); its test articles are never loaded
        docs_a, qs_a_train = load_squad(PART_A, splits=("train",))
        docs_u, qs_a_tune = load_squad(PART_A, splits=("tune",))
        lim = (lambda x: x[:: max(1, len(x) // args.limit)][: args.limit]) if args.limit else (lambda x: x)
        print(time.strftime("%H:%M:%S"), "reading tune", flush=True)
        tune = collect(reader, lim(qs_a_tune), docs_u, cfg, "tune", timed=True)
        timing = {k: v / max(1, len(tune)) * 1000 for k, v in _NLP_SECONDS.items()}
        print(time.strftime("%H:%M:%S"), "reading train", flush=True)
        train = collect(reader, lim(qs_t), docs_t, cfg, "train") + collect(
            reader, lim(qs_a_train), docs_a, cfg, "train"
        )
        data = {"tune": tune, "train": train, "timing_ms_per_question": timing, "k": K}
        cache.write_bytes(pickle.dumps(data))
    tune, train = data["tune"], data["train"]
    print(f"train questions {len(train)} ({len({i['title'] for i in train})} articles), "
          f"tune questions {len(tune)} ({len({i['title'] for i in tune})} articles)", flush=True)  # fmt: skip

    report: dict = {"k": data["k"], "timing_ms_per_question": data["timing_ms_per_question"]}
    argmax = [0] * len(tune)
    oracle = [int(np.argmax(it["f1"])) for it in tune]
    report["baseline"] = figures(tune, argmax)
    report["oracle"] = figures(tune, oracle)
    # a rule without a model: the reader's best span whose short answer is not the whole sentence (within the cap)
    capped = [next((i for i, t in enumerate(it["texts"]) if t != it["sentence"]), 0) for it in tune]
    report["argmax_within_cap"] = figures(tune, capped)
    report["argmax_within_cap_by_class"] = by_class(tune, capped)
    report["baseline_by_class"] = by_class(tune, argmax)
    report["oracle_by_class"] = by_class(tune, oracle)
    report["train_baseline"] = figures(train, [0] * len(train))
    report["train_oracle"] = figures(train, [int(np.argmax(it["f1"])) for it in train])
    report["candidates_per_question"] = float(np.mean([len(it["f1"]) for it in tune]))
    print("baseline", report["baseline"], "oracle", report["oracle"], flush=True)

    tune_titles = sorted({it["title"] for it in tune})
    regimes: dict = {}
    chosen_a: dict = {}
    for regime in ("a", "b", "c"):
        for kind in KINDS:
            t0 = time.perf_counter()
            chosen = [0] * len(tune)
            settings = []
            if regime == "a":
                params, cv = chosen_a[kind] = choose(kind, train)
                model = fit(kind, params, train)
                chosen = picks(kind, model, tune)
                settings.append({"params": params, "cv_f1": cv})
            else:
                for held in tune_titles:
                    rest = [it for it in tune if it["title"] != held]
                    tr = rest if regime == "b" else train + rest
                    # (c): the setting regime (a) chose by cross-validation over the training articles, which are
                    # inside every regime-(c) training portion (one choice instead of one per held-out article)
                    params, cv = choose(kind, tr) if regime == "b" else chosen_a[kind]
                    model = fit(kind, params, tr)
                    idx = [i for i, it in enumerate(tune) if it["title"] == held]
                    for i, p in zip(idx, picks(kind, model, [tune[i] for i in idx])):
                        chosen[i] = p
                    settings.append({"held": held, "params": params, "cv_f1": cv})
            key = f"{regime}/{kind}"
            regimes[key] = {
                "overall": figures(tune, chosen), "by_class": by_class(tune, chosen), "settings": settings,
                "changed": int(sum(p != 0 for p in chosen)), "seconds": time.perf_counter() - t0,
                "chosen": chosen,
            }  # fmt: skip
            print(time.strftime("%H:%M:%S"), key, regimes[key]["overall"], settings, flush=True)
    report["regimes"] = {k: {kk: vv for kk, vv in v.items() if kk != "chosen"} for k, v in regimes.items()}

    # importances of the best regime-(c)-style model fitted on train + all tune? No: of regime (a)'s model on tune
    best_kind = max(KINDS, key=lambda k: regimes[f"a/{k}"]["overall"]["f1"])
    params = regimes[f"a/{best_kind}"]["settings"][0]["params"]
    report["importance_model"] = f"a/{best_kind} {params}"
    report["importances"] = importances(best_kind, fit(best_kind, params, train), tune)

    # examples where the chosen span differs (regime c, best kind there)
    best_c = max(KINDS, key=lambda k: regimes[f"c/{k}"]["overall"]["f1"])
    ex = []
    for it, p in zip(tune, regimes[f"c/{best_c}"]["chosen"]):
        if p != 0:
            ex.append({"q": it["question"], "gold": it["gold"][0], "argmax": it["texts"][0], "chosen": it["texts"][p],
                       "f1_argmax": it["f1"][0], "f1_chosen": it["f1"][p]})  # fmt: skip
    (out / "changed_examples_c.json").write_text(json.dumps(ex, indent=1))
    (out / "report.json").write_text(json.dumps(report, indent=1))
    write_tables(report, out / "report.md")
    print((out / "report.md").read_text())


def write_tables(r: dict, path: Path) -> None:
    L = [f"# Span chooser (k={r['k']}; tune articles' answerable questions, first answer's sentence)", ""]
    b, o = r["baseline"], r["oracle"]
    L += ["| system | n | EM | F1 | changed |", "|---|---|---|---|---|"]
    L.append(f"| reader argmax | {b['n']} | {b['em']:.3f} | {b['f1']:.3f} | 0 |")
    c = r["argmax_within_cap"]
    L.append(f"| reader argmax within the length cap (rule) | {c['n']} | {c['em']:.3f} | {c['f1']:.3f} | |")
    for k, v in r["regimes"].items():
        L.append(f"| {k} | {v['overall']['n']} | {v['overall']['em']:.3f} | {v['overall']['f1']:.3f} | {v['changed']} |")
    L.append(f"| oracle top-{r['k']} | {o['n']} | {o['em']:.3f} | {o['f1']:.3f} | |")
    L += ["", f"Training articles (reader trained on them): argmax F1 {r['train_baseline']['f1']:.3f}, "
          f"oracle {r['train_oracle']['f1']:.3f}", ""]  # fmt: skip
    best = {reg: max((k for k in r["regimes"] if k.startswith(reg)), key=lambda k: r["regimes"][k]["overall"]["f1"])
            for reg in "abc"}  # fmt: skip
    L += ["Per wh-class F1 (EM) — best kind per regime: " + ", ".join(best.values()), ""]
    L += ["| wh | n | argmax | within cap | " + " | ".join(best.values()) + " | oracle |", "|---" * (5 + len(best)) + "|"]
    for wh, v in r["baseline_by_class"].items():
        cells = [f"{r['regimes'][k]['by_class'][wh]['f1']:.3f} ({r['regimes'][k]['by_class'][wh]['em']:.3f})"
                 for k in best.values()]  # fmt: skip
        ov = r["oracle_by_class"][wh]
        cv = r["argmax_within_cap_by_class"][wh]
        L.append(f"| {wh} | {v['n']} | {v['f1']:.3f} ({v['em']:.3f}) | {cv['f1']:.3f} ({cv['em']:.3f}) | "
                 + " | ".join(cells) + f" | {ov['f1']:.3f} |")  # fmt: skip
    L += ["", f"Permutation importance (drop in tune F1, model {r['importance_model']}):", ""]
    L += ["| feature | ΔF1 |", "|---|---|"]
    for k, v in sorted(r["importances"].items(), key=lambda kv: -kv[1]):
        L.append(f"| {k} | {v:+.4f} |")
    L += ["", "Time per tune question (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in r["timing_ms_per_question"].items())]
    path.write_text("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
