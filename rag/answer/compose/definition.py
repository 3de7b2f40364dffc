"""Definitions: what an abbreviation stands for, or who someone is."""

from __future__ import annotations

import dataclasses
import re

from ...settings import ScoringConfig
from ...text.terms import OPTION
from ..asked import Asked
from ..view import SourcesView
from .factoid import factoid
from .parts import Composition


def definition(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """The full mention with its apposition (or the long form of an abbreviation), cited; else the evidence."""
    focus = (q.analysis.focus or "").strip()
    found = view.introduction(focus, [c.doc_id for c in q.candidates], s.apposition_words) if focus else None
    if found is None:
        defines = _defines(focus)
        if defines is None:
            return factoid(q, view, s)
        defined = _first_definition(q, defines, view)
        if defined is not None:
            return _going_on(Composition([defined]), view)
        entry = _entry(q, _phrase(focus), view)
        if entry is not None:
            return _going_on(Composition([entry]), view)
        named = factoid(_naming_first(q, defines, _phrase(focus), view), view, s)
        return _going_on(named, view) if named is not None else None
    doc_id, (start, end), short = found
    # a name the sources give no fuller form or apposition of: repeating it would answer nothing
    said = short.lower() != focus.lower()
    return Composition([view.span(doc_id, start, end, 1.0)], short if said else None)


# how a sentence that goes on about what the one before it named begins ("It ...", "The value assigned to this
# variable ...")
_REFERS_BACK = re.compile(r"^(?:it|its|they|their|this|these|such)\b|\bth(?:is|ese)\s+[^\W\d_]+", re.I)


def _going_on(found: Composition, view: SourcesView) -> Composition:
    """``found``'s one sentence with the next of its paragraph when that goes on about what it named ("Bash-4.3
    introduced a new shell variable: BASH_COMPAT. The value assigned to this variable ... determines the
    compatibility level.")."""
    if len(found.spans) != 1:
        return found
    sp = found.spans[0]
    doc_id = view.doc_of(sp.pid)
    _, after = view.neighbours(doc_id, sp.start, sp.end)
    if after is None or not _REFERS_BACK.search(view.text(doc_id, *after)[:60]):
        return found
    return dataclasses.replace(found, spans=[view.span(doc_id, sp.start, after[1], sp.score)])


def _defines(focus: str) -> re.Pattern[str] | None:
    """How a sentence that defines ``focus`` begins, spaced singly: "X is a/the ...", "X means ..." (any case), or
    one that names it so ("..., the so-called X", "a format called X"); a copula before a passive ("X is
    maintained in git") defines nothing; a command-line option's entry starts with the option as written ("-v,
    --invert-match ..."; "-V" is another option). None for an empty focus."""
    if OPTION.fullmatch(focus):
        return re.compile(rf"{re.escape(focus)}(?:[\s,=\[]|$)")
    phrase = _phrase(focus)
    if not phrase:
        return None
    return re.compile(
        rf"\W*(?:(?:a|an|the)\s+)?\W*{re.escape(phrase)}\W*\s+"
        r"(?:(?:is|are|was|were)\s+(?:\w+ly\s+)?(?:a|an|the|one)\b|(?:shall\s+)?means?\b|refers\b)"
        # ... or names it where it says what it is: "..., the so-called controlling thread", "a format called wheels"
        rf"|.*?\b(?:so-called|called|known as|termed)\s+\W?{re.escape(phrase)}(?:s|es)?\b",
        re.I,
    )


def _phrase(focus: str) -> str:
    return " ".join(w for w in focus.lower().split() if w not in ("a", "an", "the"))


def _plain(text: str) -> str:
    return " ".join(text.split())


def _first_definition(q: Asked, defines: re.Pattern[str], view: SourcesView):
    """The first sentence that ``defines`` the focus in the documents of the top hits, best document first:
    where a text introduces a term it says what it is, and a long introduction is a passage retrieval may
    rank low."""
    for doc_id in dict.fromkeys(view.doc_of(h.pid) for h in q.hits[:3]):
        for start, end in view.index.passages.document_sentences(doc_id):
            if defines.match(_plain(view.text(doc_id, start, end))):
                return view.span(doc_id, start, end, 1.0)
    return None


def _entry(q: Asked, phrase: str, view: SourcesView):
    """The sentence under a heading that is the focus itself (its number aside, in either number: "4.2. Wheels"
    for "a wheel"), as a glossary's or a definition list's entry is ("dip", then "The group's name stands for
    ..."), in the documents of the top hits; None when none is."""
    for doc_id in dict.fromkeys(view.doc_of(h.pid) for h in q.hits[:3]):
        sentences = view.index.passages.document_sentences(doc_id)
        for (start, end), after in zip(sentences, sentences[1:]):
            heading = _SECTION_NUMBER.sub("", _plain(view.text(doc_id, start, end))).lower().rstrip(":")
            if (
                _same_noun(heading, phrase)
                and view.is_heading(doc_id, start, end)
                and not view.is_heading(doc_id, *after)
            ):
                return view.span(doc_id, *after, 1.0)
    return None


def _same_noun(a: str, b: str) -> bool:
    """Whether two phrases are one noun, singular or plural ("wheels", "wheel"); not another word of its stem
    ("checkpointing" is the act, not "a checkpoint")."""
    return a == b or any(x == y + end for x, y in ((a, b), (b, a)) for end in ("s", "es"))


_SECTION_NUMBER = re.compile(r"^(?:\d+\.)*\d+\.?\s+")  # "4.2. Wheels": the section's number names nothing


def _naming_first(q: Asked, defines: re.Pattern[str], phrase: str, view: SourcesView) -> Asked:
    """``q`` with the candidates that define the focus first, then those that name its ``phrase`` as the
    question writes it, then the rest, each group in its order: "What is X?" is answered by a sentence about
    X, and the ranker may put one on the same subject first."""

    def order(c) -> int:
        text = _plain(view.text(c.doc_id, c.start, c.end))
        return 0 if defines.match(text) else 1 if phrase in text.lower() else 2

    ordered = sorted(q.candidates, key=order)
    return q if ordered == q.candidates else dataclasses.replace(q, candidates=ordered)
