"""How well the "about a topic" score separates, with standalone and with contextual sentence vectors.

    rag eval --squad SQUAD.json --work-dir A                                   (standalone, the default)
    rag eval --squad SQUAD.json --work-dir B --config ctx.toml                 (sentence_vectors = "contextual")
    python benchmarks/topic_threshold.py SQUAD.json A/squad/index B/squad/index

A proxy for "what did X say about Y": each of 600 answerable SQuAD questions (seeded sample) is
a topic; the sentence of its gold paragraph that holds the answer should count as about it, a
random sentence of another article should not. Prints the share of each kept at the engine's
threshold (rag/answer.py TOPIC_MIN), scored with each index's stored sentence vectors (the engine
itself scores topics on sentences embedded alone: Retriever.sentence_alone). Quoted in docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.answer import TOPIC_MIN  # noqa: E402
from rag.assistant import Assistant  # noqa: E402
from rag.evaluate import _norm, load_squad  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.text import terms  # noqa: E402


def topic_scores(index_dir: Path, docs, questions) -> tuple[np.ndarray, np.ndarray]:
    """Topic scores (0.6 cosine with the stored vector + 0.4 word overlap) of (question, answer
    sentence) and (question, unrelated sentence) pairs."""
    retriever = Assistant(Settings(index_dir=index_dir))._engine.retriever
    index, embedder = retriever.index, retriever.embedder

    def score(row: int, text: str, tvec, t_terms) -> float:
        return 0.6 * float(index.sentence_vectors[row] @ tvec) + 0.4 * retriever.lexical_overlap(t_terms, text)

    rows: dict[str, list] = {}
    for p in index.passages:
        for (s, e), row in zip(p.sentences, index.passage_sentences(p.pid)):
            rows.setdefault(p.doc_id, []).append((s, e, row))
    title = {d.doc_id: d.title for d in docs}
    rng = random.Random(1)
    about, unrelated = [], []
    for q in questions:
        tvec, t_terms = embedder.encode_query(q["question"]), terms(q["question"])
        text = index.documents[q["doc_id"]].text
        gold = [r for r in rows.get(q["doc_id"], []) if any(_norm(a) in _norm(text[r[0] : r[1]]) for a in q["answers"])]
        if not gold:
            continue
        s, e, row = gold[0]
        about.append(score(row, text[s:e], tvec, t_terms))
        other = rng.choice([d for d in rows if title[d] != title[q["doc_id"]]])
        s, e, row = rng.choice(rows[other])
        unrelated.append(score(row, index.documents[other].text[s:e], tvec, t_terms))
    return np.array(about), np.array(unrelated)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("squad")
    ap.add_argument("standalone_index")
    ap.add_argument("contextual_index")
    ap.add_argument("--questions", type=int, default=600)
    args = ap.parse_args()
    docs, questions = load_squad(Path(args.squad))
    questions = [q for q in questions if not q["impossible"]]
    random.Random(0).shuffle(questions)
    questions = questions[: args.questions]
    print(f"| sentence vectors | pairs | answer sentence kept at {TOPIC_MIN} | unrelated sentence kept at {TOPIC_MIN} |")
    print("|---|---|---|---|")
    for kind, path in (("standalone", args.standalone_index), ("contextual", args.contextual_index)):
        about, unrelated = topic_scores(Path(path), docs, questions)
        print(f"| {kind} | {len(about)} | {(about >= TOPIC_MIN).mean():.1%} | {(unrelated >= TOPIC_MIN).mean():.1%} |")


if __name__ == "__main__":
    main()
