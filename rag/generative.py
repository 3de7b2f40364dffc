"""The generative engine: an LLM writes the answer from numbered passages; every
citation is then checked (rag.citecheck) and unsupported sentences are removed.

The same refusal gates as the extractive engine run first (names or numbers absent
from the sources, weak evidence), so a model is never asked about what the sources
cannot answer. When no generated sentence survives the check, the extractive answer
is given instead, so the user always gets a grounded answer or a refusal.
"""

from __future__ import annotations

from collections.abc import Iterator

from . import citecheck
from .answer import REFUSAL, Answer, ExtractiveEngine, _Unit, missing_key_terms
from .llm import ChatClient
from .settings import Settings

SYSTEM_PROMPT = (
    "You answer questions using only the numbered sources you are given. "
    "Write one to three short sentences. End every sentence with the number of the source it comes from "
    "in square brackets, like [1]. Quote the sources' words where you can. "
    "If the sources do not contain the answer, reply exactly: NO ANSWER"
)
NO_ANSWER = "NO ANSWER"


def build_messages(question: str, sources: list[str]) -> list[dict]:
    """The chat messages: instructions, then the numbered sources and the question."""
    numbered = "\n\n".join(f"[{i}] {text}" for i, text in enumerate(sources, start=1))
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": f"Sources:\n{numbered}\n\nQuestion: {question}"},
    ]


def stream_answer(engine: ExtractiveEngine, client: ChatClient, settings: Settings, question: str,
                  standalone: str) -> Iterator[tuple[str, Answer | None]]:
    """Yield the generated text as it grows, then (checked text, Answer)."""
    r = engine.retriever
    _, hits, evidence = engine.retrieve(standalone, settings.llm_passages)
    if missing_key_terms(standalone, engine.vocabulary) or not evidence or evidence[0].score < settings.min_evidence:
        refusal = engine._refuse(question, standalone, evidence)
        yield refusal.answer, refusal
        return
    pids = [h.pid for h in hits[: settings.llm_passages]]
    messages = build_messages(standalone, [r.index.passages[p].text for p in pids])
    raw = ""
    for piece in client.stream_chat(messages, settings.llm_max_tokens, settings.llm_temperature):
        raw += piece
        yield raw, None
    if NO_ANSWER in raw.upper() and len(raw.strip()) < len(NO_ANSWER) + 20:
        refusal = engine._refuse(question, standalone, evidence)
        yield refusal.answer, refusal
        return
    checked = citecheck.check(raw, pids, r, settings.support_min, question=standalone)
    if not checked.sentences:
        # nothing the model wrote is backed by its sources: give the grounded extractive answer
        fallback = engine.answer(question, standalone)
        fallback.note = "The model's answer could not be verified against the sources; this answer is quoted from them."
        yield fallback.answer, fallback
        return
    units: list[_Unit] = []
    parts = []
    for claim, supports in checked.sentences:
        numbers = []
        for s in supports:
            unit = _Unit(s.pid, s.start, s.end, s.score)
            if unit not in units:
                units.append(unit)
            numbers.append(units.index(unit) + 1)
        parts.append(claim + " " + "".join(f"[{n}]" for n in numbers))
    citations = [engine._citation(i + 1, u) for i, u in enumerate(units)]
    answer = Answer(question, " ".join(parts), False, citations, standalone)
    if checked.removed_sentences or checked.removed_citations:
        answer.note = (f"Removed {checked.removed_sentences} generated sentence(s) and {checked.removed_citations} "
                       "citation(s) that the sources did not support.")
    yield answer.answer, answer


__all__ = ["stream_answer", "build_messages", "REFUSAL"]
