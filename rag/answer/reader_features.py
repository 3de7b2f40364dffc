"""Tokenised reader inputs: "[CLS] question [SEP] passage [SEP]" windows with character offsets.

Shared by training (with answer labels) and reading (rag/answer/reader.py), so both see
exactly the same windows: a passage longer than ``max_length`` tokens is read in
overlapping windows ``stride`` tokens apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_QUESTION_TOKENS = 64


@dataclass(frozen=True)
class Window:
    """One model input: token ids and types, and each passage token's (start, end) in the passage (-1 elsewhere)."""

    ids: np.ndarray
    types: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    passage: int  # which of the passages read together this window comes from

    @property
    def context(self) -> np.ndarray:
        """Mask of the passage's tokens (the places an answer can start or end)."""
        return self.starts >= 0


def make_tokenizer(path: str, max_length: int, stride: int):
    """A `tokenizers` tokenizer that cuts the passage (never the question) into windows."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(path)
    tok.no_padding()
    tok.enable_truncation(max_length=max_length, stride=stride, strategy="only_second")
    return tok


def _question(tok, question: str) -> str:
    """The question cut to MAX_QUESTION_TOKENS tokens, so the passage always has room."""
    # first to as many words (a longer text alone would trip the passage-only truncation)
    question = " ".join(question.split()[:MAX_QUESTION_TOKENS])
    enc = tok.encode(question, add_special_tokens=False)
    if len(enc.ids) <= MAX_QUESTION_TOKENS:
        return question
    return question[: enc.offsets[MAX_QUESTION_TOKENS - 1][1]]


def windows(tok, question: str, passages: list[str]) -> list[Window]:
    """The windows of every passage read with ``question``, in passage order."""
    question = _question(tok, question)
    out: list[Window] = []
    encs = tok.encode_batch([(question, p) for p in passages])
    for i, enc in enumerate(encs):
        for e in [enc, *enc.overflowing]:
            seq = e.sequence_ids
            offsets = e.offsets
            starts = np.array([o[0] if s == 1 else -1 for o, s in zip(offsets, seq)], dtype=np.int32)
            ends = np.array([o[1] if s == 1 else -1 for o, s in zip(offsets, seq)], dtype=np.int32)
            out.append(Window(np.array(e.ids, dtype=np.int64), np.array(e.type_ids, dtype=np.int64), starts, ends, i))
    return out


def answer_tokens(window: Window, start: int, end: int) -> tuple[int, int] | None:
    """Token positions of the answer at characters [start, end) of the passage, if the window holds all of it."""
    inside = np.flatnonzero(window.context & (window.ends > start) & (window.starts < end))
    if not len(inside):
        return None
    first, last = int(inside[0]), int(inside[-1])
    if window.starts[first] > start or window.ends[last] < end:
        return None  # the window cuts the answer
    return first, last


def pad(batch: list[Window], pad_id: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(input_ids, attention_mask, token_type_ids) of windows padded to the longest."""
    width = max(len(w.ids) for w in batch)
    ids = np.full((len(batch), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(batch), width), dtype=np.int64)
    types = np.zeros((len(batch), width), dtype=np.int64)
    for j, w in enumerate(batch):
        n = len(w.ids)
        ids[j, :n], mask[j, :n], types[j, :n] = w.ids, 1, w.types
    return ids, mask, types
