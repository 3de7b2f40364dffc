"""The dev questions about the seed article: answer, citation and refusal accuracy, per type; the same
through an LLM engine, with ALCE-style citation figures; and the citation check's calibration."""

from __future__ import annotations

import json
import re
import time
from importlib import resources
from pathlib import Path

import numpy as np

from .common import answer_words, norm, percentile


# -- dev questions -------------------------------------------------------------
def bundled_dev_questions() -> Path:
    return Path(str(resources.files("rag.eval") / "data" / "dev_questions.jsonl"))


def load_dev_questions(path: Path | None = None) -> list[dict]:
    """The dev questions of a JSON-lines file, one dict each (default: the bundled ones)."""
    text = (path or bundled_dev_questions()).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def judge(item: dict, ans) -> dict:
    """One dev answer judged: every must_include group matched (facts), an evidence string in a
    cited passage (cited), and the refusal right; facts and cited are None for unanswerable items."""
    if not item["answerable"]:
        return {"facts": None, "cited": None, "refusal_ok": ans.refused}
    text = norm(ans.answer)
    return {
        "facts": all(any(norm(s) in text for s in group) for group in item["must_include"]),
        "cited": any(norm(ev) in norm(c.text) for c in ans.citations for ev in item["evidence"]),
        "refusal_ok": not ans.refused,
    }


def accuracies(rows: list[dict]) -> dict:
    """Answer, citation and refusal accuracy and answer lengths over judged rows."""
    answerable = [r for r in rows if r["facts"] is not None]
    words = [r["words"] for r in rows if not r["refused"]]
    nothing = float("nan")  # no answerable question (a type of refusals only): nothing to measure
    return {
        "questions": len(rows),
        "answer_accuracy": sum(r["facts"] for r in answerable) / len(answerable) if answerable else nothing,
        "citation_accuracy": sum(r["cited"] for r in answerable) / len(answerable) if answerable else nothing,
        "refusal_accuracy": sum(r["refusal_ok"] for r in rows) / max(1, len(rows)),
        "unanswerable": len(rows) - len(answerable),
        "refused_unanswerable": (
            sum(r["refused"] for r in rows if r["facts"] is None) / (len(rows) - len(answerable))
            if len(rows) > len(answerable)
            else nothing
        ),
        "refused_answerable": sum(r["refused"] for r in answerable) / len(answerable) if answerable else nothing,
        "words_p50": percentile(words, 50),
        "words_p90": percentile(words, 90),
    }


def ask_and_judge(assistant, item: dict) -> tuple[dict, object, float]:
    """(the judged row, the answer, milliseconds it took) of one question of a question set."""
    t = time.perf_counter()
    ans = assistant.ask(item["question"], [tuple(h) for h in item.get("history") or []])
    ms = (time.perf_counter() - t) * 1000
    row = {
        "id": item["id"],
        "type": item.get("type", "factoid"),
        "question": item["question"],
        "answer": ans.answer,
        "refused": ans.refused,
        "question_type": ans.question_type,
        **judge(item, ans),
        "words": answer_words(ans.answer),
    }
    return row, ans, ms


def eval_dev(assistant, items: list[dict]) -> dict:
    """Answer, citation and refusal accuracy; answer lengths; latency per question."""
    rows, latencies = [], []
    for item in items:
        row, _, ms = ask_and_judge(assistant, item)
        rows.append(row)
        latencies.append(ms)
    types = sorted({r["type"] for r in rows})
    return {
        **accuracies(rows),
        "by_type": {t: accuracies([r for r in rows if r["type"] == t]) for t in types},
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "rows": rows,
    }


