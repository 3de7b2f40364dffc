"""One composer per question type: which source sentences answer, in what order, with what short answer.

A composer returns a :class:`Composition` (the spans to quote and cite, a short answer,
labels for list items) or None when the evidence does not answer this kind of question,
which the engine turns into a refusal. Every quoted span is a run of source sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..text import nlp
from .analysis import ANSWER_LABELS, SPEECH_LEMMAS, analyze
from .candidates import Candidate, neighbours
from .types import Span

if TYPE_CHECKING:
    from .extractive import Asked


@dataclass
class Composition:
    """Spans to quote (each cited), in answer order; ``labels`` name list items or comparison sides."""

    spans: list[Span]
    short: str | None = None
    bullets: bool = False
    labels: list[str] = field(default_factory=list)


def _typed_entities(text: str, offset: int, labels: set[str], exclude: set[str]) -> list[nlp.Entity]:
    """Entities of ``labels`` in ``text`` (shifted to document offsets), not named in the question; a
    person or organisation must look like a name (capitalised words)."""
    out = []
    for e in nlp.entities(text):
        if e.label not in labels or e.text.lower() in exclude or any(w in exclude for w in e.text.lower().split()):
            continue
        if e.label in ("PERSON", "ORG") and not all(w[:1].isupper() or not w[:1].isalpha() or len(w) <= 3
                                                    for w in e.text.split()):
            continue
        out.append(nlp.Entity(e.start + offset, e.end + offset, e.label, e.text))
    return out


def _closest(ents: list[nlp.Entity], span: tuple[int, int] | None) -> nlp.Entity:
    """The entity overlapping the reader's span, else the nearest to it, else the first."""
    if span is None:
        return ents[0]
    return min(ents, key=lambda e: 0 if e.start < span[1] and span[0] < e.end else min(abs(e.start - span[1]), abs(span[0] - e.end)) + 1)


def factoid(q: "Asked") -> Composition | None:
    """A short answer of the expected type and the sentence it comes from (with the neighbour that holds it)."""
    a, engine, s = q.analysis, q.engine, q.engine.settings.scoring
    labels = ANSWER_LABELS.get(a.answer_type or "")
    if not q.candidates:
        return None
    if labels is None:
        return Composition(engine.evidence_spans(q.candidates, q.query), _reader_short(q, q.candidates[0]))
    asked = {t.text.lower() for t in a.key_terms}
    if a.answer_type == "AGENT":  # "who": a person if any, else a body that acts like one
        return _typed(q, ANSWER_LABELS["PERSON"], asked) or _typed(q, labels, asked)
    found = _typed(q, labels, asked)
    if found is None and not a.strict_type:
        # "which era", "what company": the noun names a kind the entity model may not tag; the best sentence
        return Composition(engine.evidence_spans(q.candidates, q.query), _reader_short(q, q.candidates[0]))
    return found


def _typed(q: "Asked", labels: set[str], asked: set[str]) -> Composition | None:
    """The best candidate (or its neighbour) holding an entity of ``labels``; None if the top ones hold none."""
    engine, s = q.engine, q.engine.settings.scoring
    best = q.candidates[0].score
    for cand in q.candidates[: s.type_candidates]:
        if cand.score < s.type_ratio * best:
            break
        text = engine.text(cand.doc_id, cand.start, cand.end)
        ents = _typed_entities(text, cand.start, labels, asked)
        if ents:
            e = _closest(ents, cand.span)
            return Composition([engine.span(cand.doc_id, cand.start, cand.end, cand.score)], e.text)
        for side in neighbours(engine.index, cand):  # the date in the next sentence, the name in the one before
            if side is None:
                continue
            ents = _typed_entities(engine.text(cand.doc_id, *side), side[0], labels, asked)
            if ents:
                lo, hi = min(side[0], cand.start), max(side[1], cand.end)
                return Composition(engine.spans_between(cand.doc_id, lo, hi, cand.score), ents[0].text)
    return None


