"""Tune the sentence evidence weights on half of SQuAD part A; report both halves.

    python benchmarks/tune_evidence.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/evalwork

Uses the index kept by `rag eval --squad ... --work-dir DIR`. For each weight
setting (cosine, word overlap, passage score) it reports, over answerable
questions, how often the best sentence's passage is the gold paragraph and how
often the best sentence contains the gold answer.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.embedding import Embedder  # noqa: E402
from rag.evaluate import _norm, load_squad  # noqa: E402
from rag.index import load_index  # noqa: E402
from rag.retrieval import Retriever  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("squad")
    ap.add_argument("--work-dir", default="/tmp/evalwork")
    ap.add_argument("--limit", type=int, default=3000)
    args = ap.parse_args()
    settings = Settings(index_dir=Path(args.work_dir) / "squad" / "index")
    index = load_index(settings)
    retriever = Retriever(index, Embedder(settings.embed_model), settings)
    docs, questions = load_squad(Path(args.squad))
    titles = sorted({d.title for d in docs})
    tune_titles = set(titles[::2])
    qs = [q for q in questions if not q["impossible"]]
    qs = qs[:: max(1, len(qs) // args.limit)]
    vecs = retriever.embedder.encode([q["question"] for q in qs], progress=True)
    feats = []  # per question: list of (pid, dense, lexical, passage_norm, contains_gold, is_gold_passage)
    top1 = []
    for q, v in zip(qs, vecs):
        hits = retriever.search(q["question"], k=10, qvec=v)
        top1.append(index.passages[hits[0].pid].doc_id == q["doc_id"] if hits else False)
        ev = retriever.evidence(q["question"], hits, qvec=v, passages=5)
        best = hits[0].score if hits else 1
        rows = []
        for e in ev:
            text = index.documents[index.passages[e.pid].doc_id].text[e.start:e.end]
            hit = next(h for h in hits if h.pid == e.pid)
            rows.append((e.dense, e.lexical, hit.score / best, any(_norm(a) in _norm(text) for a in q["answers"]),
                         index.passages[e.pid].doc_id == q["doc_id"]))
        feats.append((index.documents[q["doc_id"]].title in tune_titles, np.array(rows, dtype=float)))
    print(f"{len(qs)} answerable questions; passage top-1 on gold paragraph: {np.mean(top1):.3f}")
    results = []
    for a, b, c in itertools.product([0.3, 0.4, 0.5, 0.6], [0.1, 0.2, 0.3, 0.4], [0.1, 0.2, 0.3, 0.4, 0.6]):
        out = {True: [[], []], False: [[], []]}
        for tune, rows in feats:
            if len(rows) == 0:
                out[tune][0].append(0); out[tune][1].append(0)
                continue
            i = int(np.argmax(a * rows[:, 0] + b * rows[:, 1] + c * rows[:, 2]))
            out[tune][0].append(rows[i, 3]); out[tune][1].append(rows[i, 4])
        results.append((np.mean(out[True][0]) + np.mean(out[True][1]), a, b, c,
                        np.mean(out[True][0]), np.mean(out[True][1]), np.mean(out[False][0]), np.mean(out[False][1])))
    results.sort(reverse=True)
    print("cos  overlap passage | tune: sentence has gold, passage is gold | held-out: same")
    for r in results[:12] + [x for x in results if x[1:4] == (0.5, 0.3, 0.2)]:
        print(f"{r[1]:.1f}  {r[2]:.1f}      {r[3]:.1f}     | {r[4]:.3f} {r[5]:.3f} | {r[6]:.3f} {r[7]:.3f}")


if __name__ == "__main__":
    main()
