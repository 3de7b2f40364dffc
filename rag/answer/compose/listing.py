"""Lists and summaries: every item of a kind, or a few covering sentences."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from ...settings import ScoringConfig
from ...text.terms import terms, words
from ..analysis import ANSWER_LABELS, SPEECH_LEMMAS, analyze
from ..asked import Asked
from ..qtypes import QType
from ..question_words import DIVISIONS
from ..rank import Candidate
from ..types import Span
from ..view import SourcesView
from .parts import Composition, name_words, prose, top_documents, typed_entities
from .speech import statement_spans
from .written_list import written_list

_ITEM_LABELS = {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "EVENT"}
DIVISION_TERMS = frozenset(terms(" ".join(DIVISIONS)))  # "section" of "the termination section" (by stem)


def list_items(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """Every distinct item of the asked kind in the top documents, each with the sentence it occurs in."""
    a = q.analysis
    labels = ANSWER_LABELS.get(a.answer_type or "") or _ITEM_LABELS
    speech = a.verb in SPEECH_LEMMAS or any(t.lemma in SPEECH_LEMMAS for t in a.key_terms)
    if a.answer_type is None and a.topic and not speech:
        # a kind the entity model has no tag for ("header files", "databases"): every name it tags would be
        # a list of whatever the documents name, so a list the documents write out, else the sentences about the
        # kind, as for a summary
        return written_list(q, view, s) or summary(q, view, s)
    if speech:  # "Who is quoted?": the speakers
        speakers = view.speakers(top_documents(q, view), people_only=a.answer_type == "PERSON")
        if speakers:
            names = [n for n, _ in speakers][: s.list_max_items]
            return Composition(
                [sp for _, sp in speakers][: s.list_max_items], ", ".join(names), bullets=True, labels=names
            )
    seen: dict[str, tuple[str, Span]] = {}
    for pid in _list_passages(q, view, s):
        p = view.index.passages[pid]
        for start, end in p.sentences:
            for e in typed_entities(view.text(p.doc_id, start, end), start, labels, set()):
                if "PERSON" not in labels and view.is_person(e.text):
                    continue  # the entity model's ORG for a name the document uses for a person
                key = view.canonical(p.doc_id, e.text)
                if key and not any(key == k or set(key.split()) <= set(k.split()) for k in seen):
                    for k in [k for k in seen if set(k.split()) < set(key.split())]:
                        del seen[k]  # "Amnesty" seen first, "Amnesty International" now: keep the fuller name
                    seen[key] = (e.text, view.span(p.doc_id, start, end, 1.0))
    # nothing of the kind tagged: a list written out, else the sentences about it; the decision weighs them
    if not seen:
        return written_list(q, view, s) or summary(q, view, s)
    names = list(seen)[: s.list_max_items]  # in the order the documents mention them
    return Composition(
        [seen[n][1] for n in names],
        ", ".join(seen[n][0] for n in names),
        bullets=True,
        labels=[seen[n][0] for n in names],
    )


def _list_passages(q: Asked, view: SourcesView, s: ScoringConfig) -> list[int]:
    """Where a list question's items are looked for: every passage of the top hits' documents, in
    document order, up to ``list_passages`` per document (a list is of what the sources mention)."""
    out: list[int] = []
    for doc_id in top_documents(q, view):
        out.extend(list(view.index.passages.of_document(doc_id))[: s.list_passages])
    return out


def summary(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """A few covering sentences: the speaker's statements when the topic is what someone said, else
    the most relevant sentences chosen by maximal marginal relevance, in document order."""
    a = q.analysis
    if a.topic:
        inner = analyze(a.topic)
        if inner.qtype == QType.WHAT_SAID and inner.speaker:
            spans = statement_spans(inner.speaker, inner.topic, q.qvec, view, s, limit=s.summary_sentences)
            if spans:
                return Composition(spans, bullets=len(spans) > 1)
    if not a.topic:  # the sources as a whole, or the documents it names: the central sentences of the top ones
        docs = top_documents(q, view, len(q.hits))
        named = titled(a.focus, view) if a.focus else []
        docs = [d for d in docs if d in named] + [d for d in named if d not in docs] if named else docs
        spans, labels = overview(docs, s.summary_sentences, view, s)
        return Composition(spans, bullets=True, labels=labels) if spans else None
    section = _section(q, view, s)
    if section:  # a topic a heading names ("security" of "2.16. Security implications"): that section's sentences
        return Composition(section, bullets=len(section) > 1)
    # coverage, not the one answer: by retrieval's evidence score, which the ranker's likelihood is not
    by_evidence = sorted(
        (c for c in q.candidates if prose(view.text(c.doc_id, c.start, c.end), s)), key=lambda c: -c.retrieval
    )
    chosen = diverse(by_evidence, s.summary_sentences, view, s)
    if not chosen:
        return None
    first = chosen[0].doc_id
    chosen.sort(key=lambda c: (c.doc_id != first, c.pid, c.start))
    return Composition([view.span(c.doc_id, c.start, c.end, c.score) for c in chosen], bullets=len(chosen) > 1)


def _section(q: Asked, view: SourcesView, s: ScoringConfig) -> list[Span]:
    """The first ``summary_sentences`` sentences of prose in the section of the first heading, in the top hits'
    documents, that holds every key term of the summary's topic but those its document's title or file name holds
    (its subsections included); none when no heading does."""
    wanted = set(terms(" ".join(t.text for t in q.analysis.key_terms)))
    if not wanted:
        return []
    for doc_id in top_documents(q, view):
        sentences = view.index.passages.document_sentences(doc_id)
        # the title and the file's name scope every heading ("staff" in "Users and groups", "threadpoolctl" of
        # threadpoolctl_readme.md in "Known Limitations")
        titled = set(terms(f"{view.title(doc_id)} {name_words(view.index.documents[doc_id].source)}"))
        for i, (start, end) in enumerate(sentences):
            if not view.is_heading(doc_id, start, end):
                continue
            heading = set(terms(view.text(doc_id, start, end)))
            if not heading & wanted or not wanted - DIVISION_TERMS <= heading | titled:
                continue
            level = view.heading_level(doc_id, start)
            spans: list[Span] = []
            for a, b in sentences[i + 1 :]:
                if len(spans) >= s.summary_sentences:
                    break
                if view.is_heading(doc_id, a, b):
                    # a section the document marks holds its subsections ("9. Massif" its "9.1. Overview") and the
                    # lines only the text shows as headings (a contents list's); one only the text shows ends there
                    inner = view.heading_level(doc_id, a)
                    if level is None or (inner is not None and inner <= level):
                        break
                    continue
                if prose(view.text(doc_id, a, b), s):
                    spans.append(view.span(doc_id, a, b, 1.0))
            if spans:
                return spans
    return []


def titled(name: str, view: SourcesView) -> list[str]:
    """The documents whose title or file name holds every word of ``name`` ("Ninja" of "the Ninja manual")."""
    wanted = {w.lower() for w in words(name)}
    out = []
    for doc_id, doc in view.index.documents.items():
        # its words, and its parts too: "spec" of "shared-mime-info-spec.pdf"
        own = {w.lower() for w in words(f"{doc.title} {Path(doc.source).stem} {name_words(doc.source)}")}
        if wanted and wanted <= own:
            out.append(doc_id)
    return out


def overview(doc_ids: list[str], k: int, view: SourcesView, s: ScoringConfig) -> tuple[list[Span], list[str]]:
    """About ``k`` sentences covering the first three of ``doc_ids``, each document's in its own order: its first
    sentence of prose, then the sentences closest to the document's centre (the mean of its sentence vectors),
    picked by maximal marginal relevance; labels name the documents when several."""
    docs = doc_ids[:3]
    per_doc = max(1, round(k / len(docs))) if docs else 0
    spans, labels = [], []
    for doc_id in docs:
        rows: list[int] = []
        sents: list[tuple[int, int, int]] = []  # (passage, start, end)
        for pid in view.index.passages.of_document(doc_id):
            rows.extend(view.index.passage_sentences(pid))
            sents.extend((pid, a, b) for a, b in view.index.passages[pid].sentences)
        vecs = np.asarray(view.index.sentence_vectors[rows[0] : rows[-1] + 1]) if rows else np.zeros((0, 1))
        if not len(vecs):
            continue
        centre = vecs.mean(axis=0)
        pool = [
            Candidate(pid, doc_id, row, a, b, float(v @ centre), float(v @ centre))
            for (pid, a, b), row, v in zip(sents, rows, vecs)
            if prose(view.text(doc_id, a, b), s) and not view.is_heading(doc_id, a, b)
        ]
        pool.sort(key=lambda c: -c.score)
        if pool:  # the document's first sentence of prose leads (what it is, as an abstract or a lead says)
            lead = min(pool, key=lambda c: c.start)
            pool = [dataclasses.replace(lead, score=pool[0].score, retrieval=pool[0].retrieval)] + [
                c for c in pool if c is not lead
            ]
        chosen = sorted(diverse(pool, per_doc, view, s), key=lambda c: c.start)
        spans += [Span(c.pid, c.start, c.end, c.score) for c in chosen]
        labels += [view.title(doc_id) if len(docs) > 1 else ""] * len(chosen)
    return spans, labels


def diverse(candidates: list[Candidate], k: int, view: SourcesView, s: ScoringConfig) -> list[Candidate]:
    """Up to ``k`` candidates (best first by their evidence score) by maximal marginal relevance: relevant by
    that score, and unlike those already chosen."""
    pool = [c for c in candidates if c.retrieval >= s.summary_min_ratio * candidates[0].retrieval] if candidates else []
    if not pool:
        return []
    vecs = np.stack([view.sentence_vector(c.row) for c in pool])
    chosen: list[int] = [0]
    while len(chosen) < min(k, len(pool)):
        sims = vecs @ vecs[chosen].T
        mmr = [
            s.mmr_lambda * c.retrieval - (1 - s.mmr_lambda) * float(sims[i].max()) if i not in chosen else -np.inf
            for i, c in enumerate(pool)
        ]
        i = int(np.argmax(mmr))
        if mmr[i] == -np.inf or float(sims[i].max()) > s.summary_max_similarity:
            break
        chosen.append(i)
    return [pool[i] for i in chosen]
