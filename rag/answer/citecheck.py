"""Check every citation of a generated answer against the passage it cites.

A sentence's citation [n] stands when source n names every name and number of the
sentence and holds a sentence that supports it: support = a weighted sum (ScoringConfig.support_cosine)
of cosine(claim, source sentence) and the share of the claim's (IDF-weighted) words found in that
sentence. The result says, per sentence, which citations hold; the answer engine
(rag.answer.generative) then drops out-of-range and failing citations, cites uncited
sentences that a source backs, and marks (or, in strict mode, removes) the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..search.retrieval import Retriever
from ..text.sentences import sentence_spans
from ..text.terms import STOPWORDS, terms, words
from .analysis import analyze
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
class Claim:
    """One sentence of a generated answer and what the check found.

    ``cited``: the numbers the model wrote after it (in order, without repeats, out-of-range
    ones included); ``supports``: for each in-range cited number, its Support if that source
    backs the sentence, else None; ``found``: for a sentence the model left uncited, the
    best source that backs it, if any; ``nearest``: for each in-range cited number, the
    source's sentence closest to the claim, backing it or not (what the citation points at).
    """

    text: str
    cited: list[int]
    supports: dict[int, Support | None]
    found: tuple[int, Support] | None = None
    nearest: dict[int, Support] = field(default_factory=dict)

    @property
    def supported(self) -> bool:
        """Backed by at least one source (its own citations, or the one found for it)."""
        return self.found is not None or any(s is not None for s in self.supports.values())

    @property
    def backing(self) -> list[Support]:
        """The sources that back it: its citations' when any does, else the one found for it (none: unsupported)."""
        cited = [s for s in self.supports.values() if s is not None]
        return cited or ([self.found[1]] if self.found is not None else [])

    @property
    def supported_as_cited(self) -> bool:
        """Backed by a citation the model itself wrote (ALCE's citation recall counts these)."""
        return any(s is not None for s in self.supports.values())


@dataclass
class Checked:
    """A generated answer, sentence by sentence, with ALCE-style figures of the model's own citations."""

    claims: list[Claim]

    @property
    def citation_recall(self) -> float:
        """Share of sentences backed by the citations the model wrote."""
        return sum(c.supported_as_cited for c in self.claims) / len(self.claims) if self.claims else 0.0

    @property
    def citation_precision(self) -> float:
        """Share of the model's citations (out-of-range ones included) that back their sentence."""
        cited = [s for c in self.claims for s in [c.supports.get(n) for n in c.cited]]
        return sum(s is not None for s in cited) / len(cited) if cited else 0.0


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


_SENTENCE_STARTERS = {
    "the",
    "a",
    "an",
    "he",
    "she",
    "it",
    "they",
    "this",
    "that",
    "these",
    "those",
    "in",
    "on",
    "at",
    "according",
    "there",
    "we",
    "i",
    "his",
    "her",
    "their",
    "its",
    "but",
    "and",
    "so",
    "yes",
    "no",
}


def names_and_numbers(claim: str) -> list[str]:
    """The claim's capitalised words and numbers: what a citation must not get wrong (who, how many)."""
    out = []
    for w in words(claim):
        if any(ch.isdigit() for ch in w) or (
            w[:1].isupper() and w.lower() not in _SENTENCE_STARTERS and w.lower() not in STOPWORDS
        ):
            out.append(w)
    return out


def _names_present(retriever: Retriever, pid: int, required: list[str]) -> bool:
    """Whether passage ``pid`` (with its title and the paragraph before it) names every word of ``required``."""
    index = retriever.index
    passage = index.passages[pid]
    doc = index.documents[passage.doc_id]
    # "Townsend said X" cited to a passage where Jones said X is not supported. The paragraph
    # before counts too: news names a speaker once, then writes "he said".
    previous = index.passages[pid - 1] if pid > 0 and index.passages[pid - 1].doc_id == passage.doc_id else None
    context = "\n".join([doc.title, previous.text if previous else "", passage.text])
    vocabulary = Vocabulary(words(context), fuzzy_min_length=6)
    return all(vocabulary.contains(w) for w in required)


def _best_sentence(retriever: Retriever, pid: int, claim_terms: list[str], vec) -> Support:
    """The sentence of passage ``pid`` closest to the claim: 0.5 * cosine + 0.5 * word overlap."""
    index = retriever.index
    passage = index.passages[pid]
    text = index.documents[passage.doc_id].text
    w = retriever.settings.scoring.support_cosine
    best = None
    for (s, e), row in zip(passage.sentences, index.passage_sentences(pid)):
        cos = float(retriever.sentence_alone(row, text[s:e]) @ vec)
        score = w * cos + (1 - w) * retriever.lexical_overlap(claim_terms, text[s:e])
        if best is None or score > best.score:
            best = Support(pid, s, e, score)
    if best is None:  # every passage has a sentence (rag/ingest/passages.py)
        raise ValueError(f"passage {pid} has no sentences")
    return best


_PRONOUN = re.compile(r"\b(he|she|him|his|her|hers)\b", re.I)


def check(text: str, source_pids: list[int], retriever: Retriever, support_min: float, question: str = "") -> Checked:
    """Check each sentence of ``text`` against the sources it cites (numbers into ``source_pids``).

    A cited source supports a sentence when it names the sentence's names and numbers and
    its best sentence scores at least ``support_min``. A sentence with "he" or "she" speaks
    of the person the question names, so its source must name them too. For a sentence the
    model left uncited, the best source passing the same bar is found.
    """
    claims = split_claims(text)
    vecs = retriever.embedder.encode([c for c, _ in claims]) if claims else []
    # the names and numbers the question asks about (a request's own first word, "Give ...", is none)
    asked = [t.text for t in analyze(question).key_terms if t.kind in ("name", "number")] if question else []
    out: list[Claim] = []
    for (claim, numbers), vec in zip(claims, vecs):
        c_terms = terms(claim)
        cited = list(dict.fromkeys(numbers))
        nearest = {
            n: _best_sentence(retriever, source_pids[n - 1], c_terms, vec) for n in cited if 1 <= n <= len(source_pids)
        }
        if claim.rstrip(" \"'”’").endswith("?"):
            # a question (often the model echoing the user's) asserts nothing a source could back
            out.append(Claim(claim, cited, dict.fromkeys(nearest), nearest=nearest))
            continue
        required = names_and_numbers(claim) + (asked if _PRONOUN.search(claim) else [])

        def backs(support: Support, required: list[str] = required) -> bool:
            return support.score >= support_min and _names_present(retriever, support.pid, required)

        supports = {n: b if backs(b) else None for n, b in nearest.items()}
        found = None
        if not cited:
            candidates = [(n, _best_sentence(retriever, pid, c_terms, vec)) for n, pid in enumerate(source_pids, 1)]
            candidates = [(n, b) for n, b in candidates if backs(b)]
            if candidates:
                found = max(candidates, key=lambda nb: nb[1].score)
        out.append(Claim(claim, cited, supports, found, nearest))
    return Checked(out)
