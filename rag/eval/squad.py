"""SQuAD-format question sets, and the split by article every experiment shares.

Articles, not questions, are split: questions about one article share its
wording, so a model or setting chosen on some of an article's questions would be
judged on questions it has in effect seen. In a file that is split, the articles
sorted by title go in turn to: train, test, tune, train, test, train (and so on,
every third title from the second is *test*, every sixth from the third *tune*).
Test articles are never trained or tuned on; the figures in docs/EVALUATION.md
are reported on them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

from ..settings import Settings
from ..store.documents import Document, content_id
from .common import answer_words, assistant_for, norm, percentile, workdir
from .frozen import predicted_short
from .metrics import exact_match, token_f1, wh_class
from .perturb import where_answered
from .suite import eval_suite, make_suite, passage_texts

SPLITS = ("train", "tune", "test")


@dataclass(frozen=True)
class SquadQuestion:
    """A question with its paragraph (``doc_id``) and its gold answers (text, offset in the paragraph)."""

    qid: str
    question: str
    doc_id: str
    title: str
    impossible: bool
    answers: tuple[tuple[str, int], ...]

    @property
    def answer_texts(self) -> list[str]:
        return [a for a, _ in self.answers]


def split_of(position: int) -> str:
    """The split of the article at ``position`` in title order (see the module docstring)."""
    if position % 3 == 1:
        return "test"
    return "tune" if position % 6 == 2 else "train"


def article_splits(titles: list[str]) -> dict[str, str]:
    """Title -> split for the articles of one file."""
    return {title: split_of(i) for i, title in enumerate(sorted(titles))}


def load_squad(path: Path, splits: tuple[str, ...] | None = None) -> tuple[list[Document], list[SquadQuestion]]:
    """Every paragraph a document; the questions with their gold paragraph and answers.

    ``splits`` keeps only the articles of those splits (see :func:`split_of`); None keeps all.
    """
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    which = article_splits([a["title"] for a in data])
    docs, questions = [], []
    for article in data:
        if splits is not None and which[article["title"]] not in splits:
            continue
        title = article["title"].replace("_", " ")
        for i, para in enumerate(article["paragraphs"]):
            context = para["context"]
            lead = len(context) - len(context.lstrip())
            doc = Document(content_id(context), title, f"squad:{article['title']}#{i}", context.strip())
            docs.append(doc)
            for qa in para["qas"]:
                answers = tuple((a["text"], a["answer_start"] - lead) for a in qa.get("answers", []))
                questions.append(
                    SquadQuestion(
                        qa["id"], qa["question"], doc.doc_id, title, bool(qa.get("is_impossible", False)), answers
                    )
                )
    return docs, questions


# -- judging ------------------------------------------------------------------------------
def judge_squad(q: SquadQuestion, ans) -> dict:
    """One SQuAD answer judged: refused; gold answer inside the answer text; first citation on the gold
    paragraph; exact match and F1 of the short answer (rag/eval/frozen.py ``predicted_short``; 0 when refused)."""
    text = norm(ans.answer)
    short = predicted_short(ans)
    gold = q.answer_texts
    return {
        "impossible": q.impossible,
        "refused": ans.refused,
        "words": answer_words(ans.answer),
        "wh": wh_class(q.question),
        "contains": not ans.refused and any(norm(a) in text for a in gold),
        "first_gold": not ans.refused and bool(ans.citations) and ans.citations[0].doc_id == q.doc_id,
        "em": exact_match(short, gold) if gold and not ans.refused else 0.0,
        "f1": token_f1(short, gold) if gold and not ans.refused else 0.0,
    }


def squad_figures(rows: list[dict]) -> dict:
    """Aggregates of judged SQuAD rows: gold in the answer, first citation, exact match and F1 over answerable
    questions (refusals count as misses); refusals of answerable and of unanswerable questions."""
    answerable = [r for r in rows if not r["impossible"]]
    unanswerable = [r for r in rows if r["impossible"]]
    words = [r["words"] for r in answerable if not r["refused"]]

    def share(rs, key):
        return sum(r[key] for r in rs) / len(rs) if rs else float("nan")

    return {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": len(unanswerable),
        "answer_contains_gold": share(answerable, "contains"),
        "first_citation_gold": share(answerable, "first_gold"),
        "exact_match": share(answerable, "em"),
        "f1": share(answerable, "f1"),
        "false_refusal_rate": share(answerable, "refused"),
        "refusal_rate_unanswerable": share(unanswerable, "refused"),
        "words_p50": percentile(words, 50),
        "words_p90": percentile(words, 90),
    }


def figures_by_class(rows: list[dict]) -> dict[str, dict]:
    """squad_figures per wh-class of the question (rag/eval/metrics.py ``wh_class``)."""
    classes: dict[str, list[dict]] = {}
    for r in rows:
        classes.setdefault(r["wh"], []).append(r)
    return {c: squad_figures(rs) for c, rs in sorted(classes.items(), key=lambda kv: -len(kv[1]))}


def split_questions(questions: list[SquadQuestion], split: str, limit: int | None = None) -> list[SquadQuestion]:
    """The questions of one split's articles (every n-th with ``limit``, so a quick run spans all articles)."""
    which = article_splits(sorted({q.title.replace(" ", "_") for q in questions}))
    questions = [q for q in questions if which[q.title.replace(" ", "_")] == split]
    return questions[:: max(1, len(questions) // limit)][:limit] if limit else questions


def eval_squad(
    path: Path,
    settings: Settings,
    limit: int | None = None,
    work_dir: Path | None = None,
    split: str = "test",
    suite_off_topic: list[list[str]] | None = None,
    suite_size: int = 300,
) -> dict:
    """The questions of the ``split`` articles (rag/eval/squad.py) over an index of every paragraph of the
    file: gold in the answer, first citation, short-answer exact match and F1, refusals, latency, per
    wh-class; with ``suite_off_topic``, also the perturbation suite of ``suite_size`` answerable questions."""
    docs, questions = load_squad(Path(path))
    questions = split_questions(questions, split, limit)
    out: dict = {"paragraphs": len(docs), "split": split, "articles": len({q.title for q in questions})}
    with workdir(work_dir, "squad") as tmp:
        assistant, _ = assistant_for(docs, settings, Path(tmp))
        rows, latencies = [], []
        for q in questions:
            t = time.perf_counter()
            ans = assistant.ask(q.question)
            latencies.append((time.perf_counter() - t) * 1000)
            rows.append(judge_squad(q, ans))
        out.update(
            squad_figures(rows),
            by_class=figures_by_class(rows),
            latency_ms_p50=percentile(latencies, 50),
            latency_ms_p95=percentile(latencies, 95),
        )
        if suite_off_topic is not None:
            answerable = [q for q in questions if not q.impossible]
            sample = answerable[:: max(1, len(answerable) // suite_size)][:suite_size]
            texts = passage_texts(assistant.index)
            lowered = [t.lower() for t in texts]
            originals = [
                {
                    "id": q.qid,
                    "question": q.question,
                    "type": wh_class(q.question),
                    "avoid": _avoid(assistant, q, lowered),
                }
                for q in sample
            ]
            made = make_suite(originals, assistant.index.surface_words, suite_off_topic, texts=texts)
            out["suite"] = {**eval_suite(assistant, made["variants"]), "off_topic_dropped": made["off_topic_dropped"]}
    return out


def _avoid(assistant, q: SquadQuestion, lowered: list[str]) -> str:
    """Where ``q``'s answer is: its paragraph and every passage holding a gold answer (``lowered``: the index's
    passages, lower case)."""
    doc = assistant.index.documents.get(q.doc_id)
    return where_answered(doc.text if doc is not None else "", lowered, [a for a, _ in q.answers])