def _reader_short(q: "Asked", cand: Candidate) -> str | None:
    """The reader's answer inside the best sentence, when it is a phrase rather than the whole sentence."""
    if cand.span is None:
        return None
    text = q.engine.text(cand.doc_id, *cand.span).strip(" ,.;:“”\"")
    whole = q.engine.text(cand.doc_id, cand.start, cand.end)
    return text if text and len(text.split()) <= 12 and len(text) < 0.8 * len(whole) else None


def who_said(q: "Asked") -> Composition | None:
    """The speaker (full name from the document's links) of the statement holding the best matching sentence."""
    engine = q.engine
    for cand in q.candidates[:3]:
        st = engine.statement_at(cand.doc_id, cand.start)
        if st is None:
            continue
        name = engine.full_name(cand.doc_id, st.speaker)
        lo, hi = st.sentences[0][0], st.sentences[-1][1]
        if hi - lo > 600:  # a long quotation: the sentence, and the one naming the speaker
            lo, hi = cand.start, cand.end
            named = engine.naming_sentence(cand.doc_id, st)
            if named is not None:
                lo, hi = min(lo, named[0]), max(hi, named[1])
        return Composition(engine.spans_between(cand.doc_id, lo, hi, cand.score), name)
    return factoid(q)


def what_said(q: "Asked") -> Composition | None:
    """What the speaker said: every statement, or the ones about the topic."""
    a, engine = q.analysis, q.engine
    spans = engine.statement_spans(a.speaker or "", a.topic, q.qvec)
    if spans:
        return Composition(spans, bullets=len(spans) > 1)
    if not engine.statements_of(a.speaker or ""):
        return factoid(q)  # no statement of that speaker at all: answer from the evidence
    return None


def definition(q: "Asked") -> Composition | None:
    """What an abbreviation stands for, or who someone is: the full mention with its apposition, cited."""
    a, engine = q.analysis, q.engine
    focus = (a.focus or "").strip()
    found = engine.introduction(focus, q.candidates) if focus else None
    if found is None:
        return factoid(q)
    doc_id, (start, end), short = found
    return Composition([engine.span(doc_id, start, end, 1.0)], short)


def explanation(q: "Asked") -> Composition | None:
    """Why / how: the best sentence with the neighbour that scores better (reasons follow or precede claims)."""
    engine = q.engine
    if not q.candidates:
        return None
    best = q.candidates[0]
    before, after = neighbours(engine.index, best)
    scores = {(c.start, c.end): c.score for c in q.candidates if c.doc_id == best.doc_id}
    side = max((x for x in (before, after) if x is not None), key=lambda x: scores.get(x, -1e9), default=None)
    lo, hi = best.start, best.end
    if side is not None:
        lo, hi = min(lo, side[0]), max(hi, side[1])
    return Composition(engine.spans_between(best.doc_id, lo, hi, best.score), _reader_short(q, best))


def yes_no(q: "Asked") -> Composition | None:
    """"Yes" or "No" only when the best evidence states it: its verb matches the question's, negated or not."""
    engine = q.engine
    if not q.candidates:
        return None
    best = q.candidates[0]
    text = engine.text(best.doc_id, best.start, best.end)
    cov = engine.coverage_of(q.analysis, text, best.doc_id)
    verbs = {t.lemma_.lower() for t in nlp.parse(q.query) if t.pos_ == "VERB"}
    sentence = nlp.parse(text)
    matched = [t for t in sentence if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in verbs]
    negated = any(c.dep_ == "neg" for t in matched for c in t.children)
    if matched and negated:
        short = "No"
    elif cov.names and cov.share >= 0.999:
        short = "Yes"
    else:
        short = "The sources say"
    return Composition([engine.span(best.doc_id, best.start, best.end, best.score)], short)


