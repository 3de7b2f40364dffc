"""The extractive answer engine: compose an answer from source sentences, each cited.

No language model: a question is analysed (rag/answer/analysis.py), the top passages are
retrieved and read (rag/answer/candidates.py, with the reader when there is one), and a
composer for the question's type picks the sentences and the short answer
(rag/answer/compose.py). Every sentence of an answer is a sentence of a source, quote marks
balanced, followed by its [n]. The answer is a refusal without citations when the
question is not about the sources, names something the sources never mention, the
reader finds no answer, or the chosen evidence does not hold the question's key terms.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..search.retrieval import Evidence, Retriever
from ..search.scope import Scope, active_scope
from ..settings import Settings
from ..text import nlp
from ..text.attribution import TITLES, Statement, is_direct, name_words
from ..text.links import Links, acronym_letters, initials
from ..text.terms import terms, words
from . import compose
from .analysis import QuestionAnalysis, analyze
from .candidates import (
    Candidate,
    ReaderVerdict,
    Readings,
    neighbours,
    rank,
    read_evidence,
)
from .coverage import Coverage, coverage, name_groups
from .types import (
    NOT_ABOUT_SOURCES,
    REFUSAL,
    Answer,
    AnswerSentence,
    Citation,
    Span,
    balance_quotes,
)
from .vocabulary import Vocabulary

# question types the reader's "no answer" may refuse, and whose evidence must cover the key terms
READER_GATED = ("factoid", "why", "how")
# the reader reads for those types only: it is trained to find a phrase that answers, which for "who
# said ..." lies outside the quoted sentence, and it was never trained on yes/no questions or definitions
READER_READS = READER_GATED
COVERAGE_GATED = ("factoid", "why", "how", "who_said")
_SHORT_TYPES = ("factoid", "who_said", "definition", "list", "yes_no")


@dataclass
class Asked:
    """One question being answered: what the composers see."""

    engine: "ExtractiveEngine"
    question: str
    query: str
    analysis: QuestionAnalysis
    qvec: np.ndarray
    hits: list
    evidence: list[Evidence]
    readings: Readings | None
    candidates: list[Candidate] = field(default_factory=list)  # ranked by ``decide`` with the current settings

    @property
    def verdict(self) -> ReaderVerdict | None:
        return self.readings.verdict if self.readings else None


class ExtractiveEngine:
    """Composes cited answers from the retriever's evidence; see the module docstring."""

    def __init__(self, retriever: Retriever, settings: Settings, reader=None):
        self.retriever = retriever
        self.index = retriever.index
        self.settings = settings
        self.reader = reader
        self.statements = self.index.statements  # per document, attributed by the build
        self.links: dict[str, Links] = self.index.links
        self.vocabulary = Vocabulary(self.index.surface_words)
        self.acronyms = {k for lk in self.links.values() for k in lk.acronyms}
        self.people = {short for lk in self.links.values() for short in lk.names}
        # speaker name word -> (document rank, statement rank): "What did X say?" looks up, not scans
        self._by_speaker: dict[str, list[tuple[int, int]]] = {}
        self._by_sentence: dict[tuple[str, int], Statement] = {}
        self._doc_order = list(self.statements)
        for d, (doc_id, sts) in enumerate(self.statements.items()):
            for i, st in enumerate(sts):
                for w in st.speaker:
                    self._by_speaker.setdefault(w, []).append((d, i))
                for s, _ in st.sentences:
                    self._by_sentence[(doc_id, s)] = st

    # -- answering -----------------------------------------------------------------
    def retrieve(self, query: str, passages: int, scope: Scope | None = None) -> tuple[np.ndarray, list, list[Evidence]]:
        """The query vector, the top passages (at least ``passages``, at least 10) and their evidence sentences,
        from ``scope``'s documents only (default: the scope of the question being answered, rag.search.scope)."""
        r = self.retriever
        qvec = r.embedder.encode_query(query)
        hits = r.search(query, k=max(10, passages), qvec=qvec, scope=scope or active_scope())
        return qvec, hits, r.evidence(query, hits, qvec=qvec)

    def is_person(self, name: str) -> bool:
        """Whether a name is one the sources use for a person (a short name linked to a full one)."""
        return any(w.lower() in self.people for w in name.split())

    def answer(self, question: str, standalone: str | None = None) -> Answer:
        """Answer ``standalone`` (the question after follow-up resolution)."""
        asked = self.prepare(question, standalone)
        return asked if isinstance(asked, Answer) else self.decide(asked)

    def prepare(self, question: str, standalone: str | None = None) -> "Asked | Answer":
        """What answering needs that no scoring setting changes: the analysis, retrieval and the reader's
        readings; or a refusal already (a request, names the sources never mention, no evidence)."""
        query = (standalone or question).strip()
        a = analyze(query)
        if a.qtype == "request":
            return self.refuse(question, query, [], a, NOT_ABOUT_SOURCES)
        s = self.settings.scoring
        # a summary or a list is searched for by what it is about, without the request's own words
        search = a.topic if a.qtype in ("summary", "list") and a.topic else query
        qvec, hits, evidence = self.retrieve(search, s.evidence_passages)
        if self.missing_names(a) or not evidence:
            return self.refuse(question, query, evidence, a)
        reader = self.reader if a.qtype in READER_READS else None
        readings = read_evidence(evidence, self.index, reader, query, s.reader_passages)
        return Asked(self, question, query, a, qvec, hits, evidence, readings)

    def decide(self, asked: Asked) -> Answer:
        """Rank the candidates, then refuse or compose, with the current scoring settings."""
        s, a = self.settings.scoring, asked.analysis
        asked.candidates = rank(asked.evidence, self.index, asked.readings, s.reader_weight)
        composed = None if self.gated(asked) else compose.COMPOSERS[a.qtype](asked)
        if composed is None or not composed.spans or not self.covers(asked, composed):
            return self.refuse(asked.question, asked.query, asked.evidence, a)
        return self.render(asked.question, asked.query, a, composed)

    def gated(self, asked: Asked) -> bool:
        """Whether the question is refused before any composing: for the types the reader judges, no
        passage read is answerable enough (without a reader: the best evidence is too weak)."""
        s, verdict = self.settings.scoring, asked.verdict
        if asked.analysis.qtype not in READER_GATED:
            return False
        return verdict.answerable < s.reader_min if verdict is not None else asked.evidence[0].score < s.min_evidence

    def covers(self, q: Asked, composed: compose.Composition) -> bool:
        """Whether the answer's sentences (with their neighbours and speakers) hold the question's key terms."""
        if q.analysis.qtype not in COVERAGE_GATED + ("yes_no",):
            return True
        first = composed.spans[0]
        doc_id = self.index.passages[first.pid].doc_id
        parts = [self.text(doc_id, sp.start, sp.end) for sp in composed.spans if self.index.passages[sp.pid].doc_id == doc_id]
        cand = Candidate(first.pid, doc_id, -1, first.start, first.end, 0.0, 0.0)
        parts += [self.text(doc_id, *side) for side in neighbours(self.index, cand) if side is not None]
        for sp in composed.spans:
            st = self.statement_at(doc_id, sp.start)
            if st is not None:
                parts.append(self.full_name(doc_id, st.speaker))
        title = self.index.documents[doc_id].title  # what a whole document is about
        window = self.coverage_of(q.analysis, " ".join(parts + [title]), doc_id)
        if q.analysis.qtype == "yes_no":
            # "Yes" needs every name and number in the cited passage (news names someone once, then says "he")
            passages = " ".join([self.index.passages[sp.pid].text for sp in composed.spans] + parts + [title])
            return window.names or self.coverage_of(q.analysis, passages, doc_id).names
        # names and numbers count in the IDF-weighted share like other key terms: a question names many
        # things the answer sentence needn't repeat (docs/TUNING.md, "How the reader's scores are used")
        return window.share >= self.settings.scoring.coverage_min

    def coverage_of(self, a: QuestionAnalysis, text: str, doc_id: str) -> Coverage:
        return coverage(a.key_terms, text, self.retriever.idf, [self.links[doc_id]] if doc_id in self.links else [])

    def missing_names(self, a: QuestionAnalysis) -> list[str]:
        """Names and numbers of the question that occur nowhere in the sources (by word, or as an abbreviation)."""
        missing = []
        for group in name_groups(a.key_terms):
            absent = [t.text for t in group if not self.vocabulary.contains(t.text)]
            letters = acronym_letters(group[0].text) if len(group) == 1 else initials(" ".join(t.text for t in group))
            if absent and not (letters and letters in self.acronyms and len(letters) > 1):
                missing += absent
        for t in a.key_terms:
            ordinal = re.fullmatch(r"\d+(st|nd|rd|th)", t.text.lower())  # often spelled out in the sources
            if t.kind == "number" and any(ch.isdigit() for ch in t.text) and not ordinal and not self.vocabulary.contains(t.text):
                missing.append(t.text)
        return missing

    # -- spans and text -----------------------------------------------------------------
    def text(self, doc_id: str, start: int, end: int) -> str:
        return self.index.documents[doc_id].text[start:end]

    def span(self, doc_id: str, start: int, end: int, score: float) -> Span:
        """The span of [start, end), cut to the passage that holds its start."""
        pid = self.index.passages.at(doc_id, start)
        if pid is None:
            raise ValueError("span outside every passage")
        return Span(pid, start, min(end, self.index.passages[pid].end), score)

    def spans_between(self, doc_id: str, lo: int, hi: int, score: float) -> list[Span]:
        """The sentences within [lo, hi), one span per passage they fall in."""
        out: list[Span] = []
        for s, e in self.index.passages.document_sentences(doc_id):
            if s >= lo and e <= hi:
                pid = self.index.passages.at(doc_id, s)
                if out and out[-1].pid == pid:
                    out[-1] = Span(pid, out[-1].start, e, score)
                else:
                    out.append(Span(pid, s, e, score))
        return out or [self.span(doc_id, lo, hi, score)]

    def evidence_spans(self, candidates: list[Candidate], query: str) -> list[Span]:
        """The best sentence; a neighbour in its passage that scores nearly as well joins it (one citation
        for the run); another sentence is added only when it scores nearly as well and brings query terms
        the answer so far lacks (IDF-weighted share of the query)."""
        s = self.settings.scoring
        best = candidates[0]
        start, end = best.start, best.end
        for c in candidates[1:]:
            if c.pid != best.pid or c.score < s.neighbour_ratio * best.score:
                continue
            between = self._sentences_between(best.pid, c.end, start) if c.end <= start else \
                self._sentences_between(best.pid, end, c.start) if c.start >= end else True
            if not between:
                start, end = min(start, c.start), max(end, c.end)
                break
        spans = [Span(best.pid, start, end, best.score)]
        q_terms = set(terms(query))
        weight = sum(self.retriever.idf(t) for t in q_terms) or 1.0
        covered = q_terms & set(terms(self.text(best.doc_id, start, end)))
        for c in candidates[1:4]:
            if len(spans) >= s.max_answer_sentences:
                break
            if c.pid == best.pid and start <= c.start < end:
                continue
            brings = (q_terms & set(terms(self.text(c.doc_id, c.start, c.end)))) - covered
            gain = sum(self.retriever.idf(t) for t in brings) / weight
            if c.score >= s.second_sentence_ratio * best.score and gain >= s.second_sentence_gain:
                spans.append(Span(c.pid, c.start, c.end, c.score))
                covered |= brings
        return spans

    def _sentences_between(self, pid: int, a: int, b: int) -> bool:
        return any(a <= s and e <= b for s, e in self.index.passages[pid].sentences)

    # -- speakers -------------------------------------------------------------------------
    def statements_of(self, who: str) -> list[tuple[str, Statement]]:
        """(doc_id, statement) for every statement whose speaker shares a name word with ``who``, in document order."""
        hits = sorted({hit for w in name_words(who) for hit in self._by_speaker.get(w, ())})
        return [(self._doc_order[d], self.statements[self._doc_order[d]][i]) for d, i in hits]

    def statement_at(self, doc_id: str, start: int) -> Statement | None:
        """The statement holding the sentence that starts at ``start``, if it is attributed."""
        return self._by_sentence.get((doc_id, start))

    def full_name(self, doc_id: str, speaker: frozenset[str]) -> str:
        """The fullest mention of a speaker in the document ("British Major General Rupert Jones")."""
        links = self.links.get(doc_id)
        for w in sorted(speaker, key=len, reverse=True):
            if links and w in links.names:
                return links.names[w]
        text = self.index.documents[doc_id].text
        found = [m.group(0) for w in speaker for m in re.finditer(rf"\b{re.escape(w)}\b", text, re.I)]
        return max(found, key=len) if found else " ".join(sorted(speaker)).title()

    def naming_sentence(self, doc_id: str, st: Statement) -> tuple[int, int] | None:
        """The sentence of a statement that names its speaker (the attribution), if any."""
        for s, e in st.sentences:
            if name_words(self.text(doc_id, s, e)) & st.speaker:
                return s, e
        return None

    def statement_spans(self, who: str, topic: str | None, qvec: np.ndarray, limit: int | None = None) -> list[Span]:
        """Statements by ``who`` (all, or the ones about ``topic``) as citable spans, in document order."""
        found = self.statements_of(who)
        if not found:
            return []
        if topic:
            spans = self._statements_about(found, topic)
            return spans[:limit] if limit else spans
        spans: list[Span] = []
        for doc_id, st in found[: limit or self.settings.scoring.max_statements]:
            s, e = st.sentences[0]
            # a short opening ("It is riddled with assertion.") reads better with the next sentence
            if len(st.sentences) > 1 and len(self.text(doc_id, s, e).split()) < 10:
                e = st.sentences[1][1]
            row = self.index.passages.sentence_row(doc_id, s)
            score = float(self.index.sentence_vectors[row] @ qvec) if row is not None else 0.0
            spans.append(self.span(doc_id, s, e, score))
        return spans

    def _statements_about(self, found: list[tuple[str, Statement]], topic: str) -> list[Span]:
        """The speaker's statements most relevant to ``topic``.

        Each statement is shown by its best sentence (with a neighbour that scores
        nearly as well, or whole when it is short). A reported statement ("Croft
        rejected ...") brings the speaker's own words that follow it in the next
        paragraph, as news reports elaborate a summary with the quote.
        """
        s = self.settings.scoring
        tvec = self.retriever.embedder.encode_query(topic)
        t_terms = terms(topic)
        ranked = []
        for doc_id, st in found:
            scores = [self.topic_score(self.index.passages.sentence_row(doc_id, a), self.text(doc_id, a, b), tvec, t_terms)
                      for a, b in st.sentences]
            ranked.append((max(scores), doc_id, st, scores))
        ranked.sort(key=lambda r: -r[0])
        if ranked[0][0] < s.topic_min:
            return []  # nothing this speaker said is about the topic
        best_score, doc_id, st, _ = ranked[0]
        chosen = [ranked[0][1:]]
        for score, d, other, sc in ranked[1:]:
            if len(chosen) >= s.max_answer_sentences:
                break
            if score >= max(s.topic_min, 0.7 * best_score):
                chosen.append((d, other, sc))
        text = self.index.documents[doc_id].text
        if not is_direct(text, st):
            # the quote that elaborates a reported statement, if it follows in the next paragraph
            following = sorted((r for r in ranked if r[1] == doc_id and r[2].sentences[0][0] >= st.sentences[-1][1]),
                               key=lambda r: r[2].sentences[0][0])
            if (following and following[0][0] >= 0.25 * best_score and is_direct(text, following[0][2])
                    and text[st.sentences[-1][1] : following[0][2].sentences[0][0]].count("\n\n") <= 1
                    and all(following[0][2] is not c[1] for c in chosen)):
                chosen.append(following[0][1:])
        spans = [self._best_span(d, other, sc) for d, other, sc in chosen]
        return sorted(spans, key=lambda u: (u.pid, u.start))

    def _best_span(self, doc_id: str, st: Statement, scores: list[float]) -> Span:
        """The best sentence of a statement, widened to a close-scoring neighbour, or the whole statement if short."""
        sents = st.sentences
        whole = sum(len(self.text(doc_id, s, e).split()) for s, e in sents)
        if len(sents) <= 2 and whole <= 45:
            return self.span(doc_id, sents[0][0], sents[-1][1], max(scores))
        i = int(np.argmax(scores))
        lo = hi = i
        for j in (i - 1, i + 1):
            if 0 <= j < len(sents) and scores[j] >= 0.85 * scores[i]:
                lo, hi = min(lo, j), max(hi, j)
                break
        return self.span(doc_id, sents[lo][0], sents[hi][1], scores[i])

    def topic_score(self, row: int | None, text: str, tvec: np.ndarray, t_terms: list[str]) -> float:
        """How much a sentence is about a topic: 0.6 cosine + 0.4 IDF-weighted word overlap."""
        # about a topic is a question about the sentence alone (see Retriever.sentence_alone)
        sim = float(self.retriever.sentence_alone(row, text) @ tvec) if row is not None else 0.0
        return 0.6 * sim + 0.4 * self.retriever.lexical_overlap(t_terms, text)

    # -- definitions, lists, summaries ----------------------------------------------------
    def introduction(self, focus: str, candidates: list[Candidate]) -> tuple[str, tuple[int, int], str] | None:
        """Where the sources introduce ``focus``: (doc_id, sentence, short answer).

        An abbreviation: the first sentence holding its long form, whose short answer is
        the long form. A name: the first sentence holding its fullest mention, whose short
        answer is that mention with its apposition ("..., the top commander of ...").
        """
        docs = list(dict.fromkeys([c.doc_id for c in candidates] + list(self.links)))
        letters = acronym_letters(focus)
        for doc_id in docs:
            links = self.links.get(doc_id)
            if links is None:
                continue
            if letters and links.acronyms.get(letters):
                # the long form where the text introduces the abbreviation: its last use before the first abbreviation
                long = links.acronyms[letters]
                text = self.index.documents[doc_id].text
                first_use = re.search(rf"(?<![\w.]){re.escape(focus)}(?![\w])", text)
                before = text.rfind(long, 0, first_use.start()) if first_use else -1
                return self._sentence_at(doc_id, before if before >= 0 else text.find(long), long)
            last = focus.split()[-1].split("-")[-1].lower() if focus.split() else ""
            full = links.names.get(last)
            if full and all(w.lower() in full.lower() for w in focus.split()):
                found = self._sentence_at(doc_id, self.index.documents[doc_id].text.find(full), full)
                if found:
                    doc_id, sent, _ = found
                    return doc_id, sent, self._with_apposition(doc_id, sent, full)
        return None

    def _sentence_at(self, doc_id: str, at: int, short: str) -> tuple[str, tuple[int, int], str] | None:
        """(doc_id, the sentence holding offset ``at``, short) or None."""
        if at < 0:
            return None
        for s, e in self.index.passages.document_sentences(doc_id):
            if s <= at < e:
                return doc_id, (s, e), short
        return None

    def _with_apposition(self, doc_id: str, sent: tuple[int, int], mention: str) -> str:
        """``mention`` with the apposition the parser attaches to it (", the top commander of the ...,")."""
        text = self.text(doc_id, *sent)
        at = text.find(mention)
        if at < 0:
            return mention
        doc = nlp.parse(text)
        inside = [t for t in doc if at <= t.idx < at + len(mention)]
        for t in inside:
            for child in t.children:
                if child.dep_ == "appos" and child.i > inside[-1].i:
                    phrase = doc[child.left_edge.i : child.right_edge.i + 1].text.strip(" ,")
                    if len(phrase.split()) <= 20:
                        return f"{mention}, {phrase}"
        return mention

    def canonical(self, doc_id: str, name: str) -> str:
        """One key for the names of one thing: "Jones" and "Rupert Jones" alike, "AI" as "Amnesty International"."""
        name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I)
        links = self.links.get(doc_id)
        expanded = (links.expand(name) or links.expand(name.split()[-1])) if links and name.split() else None
        return " ".join(words(expanded or name)).lower()

    def list_passages(self, hits: list) -> list[int]:
        """Where a list question's items are looked for: every passage of the top hits' documents, in
        document order, up to ``list_passages`` per document (a list is of what the sources mention)."""
        cap = self.settings.scoring.list_passages
        out: list[int] = []
        for doc_id in dict.fromkeys(self.index.passages[h.pid].doc_id for h in hits[:3]):
            out.extend(list(self.index.passages.of_document(doc_id))[:cap])
        return out

    def speakers(self, hits: list, people_only: bool = False) -> list[tuple[str, Span]]:
        """Everyone quoted in the top hits' documents, in order of first statement: (name, the sentence
        naming them); ``people_only`` keeps the speakers the document names as people (rag/text/links.py)."""
        out: dict[str, tuple[str, Span]] = {}
        for doc_id in dict.fromkeys(self.index.passages[h.pid].doc_id for h in hits[:3]):
            links = self.links.get(doc_id)
            for st in self.statements.get(doc_id, []):
                if people_only and not (links and st.speaker & set(links.names)):
                    continue
                name = self.full_name(doc_id, st.speaker)
                key = self.canonical(doc_id, name)
                if key not in out:
                    s, e = self.naming_sentence(doc_id, st) or st.sentences[0]
                    out[key] = (self.short_name(name), self.span(doc_id, s, e, 1.0))
        return list(out.values())

    @staticmethod
    def short_name(full: str) -> str:
        """"U.S. Army Lt. General Stephen Townsend" -> "Stephen Townsend": the last name word and the
        capitalised word before it, unless that is a title."""
        words_ = full.split()
        if len(words_) >= 2 and words_[-2][:1].isupper() and words_[-2].lower().strip(".") not in TITLES:
            return " ".join(words_[-2:])
        return words_[-1] if words_ else full

    def best_statement(self, who: str, topic: str) -> list[Span]:
        """The statement of ``who`` most about ``topic`` (direct quotes first), as one span; [] if none."""
        found = self.statements_of(who)
        if not found:
            return []
        tvec = self.retriever.embedder.encode_query(topic)
        t_terms = terms(topic)
        best = None
        for doc_id, st in found:
            scores = [self.topic_score(self.index.passages.sentence_row(doc_id, a), self.text(doc_id, a, b), tvec, t_terms)
                      for a, b in st.sentences]
            key = (is_direct(self.index.documents[doc_id].text, st), max(scores))
            if best is None or key > best[0]:
                best = (key, doc_id, st, scores)
        _, doc_id, st, scores = best
        return [self._best_span(doc_id, st, scores)]

    def embed(self, text: str) -> np.ndarray:
        return self.retriever.embedder.encode_query(text)

    def embed_many(self, texts: list[str]) -> np.ndarray:
        return self.retriever.embedder.encode(texts)

    def overview(self, hits: list, k: int) -> tuple[list[Span], list[str]]:
        """About ``k`` sentences covering the top hits' documents (up to three, in rank order), each
        document's in its own order: the sentences closest to the document's centre (the mean of its
        sentence vectors), picked by maximal marginal relevance; labels name the documents when several."""
        docs = list(dict.fromkeys(self.index.passages[h.pid].doc_id for h in hits))[:3]
        per_doc = max(1, round(k / len(docs))) if docs else 0
        spans, labels = [], []
        for doc_id in docs:
            rows, sents = [], []
            for pid in self.index.passages.of_document(doc_id):
                p = self.index.passages[pid]
                rows.extend(self.index.passage_sentences(pid))
                sents.extend((pid, s, e) for s, e in p.sentences)
            vecs = np.asarray(self.index.sentence_vectors[rows[0] : rows[-1] + 1]) if rows else np.zeros((0, 1))
            if not len(vecs):
                continue
            centre = vecs.mean(axis=0)
            pool = [Candidate(pid, doc_id, row, s, e, float(v @ centre), 0.0)
                    for (pid, s, e), row, v in zip(sents, rows, vecs) if len(self.text(doc_id, s, e).split()) >= 6]
            pool.sort(key=lambda c: -c.score)
            chosen = sorted(self.diverse(pool, per_doc), key=lambda c: c.start)
            spans += [Span(c.pid, c.start, c.end, c.score) for c in chosen]
            labels += [self.index.documents[doc_id].title if len(docs) > 1 else ""] * len(chosen)
        return spans, labels

    def diverse(self, candidates: list[Candidate], k: int) -> list[Candidate]:
        """Up to ``k`` candidates by maximal marginal relevance: relevant, and unlike those already chosen."""
        s = self.settings.scoring
        pool = [c for c in candidates if c.score >= s.summary_min_ratio * candidates[0].score] if candidates else []
        if not pool:
            return []
        vecs = np.stack([np.asarray(self.index.sentence_vectors[c.row]) for c in pool])
        chosen: list[int] = [0]
        while len(chosen) < min(k, len(pool)):
            sims = vecs @ vecs[chosen].T
            mmr = [s.mmr_lambda * c.score - (1 - s.mmr_lambda) * float(sims[i].max()) if i not in chosen else -np.inf
                   for i, c in enumerate(pool)]
            i = int(np.argmax(mmr))
            if mmr[i] == -np.inf or float(sims[i].max()) > s.summary_max_similarity:
                break
            chosen.append(i)
        return [pool[i] for i in chosen]

    # -- output -------------------------------------------------------------------------------
    def citation(self, n: int, span: Span) -> Citation:
        """Citation ``n`` of a span: its passage, the span's offsets, and the page(s) and section of the
        span itself (a passage may run over a page break; the reader needs the cited sentence's page)."""
        p = self.index.passages[span.pid]
        doc = self.index.documents[p.doc_id]
        page, page_end, section = self.index.place(doc.doc_id, span.start, span.end)
        return Citation(n, doc.doc_id, doc.source, doc.title, p.start, p.end, p.text, round(float(span.score), 4),
                        span.start, span.end, page, page_end, section)

    def render(self, question: str, query: str, a: QuestionAnalysis, composed: compose.Composition) -> Answer:
        """The answer text: the short answer, then each span quoted and cited (bullets for several items)."""
        citations: list[Citation] = []
        numbers: dict[tuple[int, int, int], int] = {}
        parts, sentences = [], []
        for i, sp in enumerate(composed.spans):
            key = (sp.pid, sp.start, sp.end)
            if key not in numbers:
                numbers[key] = len(citations) + 1
                citations.append(self.citation(numbers[key], sp))
            doc_id = self.index.passages[sp.pid].doc_id
            text = balance_quotes(self.text(doc_id, sp.start, sp.end))
            label = composed.labels[i] if i < len(composed.labels) else ""
            parts.append(f"{label}: {text} [{numbers[key]}]" if label and label not in text[: len(label) + 40]
                         else f"{text} [{numbers[key]}]")
            sentences.append(AnswerSentence(text, [numbers[key]], True))
        body = "\n".join(f"- {p}" for p in parts) if composed.bullets else " ".join(parts)
        short = composed.short if a.qtype in _SHORT_TYPES else None
        lead = f"{short}." if a.qtype == "yes_no" and short in ("Yes", "No") else f"{short}:" if short else ""
        text = f"{lead}\n{body}" if lead else body
        return Answer(question, text, False, citations, query, sentences=sentences, question_type=a.qtype,
                      short_answer=short if short not in (None, "The sources say") else None)

    def refuse(self, question: str, query: str, evidence: list[Evidence], a: QuestionAnalysis | None = None,
               message: str = REFUSAL) -> Answer:
        """A refusal, with the nearest passages shown as "not an answer"."""
        nearest, seen = [], set()
        for ev in evidence:
            if ev.pid not in seen:
                seen.add(ev.pid)
                nearest.append(self.citation(len(nearest) + 1, Span(ev.pid, ev.start, ev.end, ev.score)))
            if len(nearest) == 3:
                break
        return Answer(question, message, True, [], query, nearest, question_type=a.qtype if a else "")
