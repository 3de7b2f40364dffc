"""Questions as people type them: cleaned, cut to a length with a note, or refused with a reason.

Whatever arrives (pasted control characters, lone surrogates from a broken client,
bidirectional overrides, a whole pasted document) becomes plain text the engines can
search, or a :class:`QuestionError` whose message a user can act on.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass

# Bidirectional embeddings, overrides and isolates reorder how text is displayed
# ("Trojan Source"); they carry no meaning for search. Marks (U+200E/F) and joiners
# (U+200C/D, needed by emoji sequences and Persian) are kept.
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_WHITESPACE = re.compile(r"\s+")


class QuestionError(ValueError):
    """A question that cannot be asked (empty once cleaned); the message says why."""


@dataclass(frozen=True)
class Question:
    """A cleaned question and what the user should be told about the cleaning ("" if nothing)."""

    text: str
    note: str = ""


def clean_question(raw: object, max_chars: int) -> Question:
    """``raw`` as one line of plain text of at most ``max_chars`` characters.

    Control characters become spaces, lone surrogates and bidirectional controls are
    dropped, whitespace is collapsed. A longer question is cut at a word boundary and
    the note says so. Raises QuestionError when nothing is left.
    """
    text = "" if raw is None else str(raw)
    received = len(text)
    text = text[: 4 * max_chars]  # enough for the limit once cleaned; the rest of a huge paste is never scanned
    text = unicodedata.normalize("NFC", _SURROGATES.sub("", text))
    text = _BIDI_CONTROLS.sub("", text)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    text = _WHITESPACE.sub(" ", text).strip()
    if not text:
        raise QuestionError("the question is empty")
    if received <= 4 * max_chars and len(text) <= max_chars:
        return Question(text)
    cut = text[: max_chars + 1]
    space = cut.rfind(" ")
    # cut between words unless that loses much (a long run without spaces, e.g. Chinese)
    cut = (cut[:space] if len(cut) > max_chars and space >= max_chars * 0.8 else cut[:max_chars]).rstrip()
    note = (
        f"Your question was {received:,} characters long; only its first {len(cut):,} characters "
        f"were used (the limit is {max_chars:,})."
    )
    return Question(cut, note)


# Follow-ups refer to the last few turns; older ones only cost time (each earlier turn is
# resolved in turn, rag/answer/followup.py), so a long conversation keeps its recent end.
MAX_HISTORY_TURNS = 6


def clean_history(history, max_chars: int, max_turns: int = MAX_HISTORY_TURNS) -> list[tuple[str, str]]:
    """The last ``max_turns`` (user, assistant) pairs of ``history``, as text, each cut to a length.

    User turns are cleaned like questions and cut to ``max_chars``; assistant turns (they
    may hold several cited sentences) are cut to four times that. Empty user turns go.
    """
    out: list[tuple[str, str]] = []
    for user, reply in list(history or [])[-max_turns:]:
        try:
            user_text = clean_question(user, max_chars).text
        except QuestionError:
            continue
        out.append((user_text, _SURROGATES.sub("", "" if reply is None else str(reply))[: 4 * max_chars]))
    return out


def with_note(answer, note: str):
    """A copy of the dataclass ``answer`` with ``note`` put before any note it has."""
    if not note:
        return answer
    return dataclasses.replace(answer, note=" ".join(n for n in (note, getattr(answer, "note", "")) if n))
