"""The extractive answer engine: compose an answer from source sentences, each cited.

No language model. A question goes through stages that each take plain data and return
plain data: analyse (rag/answer/analysis.py) -> retrieve (rag/search/retrieval.py) -> read
(rag/answer/read.py, the reader) -> rank (rag/answer/rank.py) -> compose (one composer per
question type, rag/answer/compose/) -> decide (rag/answer/decide.py: a learned answer or
refuse) -> cite (rag/answer/cite.py). Every sentence of an answer is a sentence of a source,
quote marks balanced, followed by its [n]; a refusal cites nothing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from ..search.retrieval import Evidence, Hit, Retriever
from ..search.scope import Scope, active_scope, scope_of
from ..settings import Settings
from ..text.terms import written_as_code
from . import cite
from .analysis import QuestionAnalysis, analyze, asked_part
from .asked import Asked
from .compose import Composition, compose
from .compose.listing import titled
from .decide import Decision, decide
from .models import DecisionModels
from .qtypes import SPECS, QType
from .rank import rank
from .read import read_evidence
from .types import NOT_ABOUT_SOURCES, REFUSAL, Answer, Citation, Span, never_written
from .view import SourcesView


@dataclass(frozen=True)
class Assessment:
    """Everything the stages found for one question: the question ranked, what was composed, the decision."""

    asked: Asked
    composed: Composition | None
    decision: Decision


class ExtractiveEngine:
    """Runs the stages over one loaded index; see the module docstring."""

    def __init__(self, retriever: Retriever, settings: Settings, reader=None, models: DecisionModels | None = None):
        self.retriever = retriever
        self.index = retriever.index
        self.settings = settings
        self.reader = reader
        self.models = models
        self.view = SourcesView(retriever)

    def answer(self, question: str, standalone: str | None = None) -> Answer:
        """Answer ``standalone`` (the question after follow-up resolution)."""
        asked = self.prepare(question, standalone)
        return asked if isinstance(asked, Answer) else self.conclude(self.assess(asked))

    def prepare(self, question: str, standalone: str | None = None) -> Asked | Answer:
        """Analyse, retrieve and read; or a refusal already (a request that is not about the sources, a question of
        which they hold no word, no evidence)."""
        query = asked_part((standalone or question).strip())
        a = analyze(query)
        if a.qtype == QType.REQUEST:
            return self.refuse(question, query, [], a, NOT_ABOUT_SOURCES)
        if a.key_terms and not any(self.view.mentions(t.text) for t in a.key_terms):
            # not a question about the sources either: they hold none of its words (by word, stem, near spelling,
            # part or abbreviation), so any sentence quoted would be unrelated; 1 of SQuAD part A's 3,019 answerable
            # questions is so, a typo of the one name it asks about (docs/TUNING.md, "Answer or refuse")
            return self.refuse(question, query, [], a)
        s = self.settings.scoring
        # a summary or a list is searched for by what it is about, without the request's own words (a list also by
        # what its items must be: "which conditions are listed for redistributing the work"); a typo of a word of
        # the sources is searched for and read as they spell it ("trigger cycels")
        spelled = self.view.spelled(query)
        search = self.view.spelled(_about(a)) if a.qtype in (QType.SUMMARY, QType.LIST) and a.topic else spelled
        qvec, hits, evidence = self.retrieve(search, max(s.search_passages, s.evidence_passages), self._named(a))
        if not evidence:
            return self.refuse(question, query, evidence, a)
        absent = [t.text for t in a.key_terms if written_as_code(t.text) and not self.view.mentions(t.text)]
        if absent:
            # an option, a function, a path the sources never write: the nearest sentence would be about another
            # one (a decision trained on encyclopaedia articles, which hold no code, cannot learn this; SQuAD part A
            # has no such question; docs/TUNING.md, "Answer or refuse")
            return self.refuse(question, query, evidence, a, never_written(absent))
        reader = self.reader if SPECS[a.qtype].reads else None
        readings = read_evidence(evidence, self.index, reader, spelled, s.reader_passages, s.short_answer_phrases)
        return Asked(question, query, a, qvec, hits, evidence, readings)

    def retrieve(
        self, query: str, passages: int, scope: Scope | None = None
    ) -> tuple[np.ndarray, list[Hit], list[Evidence]]:
        """The query vector, the top ``passages`` passages and their evidence sentences, from ``scope``'s documents
        only (default: the scope of the question being answered, rag.search.scope)."""
        r = self.retriever
        qvec = r.embedder.encode_query(query)
        hits = r.search(query, k=passages, qvec=qvec, scope=scope or active_scope())
        return qvec, hits, r.evidence(query, hits, qvec=qvec)

    def _named(self, a: QuestionAnalysis) -> Scope | None:
        """The documents a summary on a topic names ("what the spec says about security"), within the question's
        scope; None when it names none, or none is called so (then every document is searched)."""
        if a.qtype != QType.SUMMARY or not a.topic or not a.focus:
            return None
        scope = active_scope()
        named = [d for d in titled(a.focus, self.view) if scope is None or scope.holds(d)]
        return scope_of(named, self.index.passages.of_document) if named else None

    def assess(self, asked: Asked) -> Assessment:
        """Rank the candidates, compose, and decide, with the current scoring settings."""
        s = self.settings.scoring
        ranker = self.models.ranker if self.models else None
        asked = self._read_best(
            dataclasses.replace(asked, candidates=rank(asked, self.view, ranker, s.min_quote_words))
        )
        composed = compose(asked, self.view, s)
        model = self.models.decision if self.models else None
        return Assessment(asked, composed, decide(asked, composed, self.view, model, s))

    def _read_best(self, asked: Asked) -> Asked:
        """The reader's span in the best candidate, when the reader reads this type but not its passage yet
        (it reads the top passages before ranking; the best sentence may lie further down)."""
        best = asked.candidates[0] if asked.candidates else None
        if best is None or best.span is not None or asked.readings is None or best.pid in asked.readings.passages:
            return asked
        more = read_evidence(
            [ev for ev in asked.evidence if ev.pid == best.pid],
            self.index,
            self.reader,
            asked.query,
            1,
            self.settings.scoring.short_answer_phrases,
        )
        if more is None or (best.pid, best.start) not in more.sentences:
            return asked
        score, span = more.sentences[(best.pid, best.start)]
        best = dataclasses.replace(best, reader=score, span=span, phrases=more.phrases.get((best.pid, best.start), ()))
        return dataclasses.replace(asked, candidates=[best, *asked.candidates[1:]])

    def conclude(self, assessed: Assessment) -> Answer:
        """The answer the assessment decided on: the composition, quoted and cited, or a refusal."""
        q = assessed.asked
        if not assessed.decision.answer or assessed.composed is None:
            return self.refuse(q.question, q.query, q.evidence, q.analysis)
        return cite.render(self.index, q.question, q.query, q.analysis, assessed.composed)

    def is_person(self, name: str) -> bool:
        """Whether a name is one the sources use for a person (a short name linked to a full one)."""
        return self.view.is_person(name)

    def citation(self, n: int, span: Span) -> Citation:
        return cite.citation(self.index, n, span)

    def refuse(
        self,
        question: str,
        query: str,
        evidence: list[Evidence],
        a: QuestionAnalysis | None = None,
        message: str = REFUSAL,
    ) -> Answer:
        """A refusal, with the nearest passages shown as "not an answer"."""
        nearest = [Span(ev.pid, ev.start, ev.end, ev.score) for ev in evidence]
        return cite.refuse(self.index, question, query, nearest, str(a.qtype) if a else "", message)


def _about(a: QuestionAnalysis) -> str:
    """What a summary or a list is about: its topic; for a list, with the key terms that qualify its items."""
    if a.qtype != QType.LIST or a.topic is None:
        return a.topic or ""
    topic = a.topic.lower().split()
    return " ".join([a.topic, *(t.text for t in a.key_terms if t.text.lower() not in topic)])