def comparison(q: "Asked") -> Composition | None:
    """One cited sentence per side: each side's own statement on the topic, else its best evidence."""
    engine, a = q.engine, q.analysis
    sides = list(a.sides)[:4]
    if len(sides) < 2:
        return explanation(q)
    side_words = {w.lower() for side in sides for w in side.split()}
    topic = " ".join(t.text for t in a.key_terms if t.kind != "name" and t.text.lower() not in side_words)
    spans, labels = [], []
    for side in sides:
        found = engine.best_statement(side, topic or q.query)
        if not found:
            mention = [c for c in q.candidates if side.lower() in engine.text(c.doc_id, c.start, c.end).lower()]
            found = [engine.span(mention[0].doc_id, mention[0].start, mention[0].end, mention[0].score)] if mention else []
        if found:
            spans.append(found[0])
            labels.append(side)
    return Composition(spans, bullets=True, labels=labels) if len(spans) >= 2 else None


def list_items(q: "Asked") -> Composition | None:
    """Every distinct item of the asked kind in the top passages, each with the sentence it occurs in."""
    a, engine, s = q.analysis, q.engine, q.engine.settings.scoring
    labels = ANSWER_LABELS.get(a.answer_type or "") or {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT"}
    if a.verb in SPEECH_LEMMAS or any(t.lemma in SPEECH_LEMMAS for t in a.key_terms):  # "Who is quoted?": the speakers
        speakers = engine.speakers(q.hits, people_only=a.answer_type == "PERSON")
        if speakers:
            names = [n for n, _ in speakers][: s.list_max_items]
            return Composition([sp for _, sp in speakers][: s.list_max_items], ", ".join(names), bullets=True, labels=names)
    seen: dict[str, tuple[str, Span]] = {}
    for pid in engine.list_passages(q.hits):
        p = engine.index.passages[pid]
        for start, end in p.sentences:
            for e in _typed_entities(engine.text(p.doc_id, start, end), start, labels, set()):
                if "PERSON" not in labels and engine.is_person(e.text):
                    continue  # the entity model's ORG for a name the document uses for a person ("Abadi")
                key = engine.canonical(p.doc_id, e.text)
                if key and not any(key == k or set(key.split()) <= set(k.split()) for k in seen):
                    for k in [k for k in seen if set(k.split()) < set(key.split())]:
                        del seen[k]  # "Amnesty" seen first, "Amnesty International" now: keep the fuller name
                    seen[key] = (e.text, engine.span(p.doc_id, start, end, 1.0))
    if not seen:
        return summary(q) if a.answer_type is None else None
    names = list(seen)
    if a.topic and len(names) > 1:  # most like the kind asked for first ("news organizations")
        kind = engine.embed(a.topic)
        sims = engine.embed_many([seen[n][0] for n in names]) @ kind
        names = [names[i] for i in np.argsort(-sims, kind="stable")]
    names = names[: s.list_max_items]
    return Composition([seen[n][1] for n in names], ", ".join(seen[n][0] for n in names), bullets=True,
                       labels=[seen[n][0] for n in names])


def summary(q: "Asked") -> Composition | None:
    """A few covering sentences: the speaker's statements when the topic is what someone said, else
    the most relevant sentences chosen by maximal marginal relevance, in document order."""
    a, engine, s = q.analysis, q.engine, q.engine.settings.scoring
    if a.topic:
        inner = analyze(a.topic)
        if inner.qtype == "what_said" and inner.speaker:
            spans = engine.statement_spans(inner.speaker, inner.topic, q.qvec, limit=s.summary_sentences)
            if spans:
                return Composition(spans, bullets=len(spans) > 1)
    if not a.topic:  # the sources as a whole: the central sentences of the top documents
        spans, labels = engine.overview(q.hits, s.summary_sentences)
        return Composition(spans, bullets=True, labels=labels) if spans else None
    chosen = engine.diverse(q.candidates, s.summary_sentences)
    if not chosen:
        return None
    first = chosen[0].doc_id
    chosen.sort(key=lambda c: (c.doc_id != first, c.pid, c.start))
    return Composition([engine.span(c.doc_id, c.start, c.end, c.score) for c in chosen], bullets=len(chosen) > 1)


COMPOSERS = {
    "factoid": factoid, "who_said": who_said, "what_said": what_said, "definition": definition,
    "list": list_items, "summary": summary, "why": explanation, "how": explanation, "yes_no": yes_no,
    "comparison": comparison,
}
