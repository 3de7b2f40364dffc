"""The extractive answer engine: compose an answer from source sentences, each cited.

No language model. A question goes through stages that each take plain data and return
plain data: analyse (rag/answer/analysis.py) -> retrieve (rag/search/retrieval.py) -> read
(rag/answer/read.py, the reader) -> rank (rag/answer/rank.py) -> compose (one composer per
question type, rag/answer/compose/) -> decide (rag/answer/decide.py: answer or refuse) ->
cite (rag/answer/cite.py). Every sentence of an answer is a sentence of a source, quote
marks balanced, followed by its [n]; a refusal cites nothing.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from ..search.retrieval import Evidence, Hit, Retriever
from ..settings import Settings
from . import cite, decide
from .analysis import QuestionAnalysis, analyze
from .asked import Asked
from .compose import compose
from .qtypes import SPECS, QType
from .rank import rank
from .read import read_evidence
from .types import NOT_ABOUT_SOURCES, REFUSAL, Answer, Citation, Span
from .view import SourcesView


class ExtractiveEngine:
    """Runs the stages over one loaded index; see the module docstring."""

    def __init__(self, retriever: Retriever, settings: Settings, reader=None):
        self.retriever = retriever
        self.index = retriever.index
        self.settings = settings
        self.reader = reader
        self.view = SourcesView(retriever)

    def answer(self, question: str, standalone: str | None = None) -> Answer:
        """Answer ``standalone`` (the question after follow-up resolution)."""
        asked = self.prepare(question, standalone)
        return asked if isinstance(asked, Answer) else self.decide(asked)

    def prepare(self, question: str, standalone: str | None = None) -> Asked | Answer:
        """What answering needs that no scoring setting changes: the analysis, retrieval and the reader's
        readings; or a refusal already (a request, names the sources never mention, no evidence)."""
        query = (standalone or question).strip()
        a = analyze(query)
        if a.qtype == QType.REQUEST:
            return self.refuse(question, query, [], a, NOT_ABOUT_SOURCES)
        s = self.settings.scoring
        # a summary or a list is searched for by what it is about, without the request's own words
        search = a.topic if a.qtype in (QType.SUMMARY, QType.LIST) and a.topic else query
        qvec, hits, evidence = self.retrieve(search, s.evidence_passages)
        if decide.missing_names(a, self.view) or not evidence:
            return self.refuse(question, query, evidence, a)
        reader = self.reader if SPECS[a.qtype].reads else None
        readings = read_evidence(evidence, self.index, reader, query, s.reader_passages)
        return Asked(question, query, a, qvec, hits, evidence, readings)

    def retrieve(self, query: str, passages: int) -> tuple[np.ndarray, list[Hit], list[Evidence]]:
        """The query vector, the top passages (at least ``passages``, at least 10) and their evidence sentences."""
        r = self.retriever
        qvec = r.embedder.encode_query(query)
        hits = r.search(query, k=max(10, passages), qvec=qvec)
        return qvec, hits, r.evidence(query, hits, qvec=qvec)

    def decide(self, asked: Asked) -> Answer:
        """Rank the candidates, then refuse or compose, with the current scoring settings."""
        s, a = self.settings.scoring, asked.analysis
        asked = dataclasses.replace(asked, candidates=rank(asked.evidence, self.index, asked.readings, s.reader_weight))
        composed = None if decide.gated(asked, s) else compose(asked, self.view, s)
        if composed is None or not composed.spans or not decide.covers(asked, composed, self.view, s):
            return self.refuse(asked.question, asked.query, asked.evidence, a)
        return cite.render(self.index, asked.question, asked.query, a, composed)

    def gated(self, asked: Asked) -> bool:
        """Whether the question is refused before composing (rag/answer/decide.py ``gated``)."""
        return decide.gated(asked, self.settings.scoring)

    def is_person(self, name: str) -> bool:
        """Whether a name is one the sources use for a person (a short name linked to a full one)."""
        return self.view.is_person(name)

    def citation(self, n: int, span: Span) -> Citation:
        return cite.citation(self.index, n, span)

    def refuse(self, question: str, query: str, evidence: list[Evidence], a: QuestionAnalysis | None = None,
               message: str = REFUSAL) -> Answer:
        """A refusal, with the nearest passages shown as "not an answer"."""
        nearest = [Span(ev.pid, ev.start, ev.end, ev.score) for ev in evidence]
        return cite.refuse(self.index, question, query, nearest, str(a.qtype) if a else "", message)
