"""Check every citation of a generated answer against the passage it cites.

A sentence's citation [n] stands when source n names every name and number of the
sentence and holds a sentence that supports it: support = 0.5 * cosine(claim,
source sentence) + 0.5 * share of the claim's (IDF-weighted) words found in that
sentence. Citations below the bar are removed; a sentence the model left uncited
gets the best source that passes the bar; a sentence left with no supported
citation is removed, so nothing reaches the user that the sources do not back.
Citations are renumbered in order of use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .passages import sentence_spans
from .retrieval import Retriever
from .text import STOPWORDS, terms, words
from .vocabulary import Vocabulary

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


_SENTENCE_STARTERS = {"the", "a", "an", "he", "she", "it", "they", "this", "that", "these", "those", "in", "on", "at",
                      "according", "there", "we", "i", "his", "her", "their", "its", "but", "and", "so", "yes", "no"}


def names_and_numbers(claim: str) -> list[str]:
    """The claim's capitalised words and numbers: what a citation must not get wrong (who, how many)."""
    out = []
    for w in words(claim):
        if any(ch.isdigit() for ch in w) or (w[:1].isupper() and w.lower() not in _SENTENCE_STARTERS and w.lower() not in STOPWORDS):
            out.append(w)
    return out


def _best_support(retriever: Retriever, pid: int, claim: str, vec, required: list[str]) -> Support | None:
    """The passage's sentence that best supports ``claim``, provided the passage names every word of ``required``."""
    index = retriever.index
    passage = index.passages[pid]
    doc = index.documents[passage.doc_id]
    # "Townsend said X" cited to a passage where Jones said X is not supported. The paragraph
    # before counts too: news names a speaker once, then writes "he said".
    previous = index.passages[pid - 1] if pid > 0 and index.passages[pid - 1].doc_id == passage.doc_id else None
    context = "\n".join([doc.title, previous.text if previous else "", passage.text])
    vocabulary = Vocabulary(words(context), fuzzy_min_length=6)
    if not all(vocabulary.contains(w) for w in required):
        return None
    c_terms = terms(claim)
    best = None
    for (s, e), row in zip(passage.sentences, index.passage_sentences(pid)):
        score = 0.5 * float(index.sentence_vectors[row] @ vec) + 0.5 * retriever.lexical_overlap(c_terms, doc.text[s:e])
        if best is None or score > best.score:
            best = Support(pid, s, e, score)
    return best


_PRONOUN = re.compile(r"\b(he|she|him|his|her|hers)\b", re.I)


def check(text: str, source_pids: list[int], retriever: Retriever, support_min: float, question: str = "") -> Checked:
    """Keep the sentences of ``text`` whose citations (numbers into ``source_pids``) are supported.

    A sentence the model left without a citation gets the best supporting source, if one
    passes the same bar; a cited source that fails it is removed. A sentence with "he"
    or "she" speaks of the person the question names, so its source must name them too.
    """
    claims = split_claims(text)
    vecs = retriever.embedder.encode([c for c, _ in claims]) if claims else []
    asked = names_and_numbers(question)
    kept: list[tuple[str, list[Support]]] = []
    removed_citations = removed_sentences = 0
    for (claim, numbers), vec in zip(claims, vecs):
        required = names_and_numbers(claim) + (asked if _PRONOUN.search(claim) else [])
        supports = []
        for n in dict.fromkeys(numbers):
            best = _best_support(retriever, source_pids[n - 1], claim, vec, required) if 1 <= n <= len(source_pids) else None
            if best is not None and best.score >= support_min:
                supports.append(best)
            else:
                removed_citations += 1
        if not numbers:
            found = [b for b in (_best_support(retriever, pid, claim, vec, required) for pid in source_pids) if b is not None]
            if found:
                best = max(found, key=lambda b: b.score)
                if best.score >= support_min:
                    supports.append(best)
        if supports:
            kept.append((claim, supports))
        else:
            removed_sentences += 1
    return Checked(kept, removed_citations, removed_sentences)
