"""Learn the evidence sentence score from features, on half of SQuAD part A; report both halves.

    python benchmarks/tune_ranker.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/evalwork

Uses the index kept by `rag eval --squad ... --work-dir DIR`. For every answerable
question, each sentence of the top five passages is a row of features (see
rag.retrieval.EVIDENCE_FEATURES) labelled by whether it holds the gold answer. A
logistic regression is fitted on the articles of one half (by title order) and the
best-scoring sentence per question is judged on the other half, against the
hand-set formula (0.5 cosine + 0.3 overlap + 0.2 passage, + type bonus).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer import expected_type, has_type  # noqa: E402
from rag.embedding import Embedder  # noqa: E402
from rag.evaluate import _norm, load_squad  # noqa: E402
from rag.index import load_index, read_manifest  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.text import terms  # noqa: E402


def features(retriever: Retriever, question: str, qvec, hits) -> tuple[list, np.ndarray]:
    """The evidence rows of ``question`` and their feature matrix."""
    index = retriever.index
    ev = retriever.evidence(question, hits, qvec=qvec, passages=5)
    kind = expected_type(question)
    q_terms = set(terms(question))
    idf = {t: retriever.idf(t) for t in q_terms}
    max_idf = max(idf.values(), default=1.0) or 1.0
    best = hits[0].score if hits else 1.0
    rows = []
    dense_sorted = sorted((e.dense for e in ev), reverse=True)
    for e in ev:
        p = index.passages[e.pid]
        text = index.documents[p.doc_id].text[e.start : e.end]
        s_terms = set(terms(text))
        rare = max((idf[t] for t in q_terms & s_terms), default=0.0) / max_idf
        hit = next(h for h in hits if h.pid == e.pid)
        first = 1.0 if (e.start, e.end) == tuple(p.sentences[0]) else 0.0
        rows.append([
            e.dense, e.lexical, hit.score / best,
            float(bool(kind) and has_type(text, kind, question)),
            rare, np.log1p(len(text.split())), first,
            1.0 / (1 + dense_sorted.index(e.dense)),
        ])
    return ev, np.array(rows, dtype=float)


NAMES = ["cosine", "overlap", "passage", "type", "rarest term", "log words", "first sentence", "1/dense rank"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("squad")
    ap.add_argument("--work-dir", default="/tmp/evalwork")
    args = ap.parse_args()
    index_dir = Path(args.work_dir) / "squad" / "index"
    backend = read_manifest(index_dir).get("embed_backend", "torch")
    settings = Settings(index_dir=index_dir, embed_backend=backend)
    index = load_index(settings)
    retriever = Retriever(index, Embedder(settings.embed_model, backend=backend), settings)
    docs, questions = load_squad(Path(args.squad))
    titles = sorted({d.title for d in docs})
    tune_titles = set(titles[::2])
    qs = [q for q in questions if not q["impossible"]]
    vecs = retriever.embedder.encode([q["question"] for q in qs], progress=True)
    data = []  # (tune?, X, gold-in-sentence, passage-is-gold)
    for q, v in zip(qs, vecs):
        hits = retriever.search(q["question"], k=10, qvec=v)
        ev, X = features(retriever, q["question"], v, hits)
        if not len(ev):
            continue
        texts = [index.documents[index.passages[e.pid].doc_id].text[e.start : e.end] for e in ev]
        y = np.array([any(_norm(a) in _norm(t) for a in q["answers"]) for t in texts], dtype=float)
        g = np.array([index.passages[e.pid].doc_id == q["doc_id"] for e in ev], dtype=float)
        data.append((index.documents[q["doc_id"]].title in tune_titles, X, y, g))

    from scipy.optimize import minimize

    # listwise: per question, a softmax over its sentences; maximise the probability of the gold ones
    train = [(X, y) for t, X, y, _ in data if t and y.any()]

    def loss(w: np.ndarray) -> float:
        total = 0.0
        for X, y in train:
            z = X @ w
            z = z - z.max()
            total -= np.log(np.exp(z)[y > 0].sum() / np.exp(z).sum())
        return total / len(train) + 1e-3 * float(w @ w)

    w = minimize(loss, np.zeros(len(NAMES)), method="L-BFGS-B").x

    def judge(score_fn, tune: bool) -> tuple[float, float]:
        gold, passage = [], []
        for t, Xq, yq, gq in data:
            if t != tune:
                continue
            i = int(np.argmax(score_fn(Xq)))
            gold.append(yq[i])
            passage.append(gq[i])
        return float(np.mean(gold)), float(np.mean(passage))

    baseline = lambda M: 0.5 * M[:, 0] + 0.3 * M[:, 1] + 0.2 * M[:, 2] + 0.1 * M[:, 3]  # noqa: E731
    learned = lambda M: M @ w  # noqa: E731
    print(f"{sum(d[0] for d in data)} tuning and {sum(not d[0] for d in data)} held-out answerable questions")
    print("weights: " + ", ".join(f"{n} {x:+.3f}" for n, x in zip(NAMES, w)))
    for name, fn in (("hand-set", baseline), ("learned", learned)):
        a, b = judge(fn, True)
        c, d = judge(fn, False)
        print(f"{name:9s} tuning half: sentence has gold {a:.3f}, passage gold {b:.3f} | held-out: {c:.3f}, {d:.3f}")


if __name__ == "__main__":
    main()
