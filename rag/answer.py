"""The extractive answer engine: compose an answer from evidence sentences, each cited.

No language model: every sentence of an answer is a sentence (or a run of
sentences) of a source, quote marks balanced, followed by its [n]. When the
question's names or numbers are absent from the sources, or the evidence is
weak, the answer is a refusal without citations.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np

from .attribution import Statement, statements_by
from .retrieval import Evidence, Retriever
from .settings import Settings
from .text import STOPWORDS, stem, terms, words

REFUSAL = "The sources don't answer this question."
_SAY = re.compile(
    r"^(?:and\s+|so\s+)?what\s+(?:did|does|do|has|had|have|was|is)\s+(?P<who>.+?)\s+"
    r"(?:say|said|says|tell|told|think|claim|state|mention|argue|write|wrote)\b"
    r"(?:\s+(?:about|on|regarding|concerning|of|to)\s+(?P<topic>.+?))?\s*[?.!]*$",
    re.I,
)
_QUESTION_WORDS = {"what", "who", "whom", "which", "when", "where", "why", "how", "did", "does", "is", "was", "and"}


@dataclass(frozen=True)
class Citation:
    """A cited passage and the sentence(s) in it that support the answer (offsets into the document text)."""

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

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """An answer with its citations; ``nearest`` lists passages shown with a refusal (not an answer)."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    standalone_question: str = ""
    nearest: list[Citation] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"answer": self.answer, "refused": self.refused, "citations": [c.to_json() for c in self.citations]}


@dataclass(frozen=True)
class _Unit:
    pid: int
    start: int
    end: int
    score: float


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


def missing_key_terms(question: str, retriever: Retriever) -> list[str]:
    """Names and numbers in the question that appear nowhere in the sources."""
    index = retriever.index
    missing = []
    for i, w in enumerate(words(question)):
        is_name = i > 0 and w[:1].isupper() and w.lower() not in _QUESTION_WORDS
        is_number = any(ch.isdigit() for ch in w)
        if not (is_name or is_number) or w.lower() in STOPWORDS:
            continue
        if w.lower() in index.surface_words or stem(w) in index.term_df:
            continue
        missing.append(w)
    return missing


