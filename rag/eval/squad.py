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
from dataclasses import dataclass
from pathlib import Path

from ..store.documents import Document, content_id

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
                questions.append(SquadQuestion(qa["id"], qa["question"], doc.doc_id, title,
                                               bool(qa.get("is_impossible", False)), answers))
    return docs, questions
