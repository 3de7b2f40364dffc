"""Weigh the evidence sentence score (rag/search/retrieval.py `evidence`) on SQuAD part A's *tune* articles.

    python experiments/tune_evidence.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/squadwork

A sentence of the top passages scores a * cosine(question, sentence) + b * IDF-weighted word overlap
+ c * its passage's fused score relative to the best passage's; the product has 0.5 / 0.3 / 0.2. For
each (a, b, c) of the grid, over the answerable questions of the tune articles, how often the best
sentence holds a gold answer and lies in the gold paragraph (judged as `rag eval` judges an answer).
The *train* articles, which the tuning does not see (the test articles are left to `rag eval`), show
whether a setting holds up. This is the evidence score alone: the reader's weight comes after it
(experiments/tune_reader.py). Writes its table into docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
from common import questions, squad_assistant, write_section
from corpora import judge_sentence

from rag.eval.squad import squad_figures

GRID = list(itertools.product((0.3, 0.4, 0.5, 0.6), (0.1, 0.2, 0.3, 0.4), (0.1, 0.2, 0.3, 0.4, 0.6)))
PRODUCT = (0.5, 0.3, 0.2)


def features(retriever, qs: list, passages: int) -> list[tuple[np.ndarray, list[tuple[str, str]]]]:
    """Per question, its evidence sentences as the engine retrieves them: a row (cosine, overlap, passage
    score / best passage's) each, and each one's (text, doc_id)."""
    index = retriever.index
    vecs = retriever.embedder.encode([q.question for q in qs], progress=True)
    out = []
    for q, v in zip(qs, vecs):
        hits = retriever.search(q.question, k=max(10, passages), qvec=v)  # rag.answer.extractive.ExtractiveEngine.retrieve
        evidence = retriever.evidence(q.question, hits, qvec=v, passages=passages)
        score = {h.pid: h.score / (hits[0].score or 1.0) for h in hits}
        rows = np.array([(e.dense, e.lexical, score[e.pid]) for e in evidence], dtype=float).reshape(-1, 3)
        doc = [index.passages[e.pid].doc_id for e in evidence]
        out.append((rows, [(index.documents[d].text[e.start : e.end], d) for e, d in zip(evidence, doc)]))
    return out


def figures(qs: list, feats: list, weights: tuple[float, float, float]) -> dict:
    """SQuAD figures (rag.eval.squad.squad_figures) of each question's best sentence under ``weights``."""
    rows = []
    for q, (x, sentences) in zip(qs, feats):
        best = sentences[int(np.argmax(x @ np.array(weights)))] if sentences else ("", "")  # no evidence: a miss
        rows.append(judge_sentence(q, *best))
    return squad_figures(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("squad")
    ap.add_argument("--work-dir", default="/tmp/squadwork", help="where the SQuAD index is kept between runs")
    ap.add_argument("--top", type=int, default=12, help="how many of the best settings on the tune articles to show")
    args = ap.parse_args()
    assistant = squad_assistant(Path(args.squad), Path(args.work_dir))
    retriever, passages = assistant.retriever, assistant.settings.scoring.evidence_passages
    split = {name: [q for q in questions(Path(args.squad), name) if not q.impossible] for name in ("tune", "train")}
    feats = {name: features(retriever, qs, passages) for name, qs in split.items()}
    result = {w: {name: figures(split[name], feats[name], w) for name in split} for w in GRID}
    key = lambda w: result[w]["tune"]["answer_contains_gold"] + result[w]["tune"]["first_citation_gold"]  # noqa: E731
    ranked = sorted(GRID, key=lambda w: (-key(w), w))
    lines = ["| cosine / overlap / passage | tune: sentence holds gold | tune: gold paragraph | "
             "train: sentence holds gold | train: gold paragraph |", "|---|---|---|---|---|"]
    for w in list(dict.fromkeys(ranked[: args.top] + [PRODUCT])):
        name = " / ".join(f"{x:g}" for x in w) + (" (the product's)" if w == PRODUCT else "")
        cells = [f"{result[w][s][k]:.1%}" for s in ("tune", "train") for k in ("answer_contains_gold", "first_citation_gold")]
        lines.append(f"| {name} | {' | '.join(cells)} |")
    lines += ["", f"The {args.top} best of {len(GRID)} settings on the tune articles (by the sum of the two tune columns), "
              f"and the product's; {len(split['tune'])} answerable questions of the tune articles, {len(split['train'])} of "
              f"the train articles; the best sentence of the top {passages} passages. Produced by "
              "`python experiments/tune_evidence.py SQUAD.json --work-dir DIR`."]
    write_section("tune_evidence", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
