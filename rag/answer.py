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

from .attribution import Statement, is_direct, name_words
from .retrieval import Evidence, Retriever
from .settings import Settings
from .text import STOPWORDS, terms, words
from .vocabulary import Vocabulary

REFUSAL = "The sources don't answer this question."
_SAY = re.compile(
    r"^(?:and\s+|so\s+)?what\s+(?:did|does|do|has|had|have|was|is)\s+(?P<who>.+?)\s+"
    r"(?:say|said|says|tell|told|think|claim|state|mention|argue|write|wrote)\b"
    r"(?:\s+(?:(?:about|on|regarding|concerning|of|to|that)\s+)?(?P<topic>.+?))?\s*[?.!]*$",
    re.I,
)
NEIGHBOUR_RATIO = 0.9  # a neighbouring sentence this close to the best one's score joins the answer
TOPIC_MIN = 0.25  # least topic relevance (see _topic_score) of a statement "about" something
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
class Answer:
    """An answer with its citations; ``nearest`` lists passages shown with a refusal (not an answer)."""

    question: str
    answer: str
    refused: bool
    citations: list[Citation] = field(default_factory=list)
    standalone_question: str = ""
    nearest: list[Citation] = field(default_factory=list)
    note: str = ""  # e.g. what the citation check removed from a generated answer
    sentences: list[AnswerSentence] = field(default_factory=list)
    engine: str = "extractive"
    # generated answers: ALCE-style figures of the model's own citations (rag.citecheck.Checked)
    check: object | None = field(default=None, repr=False)

    def to_json(self) -> dict:
        return {"answer": self.answer, "refused": self.refused, "citations": [c.to_json() for c in self.citations],
                "sentences": [s.to_json() for s in self.sentences], "engine": self.engine, "note": self.note}


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


_TYPE_PATTERNS = [
    (re.compile(r"^(?:how\s+(?:many|much|long|far|old|large|big|tall|high)|what\s+(?:percentage|percent|number|amount))\b", re.I), "number"),
    (re.compile(r"^(?:when\b|(?:in\s+)?what\s+(?:year|decade|century|date|month|day)\b)", re.I), "time"),
    (re.compile(r"^who(?:m|se)?\b", re.I), "name"),
]
_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
                     r"hundred|hundreds|thousand|thousands|million|millions|billion|billions|dozen|dozens|half|both|several|"
                     r"couple|pair|single|once|twice|thrice|double|triple)\b", re.I)
_TIME = re.compile(r"\b(?:1\d{3}|20\d{2}|\d{2,4}s|January|February|March|April|May|June|July|August|September|October|"
                   r"November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|century|centuries|decade|"
                   r"BC|AD|BCE|CE)\b")


def expected_type(question: str) -> str | None:
    """What kind of answer a question asks for: "number", "time", "name" or None."""
    for pattern, kind in _TYPE_PATTERNS:
        if pattern.match(question.strip()):
            return kind
    return None


def has_type(sentence: str, kind: str | None, question: str) -> bool:
    """Whether ``sentence`` holds something of the expected kind (a name absent from the question, for "name")."""
    if kind == "number":
        return bool(_NUMBER.search(sentence))
    if kind == "time":
        return bool(_TIME.search(sentence))
    if kind == "name":
        asked = {w.lower() for w in words(question)}
        return any(w[:1].isupper() and w.lower() not in asked for w in words(sentence)[1:])
    return True


def missing_key_terms(question: str, vocabulary: Vocabulary) -> list[str]:
    """Names and numbers in the question that appear nowhere in the sources."""
    missing = []
    for i, w in enumerate(words(question)):
        is_name = i > 0 and w[:1].isupper() and w.lower() not in _QUESTION_WORDS
        # ordinals ("3rd") are often spelled out in the sources ("third")
        is_number = any(ch.isdigit() for ch in w) and not re.fullmatch(r"\d+(st|nd|rd|th)", w.lower())
        if (is_name or is_number) and w.lower() not in STOPWORDS and not vocabulary.contains(w):
            missing.append(w)
    return missing


