"""Factoid questions: a short answer of the expected kind and the sentence it comes from."""

from __future__ import annotations

import dataclasses
import re

from ...settings import ScoringConfig
from ...text import nlp
from ...text.sentences import LIST_ITEM
from ...text.terms import STOPWORDS, terms, words
from ..analysis import ANSWER_LABELS
from ..asked import Asked
from ..rank import Candidate
from ..types import Span
from ..view import SourcesView
from .parts import Composition, closest, name_words, top_documents, typed_entities
from .written_list import answering_item, lead_in_list, written_list


def factoid(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """A short answer of the expected type and the sentence it comes from (with the neighbour that holds it)."""
    a = q.analysis
    labels = ANSWER_LABELS.get(a.answer_type or "")
    if labels is not None and a.answer_type == "PLACE" and _WHERE.search(a.text):
        labels = labels | {"PATH"}  # "where" in a manual: a directory or an address (not "which country")
    if not q.candidates:
        return None
    if a.topic:  # a plural kind ("which tools"): a list the documents write out answers it whole
        listed = written_list(q, view, s)
        if listed is not None:
            return listed
    if labels is None:
        item = answering_item(q, view, s) if not a.topic else None
        if item is not None:  # one thing asked, and a list's item that matches it: the lead-in and that item
            (start, end), cand = item
            spans = [
                view.span(cand.doc_id, start, end, q.candidates[0].score),
                view.span(cand.doc_id, cand.start, cand.end, cand.score),
            ]
            return Composition(spans, reader_short(cand, view, s))
        # the best sentence introduces a list ("Some explicit non-goals:"): the list answers, not its lead-in
        listed = lead_in_list(q, view, s)
        if listed is not None:
            return listed
        short = reader_short(q.candidates[0], view, s)
        if a.topic and short:  # the reader's phrase is one item of a list run into the sentence: all of them
            sentence = view.text(q.candidates[0].doc_id, q.candidates[0].start, q.candidates[0].end)
            short = coordinated(sentence, inline_items(sentence, short), s)
        return Composition(evidence_spans(q.candidates, q.query, view, s), short)
    asked = {t.text.lower() for t in a.key_terms}
    headed = _heading_answer(q, labels, view) if a.answer_type == "DATE" else None
    if headed is not None:
        return headed
    found = _typed(q, labels, asked, view, s)
    if a.answer_type == "AGENT":  # "who": a person if any, else a body that acts like one
        found = _typed(q, ANSWER_LABELS["PERSON"], asked, view, s) or found
    if found is not None and a.topic and found.short:  # "Which regions ...?": every region the sentence joins
        sp = found.spans[0]
        found = dataclasses.replace(
            found, short=coordinated(view.text(view.doc_of(sp.pid), sp.start, sp.end), found.short, s)
        )
    if found is None:
        # the expected kind is a preference, not a gate: the entity model may not tag it ("X Point" as a place,
        # a duration as a DATE); the best sentence, and the decision weighs whether it answers
        return Composition(evidence_spans(q.candidates, q.query, view, s), reader_short(q.candidates[0], view, s))
    return found


_WHERE = re.compile(r"\bwhere", re.I)


def _heading_answer(q: Asked, labels: set[str], view: SourcesView) -> Composition | None:
    """A heading that names every name and number of the question its document's title or file name does not,
    and holds an entity of the expected kind besides them: a changelog's "1.2.3 - 2026-08-16" dates release 1.2.3
    ("When was python-dotenv 1.2.3 released?"). The heading is quoted, since it alone says so. The top hits'
    documents, their headings in order; None when no heading does. For dates only: the number a heading holds is
    mostly its section's ("9.2. Using Massif")."""
    named = [t.text for t in q.analysis.key_terms if t.kind in ("name", "number")]
    for doc_id in top_documents(q, view) if named else []:
        scope = f"{view.title(doc_id)} {name_words(view.index.documents[doc_id].source)}"
        wanted = [n for n in named if not _names(scope, n)]
        if not wanted:
            continue
        for start, end in view.index.passages.document_sentences(doc_id):
            text = view.text(doc_id, start, end)
            if not all(_names(text, n) for n in wanted) or not view.is_heading(doc_id, start, end):
                continue
            for e in typed_entities(text, start, labels, set()):
                rest = _without(e.text, wanted)
                if rest:
                    return Composition([view.span(doc_id, start, end, 1.0)], rest, typed=True)
    return None


def _whole(name: str) -> str:
    """A pattern of ``name`` as a whole word or number ("1.2.3", not of "1.2.30")."""
    return rf"(?<![\w.]){re.escape(name)}(?!\w|\.\d)"


def _names(text: str, name: str) -> bool:
    """Whether ``text`` holds ``name`` whole, in any case."""
    return re.search(_whole(name), text, re.I) is not None


def _without(entity: str, names: list[str]) -> str:
    """An entity's text less the question's ``names`` ("1.2.3 - 2026-08-16" less "1.2.3": "2026-08-16"), and the
    punctuation left at its ends."""
    for name in names:
        entity = re.sub(_whole(name), " ", entity, flags=re.I)
    return entity.strip(" -–—:,;()[]").strip()


def _typed(q: Asked, labels: set[str], asked: set[str], view: SourcesView, s: ScoringConfig) -> Composition | None:
    """The best candidate (or its neighbour) holding an entity of ``labels``; None if the top ones hold none."""
    best = q.candidates[0].score
    for cand in q.candidates[: s.type_candidates]:
        if cand.score < s.type_ratio * best:
            break
        ents = typed_entities(view.text(cand.doc_id, cand.start, cand.end), cand.start, labels, asked)
        if ents:
            e = closest(ents, cand.span)
            paths = [p for p in ents if p.label == "PATH"]
            if paths:  # the place a manual gives; the reader, which learned from encyclopaedias, never saw one
                short = closest(paths, cand.span).text
            elif q.analysis.answer_type in s.typed_short_types:
                short = e.text
            else:
                short = reader_short(cand, view, s) or e.text
            return Composition([view.span(cand.doc_id, cand.start, cand.end, cand.score)], short, typed=True)
        for side in view.neighbours(
            cand.doc_id, cand.start, cand.end
        ):  # the date in the next sentence, the name before
            if side is None:
                continue
            ents = typed_entities(view.text(cand.doc_id, *side), side[0], labels, asked)
            if ents:
                # quoted with its neighbour; the short answer is still the reader's phrase where it gives one, as
                # for every kind (docs/TUNING.md, "Short answers": the neighbour's entity was right in 1 of 11
                # tune questions it replaced the phrase in)
                lo, hi = min(side[0], cand.start), max(side[1], cand.end)
                short = reader_short(cand, view, s) or ents[0].text
                return Composition(view.spans_between(cand.doc_id, lo, hi, cand.score), short, typed=True)
    return None


def inline_items(sentence: str, short: str) -> str:
    """The items of a bulleted list that ``sentence`` runs in after a colon ("including: • a • b • c"), joined,
    when ``short`` is one of them; else ``short``."""
    colon = sentence.rfind(":")
    items = [i.strip(" \n;,.") for i in sentence[colon + 1 :].split("•")] if colon >= 0 else []
    items = [i for i in items if i]
    return ", ".join(items) if len(items) >= 2 and any(short in i for i in items) else short


def coordinated(sentence: str, short: str, s: ScoringConfig) -> str:
    """The whole coordination of names or nouns that ``short`` is one item of in ``sentence`` ("GNOME" of "used
    by GNOME, KDE and ROX" -> "GNOME, KDE and ROX"), for a question that asks for several; else ``short``."""
    at = sentence.find(short)
    if at < 0:
        return short
    doc = nlp.parse(sentence)
    inside = [t for t in doc if at <= t.idx < at + len(short)]
    head = next((t for t in inside if not (at <= t.head.idx < at + len(short)) or t.head is t), None)
    if head is not None and head.dep_ == "compound" and not head.conjuncts and head.head.conjuncts:
        head = head.head  # "the HOME, PATH or OSTYPE variables": the parser joins the noun they share, not "OSTYPE"
    if head is None or head.pos_ not in ("NOUN", "PROPN") or not head.conjuncts:
        return short
    items = [head, *head.conjuncts]
    if any(t.pos_ not in ("NOUN", "PROPN") for t in items):
        return short
    lo = min(_phrase_start(t) for t in items)
    last = max(items, key=lambda t: t.i)  # up to the last item's own word: not its "(1965)", nor an "e.g. ..."
    whole = doc.text[lo : last.idx + len(last.text)].strip(" ,;")
    return whole if len(whole.split()) <= 2 * s.short_answer_words else short


# the words before a noun that belong to its phrase ("the", "old", "GNU", "Mary's", an opening quote mark)
_NOUN_MODIFIERS = frozenset({"det", "amod", "compound", "nummod", "poss", "punct"})


def _phrase_start(noun) -> int:
    """Where ``noun``'s phrase starts: its first modifier, not a clause or verb a bad parse hung on it."""
    before = [c.left_edge.idx for c in noun.children if c.i < noun.i and c.dep_ in _NOUN_MODIFIERS]
    return min([noun.idx, *before])


def reader_short(cand: Candidate, view: SourcesView, s: ScoringConfig) -> str | None:
    """The reader's answer inside the best sentence, when it is a phrase rather than the whole sentence: its best
    span that reads as a short answer, of the ``short_answer_phrases`` best (a span too long to be one, or a
    list's marker, gives way to the next best)."""
    whole = view.text(cand.doc_id, cand.start, cand.end)
    for span in cand.phrases or ((cand.span,) if cand.span else ()):
        text = _phrase(cand, span, whole, view)
        if text and len(text.split()) <= s.short_answer_words and len(text) < s.short_answer_share * len(whole):
            return text
    return None


def _phrase(cand: Candidate, span: tuple[int, int], whole: str, view: SourcesView) -> str | None:
    """The reader's ``span`` of the candidate's sentence (``whole``) as a phrase: widened to whole words, its
    brackets closed; None when it says nothing."""
    a, b = whole_words(whole, span[0] - cand.start, span[1] - cand.start)
    marker = LIST_ITEM.match(whole)
    if not any(ch.isalnum() for ch in whole[a:b]) or (marker and b <= marker.end()):
        return None  # a quote mark, or the "1." of a numbered item: the reader found nothing there
    if marker and a < marker.end():  # "1. Lxml is protected": the item's words, not its number
        a = marker.end()
    a, b = a + cand.start, b + cand.start
    text = close_brackets(view.text(cand.doc_id, a, b), view.text(cand.doc_id, b, cand.end))
    if "\n" in text:
        return None  # across lines ("-lc\ncollect2"): no phrase a reader would give
    if text.count('"') % 2:  # half a quotation ('informal" imperialism'): without its stray mark
        text = text.replace('"', "", 1)
    if all(w.lower() in STOPWORDS for w in words(text)):
        return None  # "when", "it", "of the": function words alone name nothing
    return text or None


# characters that join the parts of one word: "Override.xml", "max_size", "/usr/share", "tal197@users",
# "application/x-xz", "non-last"
WORD_JOINERS = frozenset("._/@-")


def whole_words(text: str, a: int, b: int) -> tuple[int, int]:
    """Characters [a, b) of ``text`` widened to whole words: the reader's tokens split a word at a dot or a
    slash, and a phrase that starts or ends inside one ("xml" of "Override.xml") names nothing."""

    def inside(i: int) -> bool:  # whether a word goes on across the boundary before character i
        if not 0 < i < len(text):
            return False
        left, right = text[i - 1], text[i]
        if left == "_" and right.isalnum():  # an identifier's leading underscore: "_X11TransOpenCOTSClient"
            return True
        return (left.isalnum() and right.isalnum()) or (
            (left in WORD_JOINERS and right.isalnum() and i > 1 and text[i - 2].isalnum())
            or (right in WORD_JOINERS and left.isalnum() and i + 1 < len(text) and text[i + 1].isalnum())
        )

    while inside(a):
        a -= 1
    while inside(b):
        b += 1
    return a, b


def close_brackets(text: str, after: str) -> str:
    """The reader's phrase with its brackets closed: it ends on a word, so "17(3" is followed by the ")" that
    comes next in the sentence, a ")" it does not open ("October 2016)") is dropped, and an address it opens
    with "<" and does not close is cut off."""
    text = text.strip(' ,.;:“”"')
    if "<" in text and ">" not in text:  # a name run into its address: "Lasse Collin <lasse.collin@tukaani.org"
        text = text[: text.find("<")].rstrip() or text
    if text.count("(") > text.count(")") and after.lstrip().startswith(")"):
        text += ")"
    elif text.endswith(")") and text.count(")") > text.count("("):
        text = text[:-1].rstrip()
    return text


def evidence_spans(candidates: list[Candidate], query: str, view: SourcesView, s: ScoringConfig) -> list[Span]:
    """The best sentence; a neighbour in its passage that scores nearly as well joins it (one citation
    for the run); another sentence is added only when it scores nearly as well and brings query terms
    the answer so far lacks (IDF-weighted share of the query)."""
    best = candidates[0]
    start, end = best.start, best.end
    for c in candidates[1:]:
        if c.pid != best.pid or c.score < s.neighbour_ratio * best.score:
            continue
        between = (
            view.sentences_between(best.pid, c.end, start)
            if c.end <= start
            else view.sentences_between(best.pid, end, c.start)
            if c.start >= end
            else True
        )
        if not between:
            start, end = min(start, c.start), max(end, c.end)
            break
    spans = [Span(best.pid, start, end, best.score)]
    q_terms = set(terms(query))
    weight = sum(view.idf(t) for t in q_terms) or 1.0
    covered = q_terms & set(terms(view.text(best.doc_id, start, end)))
    for c in candidates[1:4]:
        if len(spans) >= s.max_answer_sentences:
            break
        if c.pid == best.pid and start <= c.start < end:
            continue
        brings = (q_terms & set(terms(view.text(c.doc_id, c.start, c.end)))) - covered
        gain = sum(view.idf(t) for t in brings) / weight
        if c.score >= s.second_sentence_ratio * best.score and gain >= s.second_sentence_gain:
            spans.append(Span(c.pid, c.start, c.end, c.score))
            covered |= brings
    return spans
