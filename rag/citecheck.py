"""Check every citation of a generated answer against the passage it cites.

A sentence's citation [n] stands when source n holds a sentence that supports it:
support = 0.5 * cosine(claim, source sentence) + 0.5 * share of the claim's
(IDF-weighted) words found in that sentence. Citations below the bar are removed;
a sentence left with no supported citation is removed too, so nothing reaches the
user that the sources do not back. Citations are renumbered in order of use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .passages import sentence_spans
from .retrieval import Retriever
from .text import terms

_MARKER = re.compile(r"\s*\[(\d+)\]")


@dataclass(frozen=True)
class Support:
    """The source sentence backing one claim: passage id, sentence offsets in the document, score."""

    pid: int
    start: int
    end: int
    score: float


@dataclass
class Checked:
    """A generated answer after checking: kept sentences with their supports (one list per sentence)."""

    sentences: list[tuple[str, list[Support]]]
    removed_citations: int
    removed_sentences: int


def split_claims(text: str) -> list[tuple[str, list[int]]]:
    """(claim text without markers, cited numbers) for each sentence of ``text``."""
    # "... cheese. [1] At least" -> "... cheese [1]. At least", so the sentence splitter sees the full stop
    text = re.sub(r"([.!?][\"”’]?)((?:\s*\[\d+\])+)", lambda m: m.group(2) + m.group(1), text)
    out = []
    for s, e in sentence_spans(text):
        piece = text[s:e]
        numbers = [int(n) for n in _MARKER.findall(piece)]
        claim = _MARKER.sub("", piece).strip()
        if claim:
            out.append((claim, numbers))
    return out


def check(text: str, source_pids: list[int], retriever: Retriever, support_min: float) -> Checked:
    """Keep the sentences of ``text`` whose citations (numbers into ``source_pids``) are supported."""
    index = retriever.index
    claims = split_claims(text)
    vecs = retriever.embedder.encode([c for c, _ in claims]) if claims else []
    kept: list[tuple[str, list[Support]]] = []
    removed_citations = removed_sentences = 0
    for (claim, numbers), vec in zip(claims, vecs):
        c_terms = terms(claim)
        supports = []
        for n in dict.fromkeys(numbers):
            if not 1 <= n <= len(source_pids):
                removed_citations += 1
                continue
            pid = source_pids[n - 1]
            passage = index.passages[pid]
            doc_text = index.documents[passage.doc_id].text
            rows = index.passage_sentences(pid)
            best = None
            for (s, e), row in zip(passage.sentences, rows):
                score = 0.5 * float(index.sentence_vectors[row] @ vec) + 0.5 * retriever.lexical_overlap(c_terms, doc_text[s:e])
                if best is None or score > best.score:
                    best = Support(pid, s, e, score)
            if best is not None and best.score >= support_min:
                supports.append(best)
            else:
                removed_citations += 1
        if supports:
            kept.append((claim, supports))
        else:
            removed_sentences += 1
    return Checked(kept, removed_citations, removed_sentences)