class ExtractiveEngine:
    """Composes cited answers from the retriever's evidence; see the module docstring."""

    def __init__(self, retriever: Retriever, settings: Settings):
        self.retriever = retriever
        self.settings = settings
        self.statements = retriever.index.statements  # per document, attributed by the build
        self.vocabulary = Vocabulary(retriever.index.surface_words)
        # speaker name word -> (document rank, statement rank): "What did X say?" looks up, not scans
        self._by_speaker: dict[str, list[tuple[int, int]]] = {}
        self._doc_order = list(self.statements)
        for d, sts in enumerate(self.statements.values()):
            for i, st in enumerate(sts):
                for w in st.speaker:
                    self._by_speaker.setdefault(w, []).append((d, i))

    # -- public ---------------------------------------------------------------
    def retrieve(self, query: str, passages: int) -> tuple[np.ndarray, list, list[Evidence]]:
        """The query vector, the top passages (at least ``passages``, at least 10) and their evidence sentences."""
        r = self.retriever
        qvec = r.embedder.encode_query(query)
        hits = r.search(query, k=max(10, passages), qvec=qvec)
        return qvec, hits, r.evidence(query, hits, qvec=qvec)

    def answer(self, question: str, standalone: str | None = None) -> Answer:
        """Answer ``standalone`` (the question after follow-up resolution)."""
        query = (standalone or question).strip()
        r = self.retriever
        qvec, hits, evidence = self.retrieve(query, self.settings.evidence_passages)
        missing = missing_key_terms(query, self.vocabulary)
        if missing or not evidence:
            return self._refuse(question, query, evidence)
        say = _SAY.match(query)
        if say:
            units = self._statement_units(say.group("who"), say.group("topic"), qvec)
            if units:
                return self._compose(question, query, units, bullets=len(units) > 1)
            if say.group("topic"):
                # no statement of the speaker fits: answer from any evidence about the topic, or refuse
                tvec = r.embedder.encode_query(say.group("topic"))
                t_terms = terms(say.group("topic"))
                evidence = [ev for ev in evidence if self._topic_score(ev.row, self._text(ev), tvec, t_terms) >= TOPIC_MIN]
        if not evidence or evidence[0].score < self.settings.min_evidence:
            return self._refuse(question, query, evidence)
        kind = expected_type(query)
        if kind == "number" and not has_type(self._text(evidence[0]), kind, query):
            # "how many" and no number in the best evidence: the sources don't say
            return self._refuse(question, query, evidence)
        if kind and self.settings.type_bonus:
            # a sentence that holds the kind of thing asked for ("how many" -> a number) moves up
            evidence = sorted(evidence, key=lambda ev: -(ev.score + self.settings.type_bonus * has_type(self._text(ev), kind, query)))
        return self._compose(question, query, self._evidence_units(evidence, query), bullets=False)

    # -- helpers --------------------------------------------------------------
    def _evidence_units(self, evidence: list[Evidence], query: str) -> list[_Unit]:
        """The best sentence; a neighbour in its passage that scores nearly as well joins it
        (one citation for the run); another sentence is added only when it scores nearly as
        well and brings query terms the answer so far lacks (IDF-weighted share of the query)."""
        s = self.settings
        best = evidence[0]
        start, end = best.start, best.end
        neighbours = [ev for ev in evidence[1:] if ev.pid == best.pid and ev.score >= NEIGHBOUR_RATIO * best.score]
        for ev in neighbours:
            if ev.end <= start and not self._sentences_between(best.pid, ev.end, start):
                start = ev.start
                break
            if ev.start >= end and not self._sentences_between(best.pid, end, ev.start):
                end = ev.end
                break
        units = [_Unit(best.pid, start, end, best.score)]
        q_terms = set(terms(query))
        weight = sum(self.retriever.idf(t) for t in q_terms) or 1.0
        covered = q_terms & set(terms(self._span_text(best.pid, start, end)))
        for ev in evidence[1:4]:
            if len(units) >= s.max_answer_sentences:
                break
            if ev.pid == best.pid and start <= ev.start < end:
                continue
            brings = (q_terms & set(terms(self._text(ev)))) - covered
            gain = sum(self.retriever.idf(t) for t in brings) / weight
            if ev.score >= s.second_sentence_ratio * best.score and gain >= s.second_sentence_gain:
                units.append(_Unit(ev.pid, ev.start, ev.end, ev.score))
                covered |= brings
        return units

    def _sentences_between(self, pid: int, a: int, b: int) -> bool:
        return any(a <= s and e <= b for s, e in self.retriever.index.passages[pid].sentences)

    def statements_of(self, who: str) -> list[tuple[str, Statement]]:
        """(doc_id, statement) for every statement whose speaker shares a name word with ``who``, in document order."""
        hits = sorted({hit for w in name_words(who) for hit in self._by_speaker.get(w, ())})
        return [(self._doc_order[d], self.statements[self._doc_order[d]][i]) for d, i in hits]

    def _statement_units(self, who: str, topic: str | None, qvec: np.ndarray) -> list[_Unit]:
        """Statements by ``who`` (all, or the ones about ``topic``), as citable units."""
        index = self.retriever.index
        found = self.statements_of(who)
        if not found:
            return []
        if topic:
            return self._statements_about(found, topic)
        units: list[_Unit] = []
        for doc_id, st in found[: self.settings.max_statements]:
            s, e = st.sentences[0]
            text = index.documents[doc_id].text
            # a short opening ("It is riddled with assertion.") reads better with the next sentence
            if len(st.sentences) > 1 and len(text[s:e].split()) < 10:
                e = st.sentences[1][1]
            row = index.passages.sentence_row(doc_id, s)
            score = float(index.sentence_vectors[row] @ qvec) if row is not None else 0.0
            units.append(self._unit(doc_id, s, e, score))
        return units

    def _statements_about(self, found: list[tuple[str, Statement]], topic: str) -> list[_Unit]:
        """The speaker's statements most relevant to ``topic``.

        Each statement is shown by its best sentence (with a neighbour that scores
        nearly as well, or whole when it is short). A reported statement ("Croft
        rejected ...") brings the speaker's own words that follow it in the next
        paragraph, as news reports elaborate a summary with the quote.
        """
        index = self.retriever.index
        tvec = self.retriever.embedder.encode_query(topic)
        t_terms = terms(topic)
        ranked = []
        for doc_id, st in found:
            text = index.documents[doc_id].text
            scores = [self._topic_score(index.passages.sentence_row(doc_id, s), text[s:e], tvec, t_terms) for s, e in st.sentences]
            ranked.append((max(scores), doc_id, st, scores))
        ranked.sort(key=lambda r: -r[0])
        if ranked[0][0] < TOPIC_MIN:
            return []  # nothing this speaker said is about the topic
        best_score, doc_id, st, scores = ranked[0]
        chosen = [(doc_id, st, scores)]
        for score, d, other, sc in ranked[1:]:
            if len(chosen) >= self.settings.max_answer_sentences:
                break
            if score >= max(TOPIC_MIN, 0.7 * best_score):
                chosen.append((d, other, sc))
        text = index.documents[doc_id].text
        if not is_direct(text, st):
            # the quote that elaborates a reported statement, if it follows in the next paragraph
            following = sorted((r for r in ranked if r[1] == doc_id and r[2].sentences[0][0] >= st.sentences[-1][1]),
                               key=lambda r: r[2].sentences[0][0])
            if (following and following[0][0] >= 0.25 * best_score and is_direct(text, following[0][2])
                    and text[st.sentences[-1][1] : following[0][2].sentences[0][0]].count("\n\n") <= 1
                    and all(following[0][2] is not c[1] for c in chosen)):
                chosen.append(following[0][1:])
        units = [self._best_span(d, other, sc) for d, other, sc in chosen]
        return sorted(units, key=lambda u: (u.pid, u.start))

    def _best_span(self, doc_id: str, st: Statement, scores: list[float]) -> _Unit:
        """The best sentence of a statement, widened to a close-scoring neighbour, or the whole statement if short."""
        text = self.retriever.index.documents[doc_id].text
        sents = st.sentences
        whole = sum(len(text[s:e].split()) for s, e in sents)
        if len(sents) <= 2 and whole <= 45:
            return self._unit(doc_id, sents[0][0], sents[-1][1], max(scores))
        i = int(np.argmax(scores))
        lo = hi = i
        for j in (i - 1, i + 1):
            if 0 <= j < len(sents) and scores[j] >= 0.85 * scores[i]:
                lo, hi = min(lo, j), max(hi, j)
                break
        return self._unit(doc_id, sents[lo][0], sents[hi][1], scores[i])

    def _text(self, ev: Evidence) -> str:
        return self._span_text(ev.pid, ev.start, ev.end)

    def _span_text(self, pid: int, start: int, end: int) -> str:
        index = self.retriever.index
        return index.documents[index.passages[pid].doc_id].text[start:end]

    def _topic_score(self, row: int | None, text: str, tvec: np.ndarray, t_terms: list[str]) -> float:
        """How much a sentence is about a topic: 0.6 cosine + 0.4 IDF-weighted word overlap."""
        # about a topic is a question about the sentence alone (see Retriever.sentence_alone)
        sim = float(self.retriever.sentence_alone(row, text) @ tvec) if row is not None else 0.0
        return 0.6 * sim + 0.4 * self.retriever.lexical_overlap(t_terms, text)

    def _unit(self, doc_id: str, start: int, end: int, score: float) -> _Unit:
        """The unit for a span, cut to the passage that holds its start."""
        pid = self.retriever.index.passages.at(doc_id, start)
        if pid is not None:
            return _Unit(pid, start, min(end, self.retriever.index.passages[pid].end), score)
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
        parts, sentences = [], []
        for u in units:
            key = (u.pid, u.start, u.end)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                citations.append(self._citation(numbers[key], u))
            text = balance_quotes(index.documents[index.passages[u.pid].doc_id].text[u.start : u.end])
            parts.append(f"{text} [{numbers[key]}]")
            sentences.append(AnswerSentence(text, [numbers[key]], True))
        body = "\n".join(f"- {p}" for p in parts) if bullets else " ".join(parts)
        return Answer(question, body, False, citations, query, sentences=sentences)

    def _refuse(self, question: str, query: str, evidence: list[Evidence]) -> Answer:
        nearest, seen = [], set()
        for ev in evidence:
            if ev.pid not in seen:
                seen.add(ev.pid)
                nearest.append(self._citation(len(nearest) + 1, _Unit(ev.pid, ev.start, ev.end, ev.score)))
            if len(nearest) == 3:
                break
        return Answer(question, REFUSAL, True, [], query, nearest)