def eval_generated(assistant, items: list[dict], engine: str) -> dict:
    """The dev questions through LLM engine ``engine``: the dev measures plus ALCE-style citation
    recall (share of answer sentences backed by the citations the model wrote) and precision
    (share of the model's citations that back their sentence), averaged over generated answers."""
    rows, recalls, precisions, sentences, supported, fallbacks, written = [], [], [], 0, 0, 0, 0
    for item in items:
        ans = assistant.ask(item["question"], [tuple(h) for h in item.get("history") or []], engine=engine)
        generated = ans.check is not None
        if generated and ans.check.claims:
            recalls.append(ans.check.citation_recall)
            written += sum(len(c.cited) for c in ans.check.claims)
            if any(c.cited for c in ans.check.claims):
                precisions.append(ans.check.citation_precision)
            sentences += len(ans.sentences)
            supported += sum(s.supported for s in ans.sentences)
        elif not ans.refused:
            fallbacks += 1
        rows.append(
            {
                "id": item["id"],
                "answer": ans.answer,
                "refused": ans.refused,
                **judge(item, ans),
                "generated": generated,
                "recall": ans.check.citation_recall if generated and ans.check.claims else None,
                "precision": ans.check.citation_precision if generated else None,
                "words": answer_words(ans.answer),
            }
        )
    return {
        "engine": assistant.describe(engine),
        **accuracies(rows),
        "citation_recall": float(np.mean(recalls)) if recalls else float("nan"),
        "citation_precision": float(np.mean(precisions)) if precisions else float("nan"),
        "generated": len(recalls),
        "fallbacks": fallbacks,
        "citations_written": written,
        "sentences_supported": supported / sentences if sentences else float("nan"),
        "rows": rows,
    }


def calibrate_checker(assistant, items: list[dict], thresholds=(0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)) -> dict:
    """How well the citation check separates backed from unbacked claims, on the dev questions.

    Positives: each sentence of the extractive answers with the passage it was quoted from,
    and the first half of each (at least six words): a partial quote, still backed.
    Negatives: the same sentence cited to another retrieved passage that does not hold it,
    and the sentence with one name or number swapped for another from the sources, cited
    to its own passage (a misattribution or wrong figure). Reports the share of each kept
    at several support thresholds; the engine uses ``settings.support_min``.
    """
    from ..answer import citecheck

    retriever = assistant.retriever
    index = retriever.index
    names = sorted({w for p in index.passages for w in citecheck.names_and_numbers(p.text)})
    pos, partial, neg_passage, neg_swap = [], [], [], []

    def score(text: str, pid: int, question: str) -> float:
        """The support passage ``pid`` gives ``text``: its weakest sentence's (0 when a name or number is missing)."""
        scores = []
        for claim, _ in citecheck.split_claims(text):
            checked = citecheck.check(claim + " [1]", [pid], retriever, -1.0, question=question)
            support = checked.claims[0].supports.get(1) if len(checked.claims) == 1 else None
            scores.append(support.score if support is not None else 0.0)
        return min(scores, default=0.0)

    for item in items:
        if not item["answerable"]:
            continue
        ans = assistant.ask(item["question"], [tuple(h) for h in item.get("history") or []])
        if ans.refused:
            continue
        hits = retriever.search(ans.standalone_question, k=5)
        for sent in ans.sentences:
            if sent.text.rstrip(" \"'”’").endswith("?"):
                continue  # a quoted question asserts nothing a source could back
            c = ans.citations[sent.citations[0] - 1]
            pid = index.passages.at(c.doc_id, c.start)
            pos.append(score(sent.text, pid, ans.standalone_question))
            for claim, _ in citecheck.split_claims(sent.text):
                half = claim.split()[: max(6, len(claim.split()) // 2)]
                partial.append(score(" ".join(half).rstrip(",;:") + ".", pid, ans.standalone_question))
            other = next((h.pid for h in hits if h.pid != pid and sent.text not in index.passages[h.pid].text), None)
            if other is not None:
                neg_passage.append(score(sent.text, other, ans.standalone_question))
            own = [w for w in citecheck.names_and_numbers(sent.text) if re.search(rf"\b{re.escape(w)}\b", sent.text)]
            if own:
                swap = next(w for w in names if w not in own and w[:1].isdigit() == own[0][:1].isdigit())
                swapped = re.sub(rf"\b{re.escape(own[0])}\b", swap, sent.text, count=1)
                neg_swap.append(score(swapped, pid, ans.standalone_question))

    return {
        "positives": len(pos),
        "partial": len(partial),
        "wrong_passage": len(neg_passage),
        "swapped": len(neg_swap),
        "table": [(t, _kept(pos, t), _kept(partial, t), _kept(neg_passage, t), _kept(neg_swap, t)) for t in thresholds],
    }


def _kept(scores, t):
    """The share of ``scores`` at or above the threshold ``t`` (NaN for none)."""
    return sum(s >= t for s in scores) / len(scores) if scores else float("nan")
