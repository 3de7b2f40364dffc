"""Lists the documents write out: a lead-in ("Some explicit non-goals:", or a heading) and the items under it."""

from __future__ import annotations

import re

from ...settings import ScoringConfig
from ...text.sentences import LIST_ITEM as ITEM
from ...text.terms import terms
from ..asked import Asked
from ..coverage import covered_terms
from ..rank import Candidate
from ..view import SourcesView
from .parts import Composition

LEADS_IN = re.compile(r":\s*(?:\n|$)")  # a lead-in ends with a colon, alone or before its first item
# paragraphs that open alike are a list's items when nothing marks them (a man page's indented "0  if it
# succeeds", "123  if ...", whose indent the text lost): each opens with a number, or with an option
_SHAPES = (re.compile(r"\d+\s"), re.compile(r"--?[A-Za-z]"))


def written_list(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """The list the best candidates belong to: its lead-in, cited, and the first sentence of each item (at most
    ``written_list_max_items``); None when none of the top ``list_lead_candidates`` is a lead-in or an item of
    one whose lead-in names the kind asked for (the question's topic, "tools" of "Which tools ...?", by stem)."""
    kind = set(terms(q.analysis.topic or ""))
    for cand in q.candidates[: s.list_lead_candidates]:
        found = _list_of(cand.doc_id, cand.start, cand.score, view, s, kind)
        if found is not None:
            return found
    return None


def lead_in_list(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """The list the best candidate introduces when it is a lead-in itself ("Some explicit non-goals:" and its
    first item): quoted alone, a sentence that ends in a colon says none of what it introduces."""
    best = q.candidates[0]
    if not _leads_in(_after_colon(_text(best.doc_id, (best.start, best.end), view))):
        return None
    return _list_of(best.doc_id, best.start, best.score, view, s, set())


def answering_item(q: Asked, view: SourcesView, s: ScoringConfig) -> tuple[tuple[int, int], Candidate] | None:
    """((start, end) of the best candidate, another of the top ``list_lead_candidates``) when the best leads in a
    list and the other is one of its items that holds more of the question's key terms than the lead-in's own first
    item: what asks for one thing is answered by the item that matches it ("127 if the command is not found" under
    "xargs exits with the following status:\n\n0 if it succeeds"); None otherwise."""
    best = q.candidates[0]
    inline = _after_colon(_text(best.doc_id, (best.start, best.end), view))
    if not _leads_in(inline):
        return None
    sentences = view.index.passages.document_sentences(best.doc_id)
    lead = _index_of(sentences, best.start)
    items = (
        {sentences[i][0] for i in _items(best.doc_id, sentences, lead, view) if i != lead}
        if lead is not None
        else set()
    )
    item = next(
        (c for c in q.candidates[1 : s.list_lead_candidates] if c.doc_id == best.doc_id and c.start in items), None
    )
    if item is None:
        return None
    held = len(covered_terms(q.analysis.key_terms, _text(item.doc_id, (item.start, item.end), view)))
    return ((best.start, best.end), item) if held > len(covered_terms(q.analysis.key_terms, inline or "")) else None


def _after_colon(text: str) -> str | None:
    """What follows a sentence's lead-in colon (LEADS_IN), stripped: "" when the colon ends it; None without one."""
    colon = LEADS_IN.search(text)
    return text[colon.end() :].lstrip() if colon else None


def _leads_in(inline: str | None) -> bool:
    """Whether a sentence whose text after its colon is ``inline`` (_after_colon) is a lead-in: the colon ends it,
    or its first item follows (a colon at a wrapped line's end, "(2022:\n4.03 million)", introduces nothing)."""
    return inline is not None and (not inline or _opens_item(inline))


def _opens_item(text: str) -> bool:
    """Whether ``text`` opens as a list's item: a list marker, or one of _SHAPES."""
    return bool(ITEM.match(text)) or _shape(text) is not None


def _index_of(sentences: list[tuple[int, int]], start: int) -> int | None:
    """The index of the sentence that starts at ``start``; None when none does."""
    return next((i for i, (a, _) in enumerate(sentences) if a == start), None)


def _list_of(
    doc_id: str, start: int, score: float, view: SourcesView, s: ScoringConfig, kind: set[str]
) -> Composition | None:
    """The list the sentence at ``start`` is the lead-in or an item of, when its lead-in names ``kind`` (any kind
    when empty) and it has two items or more."""
    sentences = view.index.passages.document_sentences(doc_id)
    at = _index_of(sentences, start)
    lead = _lead_in(doc_id, sentences, at, view) if at is not None else None
    if lead is None:
        return None
    heading = view.is_heading(doc_id, *sentences[lead])
    lead_text = _text(doc_id, sentences[lead], view)
    colon = LEADS_IN.search(lead_text)
    if kind and not kind & set(terms(lead_text[: colon.start()] if colon else lead_text)):
        return None  # a list of something else
    items = _items(doc_id, sentences, lead, view)
    if len(items) < 2:
        return None
    # a heading names the list but is not quoted (headings never are): the items alone
    spans = ([] if heading else [sentences[lead]]) + [sentences[i] for i in items if i != lead]
    spans = spans[: s.written_list_max_items + (0 if heading else 1)]
    return Composition([view.span(doc_id, a, b, score) for a, b in spans], bullets=True)


def _text(doc_id: str, span: tuple[int, int], view: SourcesView) -> str:
    return view.text(doc_id, *span)


def _lead_in(doc_id: str, sentences: list[tuple[int, int]], at: int, view: SourcesView) -> int | None:
    """The lead-in of the list sentence ``at`` is in: itself, or the nearest sentence before it that ends with a
    colon, or a heading right above the first item ("Best practices" over its bullets), with nothing but items
    between; None when it is in no list."""
    shape = _shape(_text(doc_id, sentences[at], view)) if _new_paragraph(doc_id, sentences, at, view) else None
    for i in range(at, -1, -1):
        text = _text(doc_id, sentences[i], view)
        if LEADS_IN.search(text):
            return i
        if (
            i + 1 < len(sentences)
            and view.is_heading(doc_id, *sentences[i])
            and ITEM.match(_text(doc_id, sentences[i + 1], view))
        ):
            return i
        if (
            i < at
            and _new_paragraph(doc_id, sentences, i + 1, view)
            and not _is_item(doc_id, sentences, i + 1, view, shape)
        ):
            return None  # a paragraph that is no item lies between
        if i == at and not _is_item(doc_id, sentences, i, view, shape) and not _in_item(doc_id, sentences, i, view):
            return None
    return None


def _shape(text: str) -> int | None:
    """Which of _SHAPES ``text`` opens with; None for none."""
    return next((n for n, shape in enumerate(_SHAPES) if shape.match(text)), None)


def _is_item(doc_id: str, sentences: list[tuple[int, int]], i: int, view: SourcesView, shape: int | None) -> bool:
    """Whether sentence ``i`` starts an item: a list marker, or a paragraph that opens in ``shape``."""
    text = _text(doc_id, sentences[i], view)
    if ITEM.match(text):
        return True
    return shape is not None and _shape(text) == shape and _new_paragraph(doc_id, sentences, i, view)


def _items(doc_id: str, sentences: list[tuple[int, int]], lead: int, view: SourcesView) -> list[int]:
    """The sentences that start the items after the lead-in (the first may share the lead-in's sentence), up to the
    first paragraph that is no item."""
    inline = _after_colon(_text(doc_id, sentences[lead], view)) or ""
    out = [lead] if inline and _opens_item(inline) else []
    if out:
        shape = _shape(inline)
    elif lead + 1 < len(sentences):
        shape = _shape(_text(doc_id, sentences[lead + 1], view))
    else:
        shape = None
    for i in range(lead + 1, len(sentences)):
        if _is_item(doc_id, sentences, i, view, shape):
            out.append(i)
        elif _new_paragraph(doc_id, sentences, i, view):
            break
    return out


def _new_paragraph(doc_id: str, sentences: list[tuple[int, int]], i: int, view: SourcesView) -> bool:
    """Whether sentence ``i`` starts a paragraph (a blank line since the sentence before)."""
    return i > 0 and "\n\n" in view.text(doc_id, sentences[i - 1][1], sentences[i][0])


def _in_item(doc_id: str, sentences: list[tuple[int, int]], i: int, view: SourcesView) -> bool:
    """Whether sentence ``i`` goes on an item: the paragraph it belongs to starts with an item's marker."""
    while i > 0 and not _new_paragraph(doc_id, sentences, i, view):
        i -= 1
    return bool(ITEM.match(_text(doc_id, sentences[i], view)))
