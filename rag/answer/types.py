"""What every answer engine returns: an answer, its sentences and its citations."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .citecheck import Checked

REFUSAL = "The sources don't answer this question."
NOT_ABOUT_SOURCES = "I can only answer questions about the sources, quoting them; this is not one."


def never_written(names: list[str]) -> str:
    """The refusal of a question that names code the sources never write."""
    return f"The sources don't answer this question: they never mention {', '.join(names)}."


@dataclass(frozen=True)
class Span:
    """A run of sentences of one passage (document offsets) that an answer quotes, and its score."""

    pid: int
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Citation:
    """A cited passage and the sentence(s) in it that support the answer (offsets into the document text).

    ``page``/``page_end`` are the PDF pages the supporting sentence(s) start and end on (equal on
    one page), ``section`` the chain of headings above them ("Findings › Mosul"); None where the
    document has no pages or headings, so a reader can find the place in the original.
    """

    n: int
    doc_id: str
    source: str
    title: str
    start: int
    end: int
    text: str
    score: float
    sentence_start: int
    sentence_end: int
    page: int | None = None
    page_end: int | None = None
    section: str | None = None

    def to_json(self) -> dict:
        return asdict(self)

    def place_label(self) -> str:
        """Where the cited sentence is, for a reader: "p. 12" or "pp. 12–13", then "§ Findings › Mosul"; "" when unknown."""
        parts = []
        if self.page is not None:
            end = self.page_end if self.page_end is not None else self.page
            parts.append(f"p. {self.page}" if end == self.page else f"pp. {self.page}–{end}")
        if self.section:
            parts.append(f"§ {self.section}")
        return ", ".join(parts)


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer, the citations after it, and whether the sources back it.

    Extractive sentences are verbatim source sentences, so they are supported by
    construction; generated ones carry the citation check's verdict.
    """

    text: str
    citations: list[int]
    supported: bool

    def to_json(self) -> dict:
        return {"text": self.text, "citations": list(self.citations), "supported": self.supported}


@dataclass
class Usage:
    """What answering cost, as OpenAI's ``usage`` reports it.

    ``counted`` says in what: "tokens" when the LLM's own tokenizer counted them (the
    in-process GGUF's, or what the model server reported), "words" otherwise: the extractive
    engine (no model: the question's and the answer's words), and LLM servers that report no
    usage (whitespace-separated words of the prompt messages and of the reply).
    """

    prompt_tokens: int = 0
    completion_tokens: int = 0
    counted: str = "tokens"

    def add(self, prompt: int, completion: int, counted: str) -> None:
        """Count one more model call (a sum of token counts and word counts is "mixed")."""
        if self.prompt_tokens or self.completion_tokens:
            self.counted = self.counted if self.counted == counted else "mixed"
        else:
            self.counted = counted
        self.prompt_tokens += prompt
        self.completion_tokens += completion

    def to_json(self) -> dict:
        return {
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "counted": self.counted,
        }


def word_count(text: str) -> int:
    """Whitespace-separated words: the unit of usage when no tokenizer counts."""
    return len(text.split())


@dataclass
class Answer:
    """An answer with its citations; ``nearest`` lists passages shown with a refusal (not an answer).

    ``short_answer`` is the phrase that answers a factoid question ("Wednesday", "Rupert
    Jones"), taken from the first cited sentence; None when the question type has none.
    """

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    standalone_question: str = ""
    nearest: list[Citation] = field(default_factory=list)
    note: str = ""  # e.g. what the citation check removed from a generated answer
    sentences: list[AnswerSentence] = field(default_factory=list)
    engine: str = "extractive"
    question_type: str = ""
    short_answer: str | None = None
    # generated answers: ALCE-style figures of the model's own citations (rag.answer.citecheck.Checked)
    check: Checked | None = field(default=None, repr=False)
    # what the answer cost (Assistant.ask/stream fill it in): model tokens, or words for the extractive engine
    usage: Usage | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return {
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
            "sentences": [s.to_json() for s in self.sentences],
            "engine": self.engine,
            "note": self.note,
            "question_type": self.question_type,
            "short_answer": self.short_answer,
        }


def balance_quotes(text: str) -> str:
    """Add the missing opening or closing curly quote of a sentence cut out of a longer quotation."""
    depth, unmatched_close = 0, 0
    for ch in text:
        if ch == "“":
            depth += 1
        elif ch == "”":
            if depth:
                depth -= 1
            else:
                unmatched_close += 1
    return "“" * unmatched_close + text + "”" * depth