class ExtractiveEngine:
    """Composes cited answers from the retriever's evidence; see the module docstring."""

    def __init__(self, retriever: Retriever, settings: Settings, statements: dict[str, list[Statement]]):
        self.retriever = retriever
        self.settings = settings
        self.statements = statements  # per document, from attribution

    # -- public ---------------------------------------------------------------
    def answer(self, question: str, standalone: str | None = None) -> Answer:
        """Answer ``standalone`` (the question after follow-up resolution)."""
        query = (standalone or question).strip()
        r = self.retriever
        qvec = r.embedder.encode_query(query)
        hits = r.search(query, k=max(10, self.settings.evidence_passages), qvec=qvec)
        evidence = r.evidence(query, hits, qvec=qvec)
        missing = missing_key_terms(query, r)
        if missing or not evidence:
            return self._refuse(question, query, evidence)
        say = _SAY.match(query)
        if say:
            units = self._statement_units(say.group("who"), say.group("topic"), qvec)
            if units:
                return self._compose(question, query, units, bullets=len(units) > 1)
        if evidence[0].score < self.settings.min_evidence:
            return self._refuse(question, query, evidence)
        return self._compose(question, query, self._evidence_units(evidence), bullets=False)

    # -- helpers --------------------------------------------------------------
    def _evidence_units(self, evidence: list[Evidence]) -> list[_Unit]:
        best = evidence[0]
        units = [_Unit(best.pid, best.start, best.end, best.score)]
        covered = best.lexical
        for ev in evidence[1:4]:
            if len(units) >= self.settings.max_answer_sentences:
                break
            # a second sentence only when it is nearly as good and adds query terms the first lacks
            if ev.score >= 0.9 * best.score and ev.lexical > covered + 0.15:
                units.append(_Unit(ev.pid, ev.start, ev.end, ev.score))
                covered = max(covered, ev.lexical)
        return units

    def _statement_units(self, who: str, topic: str | None, qvec: np.ndarray) -> list[_Unit]:
        """Statements by ``who`` (all, or the ones about ``topic``), as citable units."""
        index = self.retriever.index
        found: list[tuple[str, Statement]] = []
        for doc_id, sts in self.statements.items():
            found.extend((doc_id, st) for st in statements_by(sts, who))
        if not found:
            return []
        units: list[_Unit] = []
        if topic:
            tvec = self.retriever.embedder.encode_query(topic)
            t_terms = terms(topic)
            scored = []
            for doc_id, st in found:
                text = index.documents[doc_id].text
                for s, e in st.sentences:
                    row = self._row(doc_id, s)
                    sim = float(index.sentence_vectors[row] @ tvec) if row is not None else 0.0
                    lex = self.retriever.lexical_overlap(t_terms, text[s:e])
                    scored.append((0.6 * sim + 0.4 * lex, doc_id, st, s, e))
            scored.sort(key=lambda x: -x[0])
            if not scored or scored[0][0] < 0.25:
                return []
            chosen, used = [], set()
            for score, doc_id, st, s, e in scored:
                if id(st) in used or score < 0.75 * scored[0][0]:
                    continue
                used.add(id(st))
                chosen.append((doc_id, s, e, score))
                if len(chosen) >= self.settings.max_answer_sentences:
                    break
            for doc_id, s, e, score in sorted(chosen, key=lambda c: (c[0], c[1])):
                units.append(self._unit(doc_id, s, e, score))
            return units
        for doc_id, st in found[: self.settings.max_statements]:
            s, e = st.sentences[0]
            text = index.documents[doc_id].text
            # a short opening ("It is riddled with assertion.") reads better with the next sentence
            if len(st.sentences) > 1 and len(text[s:e].split()) < 10:
                e = st.sentences[1][1]
            units.append(self._unit(doc_id, s, e, 1.0))
        return units

    def _row(self, doc_id: str, start: int) -> int | None:
        if not hasattr(self, "_rows"):
            idx = self.retriever.index
            self._rows = {(p.doc_id, s): row for p in idx.passages for (s, _), row in zip(p.sentences, idx.passage_sentences(p.pid))}
        return self._rows.get((doc_id, start))

    def _unit(self, doc_id: str, start: int, end: int, score: float) -> _Unit:
        """The unit for a span, cut to the passage that holds its start."""
        for p in self.retriever.index.passages:
            if p.doc_id == doc_id and p.start <= start < p.end:
                return _Unit(p.pid, start, min(end, p.end), score)
        raise ValueError("span outside every passage")

    def _citation(self, n: int, unit: _Unit) -> Citation:
        index = self.retriever.index
        p = index.passages[unit.pid]
        doc = index.documents[p.doc_id]
        return Citation(n, doc.doc_id, doc.source, doc.title, p.start, p.end, p.text, round(float(unit.score), 4), unit.start, unit.end)

    def _compose(self, question: str, query: str, units: list[_Unit], bullets: bool) -> Answer:
        index = self.retriever.index
        citations: list[Citation] = []
        numbers: dict[tuple[int, int, int], int] = {}
        parts = []
        for u in units:
            key = (u.pid, u.start, u.end)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                citations.append(self._citation(numbers[key], u))
            text = balance_quotes(index.documents[index.passages[u.pid].doc_id].text[u.start : u.end])
            parts.append(f"{text} [{numbers[key]}]")
        body = "\n".join(f"- {p}" for p in parts) if bullets else " ".join(parts)
        return Answer(question, body, False, citations, query)

    def _refuse(self, question: str, query: str, evidence: list[Evidence]) -> Answer:
        nearest, seen = [], set()
        for ev in evidence:
            if ev.pid not in seen:
                seen.add(ev.pid)
                nearest.append(self._citation(len(nearest) + 1, _Unit(ev.pid, ev.start, ev.end, ev.score)))
            if len(nearest) == 3:
                break
        return Answer(question, REFUSAL, True, [], query, nearest)
