"""Why and how, yes or no, and comparisons: the sentences that state them."""

from __future__ import annotations

import re

from ...settings import ScoringConfig
from ...text import nlp
from ...text.terms import stem, words
from ..asked import Asked
from ..coverage import Coverage
from ..qtypes import QType
from ..types import Span
from ..view import SourcesView
from .factoid import reader_short
from .parts import Composition, prose
from .speech import best_statement


def explanation(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """Why / how: the best sentence with the neighbour that scores better (reasons follow or precede claims). For
    "why", a reason is the kind of answer asked for, as a date is for "when": among the top ``type_candidates``
    down to ``type_ratio`` of the best, the first that states one ("because", "due to", ...) goes first."""
    faq = _faq_entry(q, view, s)
    if faq is not None:  # the document asks it itself (an FAQ): its answer is what follows
        doc_id, start, _, end = faq
        return Composition(view.spans_between(doc_id, start, end, 1.0))
    if not q.candidates:
        return None
    best = q.candidates[0]
    if q.analysis.qtype == QType.WHY:
        near = [c for c in q.candidates[: s.type_candidates] if c.score >= s.type_ratio * best.score]
        best = next((c for c in near if _CAUSAL.search(view.text(c.doc_id, c.start, c.end))), best)
    announced = _announced(best, view, s)
    if announced is not None:  # the reasons or steps are the sentences after the one that announces them
        return Composition(view.spans_between(best.doc_id, *announced, best.score))
    before, after = view.neighbours(best.doc_id, best.start, best.end)
    scores = {(c.start, c.end): c.score for c in q.candidates if c.doc_id == best.doc_id}
    # a neighbour that is no candidate (a heading, a label) is not quoted with it
    side = max((x for x in (before, after) if x in scores), key=lambda x: scores[x], default=None)
    lo, hi = best.start, best.end
    if side is not None:
        lo, hi = min(lo, side[0]), max(hi, side[1])
    return Composition(view.spans_between(best.doc_id, lo, hi, best.score), reader_short(best, view, s))


def _with_title(q: Asked, text: str, doc_id: str, view: SourcesView) -> Coverage:
    """How much of ``q``'s key terms ``text`` holds, with its document's title: the title is the setting of what
    the document says ("... under apache 2.0" of the Apache License; what an FAQ is about)."""
    return view.coverage(q.analysis.key_terms, f"{text}\n{view.title(doc_id)}", doc_id)


def _source_question(q: Asked, view: SourcesView) -> tuple[str, int, int] | None:
    """(doc_id, start, end) of the best evidence sentence that is a question of the document's own (an FAQ's
    entry, an interview's question) holding every key term of the user's, with the document's title (what an FAQ
    is about); None when there is none. Such a sentence is never a candidate (rag.answer.rank): it answers
    nothing itself."""
    for ev in sorted(q.evidence, key=lambda e: -e.score):
        doc_id = view.doc_of(ev.pid)
        text = view.text(doc_id, ev.start, ev.end)
        if not text.rstrip().endswith("?"):
            continue
        if not _with_title(q, text, doc_id, view).missing:
            return doc_id, ev.start, ev.end
    return None


def _answer_after(entry: tuple[str, int, int], view: SourcesView, s: ScoringConfig) -> int | None:
    """The end of the answer to the document's question ``entry``: the sentences after it, to the end of the
    paragraph that follows (at most ``announced_sentences``), before any heading or question; None when a heading
    or another question comes first."""
    doc_id, _, end = entry
    last = None
    for sentence in _following(view, doc_id, end, s.announced_sentences):
        if view.text(doc_id, *sentence).rstrip().endswith("?"):
            break
        last = sentence
        if view.neighbours(doc_id, *sentence)[1] is None:  # the paragraph ends
            break
    return last[1] if last is not None else None


def _faq_entry(q: Asked, view: SourcesView, s: ScoringConfig) -> tuple[str, int, int, int] | None:
    """(doc_id, start, end of the question, end of its answer) of the question the document asks itself that the
    user's is (_source_question) and its answer (_answer_after); None when there is none, or no answer after it."""
    entry = _source_question(q, view)
    answer = _answer_after(entry, view, s) if entry is not None else None
    return (*entry, answer) if entry is not None and answer is not None else None


def _following(view: SourcesView, doc_id: str, end: int, limit: int) -> list[tuple[int, int]]:
    """Up to ``limit`` sentences of the document after offset ``end``, before the first heading."""
    out: list[tuple[int, int]] = []
    for sentence in view.index.passages.document_sentences(doc_id):
        if sentence[0] < end:
            continue
        if len(out) >= limit or view.is_heading(doc_id, *sentence):
            break
        out.append(sentence)
    return out


# quantities of what a sentence announces ("There are several reasons ...", "There are three steps")
_QUANTIFIERS = {"several", "many", "various", "multiple", "number", "following", "few", "some"}


def _announced(best, view: SourcesView, s: ScoringConfig) -> tuple[int, int] | None:
    """(start, end) of the sentence that announces reasons or steps, ``best`` or the one before or after it in its
    paragraph, with up to ``announced_sentences`` sentences after it (a list's items are paragraphs of their own),
    to a heading; None when none announces."""
    before, after = view.neighbours(best.doc_id, best.start, best.end)
    near = ((best.start, best.end), before, after)
    lead = next((x for x in near if x is not None and announces(view.text(best.doc_id, *x))), None)
    if lead is None:
        return None
    following = _following(view, best.doc_id, lead[1], s.announced_sentences)
    # the best sentence stays when the one after it announces ("... must not use it. There are reasons for this:")
    return (min(lead[0], best.start), following[-1][1]) if following else None


def announces(sentence: str) -> bool:
    """Whether ``sentence`` announces what the sentences after it say: it ends with a colon (or a line of it does:
    a sentence keeps the first item of the list its colon introduces), or says there are several of something
    ("There are several reasons for checking ...")."""
    if sentence.rstrip().endswith(":") or re.search(r":[ \t]*\n", sentence):
        return True
    doc = nlp.parse(sentence)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.lemma_ != "be" or not any(c.dep_ == "expl" for c in root.children):
        return False
    thing = next((c for c in root.children if c.dep_ in ("attr", "nsubj") and c.tag_ == "NNS"), None)
    if thing is None or not any(c.like_num or c.lemma_.lower() in _QUANTIFIERS for c in thing.subtree if c.i < thing.i):
        return False
    # of or for something ("reasons for checking", "steps to shaping", "reasons why"), not where ("whales on the beach")
    return any(
        (c.dep_ == "prep" and c.lower_ in ("for", "to", "of", "behind")) or c.dep_ in ("relcl", "acl")
        for c in thing.children
    )


# words that state a reason or a purpose ("since" is left out: it often means "from a time on")
_CAUSAL = re.compile(
    r"\b(?:because|due to|owing to|so that|in order to|as a result|therefore|hence|thus|the reason)\b", re.I
)


def _negative_adverb(token) -> bool:
    """An adverb that a negation modifies ("no longer", "not yet", "not always")."""
    return token.dep_ == "advmod" and any(c.dep_ == "neg" for c in token.children)


def _governors(token) -> list:
    """The words a negation of which denies ``token``, a verb in a "to" infinitive: the verb it completes ("does
    not attempt to limit"), or the verb whose object it qualifies ("does not grant permission to use"). A clause
    of its own ("did not say that it limits") is outside a negation's reach."""
    out = []
    while token.dep_ in ("xcomp", "acl") and any(c.lower_ == "to" and c.dep_ == "aux" for c in token.children):
        token = token.head
        out.append(token)
        if token.pos_ == "NOUN" and token.dep_ in ("dobj", "nsubjpass"):
            token = token.head
            out.append(token)
    return out


def yes_no(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """ "Yes" or "No" only when the best evidence states it: its verb matches the question's, negated or not; or
    the document asks the question itself (an FAQ) and its answer begins with "Yes" or "No"."""
    faq = _faq_entry(q, view, s)
    if faq is not None:
        doc_id, start, question_end, end = faq
        first = words(view.text(doc_id, question_end, end))[:1]
        verdict = first[0].capitalize() if first and first[0].lower() in ("yes", "no") else "The sources say"
        return Composition(view.spans_between(doc_id, start, end, 1.0), verdict)
    if not q.candidates:
        return None
    best = q.candidates[0]
    text = view.text(best.doc_id, best.start, best.end)
    cov = _with_title(q, text, best.doc_id, view)
    # the question's verbs, its words the tagger may have taken for nouns ("Does the database store ...?"), and
    # what it asks a thing is ("Is the DECnet transport available?")
    question = nlp.parse(view.spelled(q.query))  # a typo read as the sources spell it ("avaliable")
    asked = {t.lemma_.lower() for t in question if t.pos_ == "VERB" or (t.pos_ == "NOUN" and not t.is_stop)}
    # (the parser may hang it on the thing, after it: "Is the TLI transport available on Linux?")
    asked |= {
        t.lemma_.lower()
        for t in question
        if t.pos_ == "ADJ" and (t.dep_ == "acomp" or (t.dep_ == "amod" and t.i > t.head.i))
    }
    parsed = nlp.parse(text)
    matched = [t for t in parsed if t.pos_ in ("VERB", "AUX") and t.lemma_.lower() in asked]
    said = [
        t
        for t in parsed
        if t.pos_ == "ADJ"
        and t.lemma_.lower() in asked
        and (t.dep_ in ("acomp", "ROOT") or any(c.dep_ == "neg" for c in t.children))
    ]
    # "does NOT store": the negation hangs on the main verb, not on the auxiliary that matched "Does"; "is not
    # available": on the verb the adjective completes, or on the adjective of a heading's fragment ("Not available")
    heads = {*matched, *(t.head for t in matched if t.dep_ in ("aux", "auxpass")), *said, *(t.head for t in said)}
    matched += said
    heads |= {g for t in matched for g in _governors(t)}  # "does not attempt to limit"
    # ... or on an adverb of it: "is no longer created"
    negated = any(c.dep_ == "neg" or _negative_adverb(c) for t in heads for c in t.children)
    # "Are the constraints checked?" - "no check is done on them": the asked word as a noun, with "no"; or the
    # object of a denied verb ("Does it give me any rights?" - "it does not grant any rights"; "handle" of "we do
    # not do any error handling", by stem)
    stems = {stem(w) for w in asked}
    nouns = [t for t in parsed if t.pos_ == "NOUN" and (t.lemma_.lower() in asked or stem(t.lemma_.lower()) in stems)]
    negated = (
        negated
        or any(c.lower_ == "no" and c.dep_ == "det" for t in nouns for c in t.children)
        or any(t.dep_ == "dobj" and any(c.dep_ == "neg" for c in t.head.children) for t in nouns)
    )
    matched += nouns
    # a "No" says the sentence denies what was asked: it must speak of the question's things ("changing it is not
    # allowed" denies nothing of "Am I allowed to charge money for copies?")
    things_missing = any(t.is_thing and t.text in cov.missing for t in q.analysis.key_terms)
    if matched and negated and not things_missing:
        short = "No"
    elif (
        not cov.missing
        and not any(t.dep_ == "neg" or _negative_adverb(t) for t in parsed)
        and not _opposed(q.query, text)
    ):
        # every key term of the question in the sentence, and nothing in it denied: "regular users may be stored in
        # LDAP, but system users may not" does not say yes to "Can system users be stored in LDAP?", nor "options
        # must appear before COMMAND" to "can I put options after the command?"
        short = "Yes"
    else:
        short = "The sources say"
    return Composition([view.span(best.doc_id, best.start, best.end, best.score)], short)


# words of relation and their opposites: a sentence that says the one of what the question asks of the other
# answers it, but not with a Yes
_RELATIONS = (
    ("before", "after"),
    ("above", "below"),
    ("over", "under"),
    ("inside", "outside"),
    ("more", "less"),
    ("more", "fewer"),
    ("higher", "lower"),
    ("larger", "smaller"),
    ("earlier", "later"),
    ("first", "last"),
    ("maximum", "minimum"),
    ("with", "without"),
)


def _opposed(question: str, sentence: str) -> bool:
    """Whether the sentence says the opposite relation of one the question asks about, and not the one asked."""
    asked = {w.lower() for w in words(question)}
    said = {w.lower() for w in words(sentence)}
    return any(
        (x in asked and y in said and x not in said) or (y in asked and x in said and y not in said)
        for x, y in _RELATIONS
    )


def _mention(q: Asked, side: str, used: list[Span], view: SourcesView, s: ScoringConfig) -> list[Span]:
    """The best candidate that names ``side`` (itself, or the heading of the entry it opens) and was not ``used``
    for another side (the sentence that sets the two side by side serves the first; the second gets its own), as
    written before in any case, and prose before what is not (a synopsis that lists every option); [] when none
    names it."""
    said = {(c.pid, c.start): _entry_text(c, view) for c in q.candidates}

    def names(c, name: str, case: bool) -> bool:
        text = said[c.pid, c.start]
        return name in text if case else name.lower() in text.lower()

    best: list = []
    for case in (True, False):  # as written first: "-l" is not "-L"
        naming = [c for c in q.candidates if names(c, side, case) and not _quoted(c, used)]
        stated = [c for c in naming if prose(view.text(c.doc_id, c.start, c.end), s)]
        best = best or (stated or naming)[:1]
    return [view.span(c.doc_id, c.start, c.end, c.score) for c in best]


def _entry_text(c, view: SourcesView) -> str:
    """A candidate's text, after the heading right above it when there is one: the term a definition list's or
    a manual's entry is about ("--param PARAMNAME PARAMVALUE" over "Pass a parameter ...") names what it says."""
    text = view.text(c.doc_id, c.start, c.end)
    heading = view.heading_above(c.doc_id, c.start)
    return f"{view.text(c.doc_id, *heading)} {text}" if heading is not None else text


def _quoted(sentence, spans: list[Span]) -> bool:
    """Whether ``sentence`` (a candidate or a span) is one of ``spans`` already."""
    return any((sp.pid, sp.start, sp.end) == (sentence.pid, sentence.start, sentence.end) for sp in spans)


def comparison(q: Asked, view: SourcesView, s: ScoringConfig) -> Composition | None:
    """One cited sentence per side: each side's own statement on the topic, else its best evidence."""
    a = q.analysis
    sides = list(a.sides)[:4]
    if len(sides) < 2:
        return explanation(q, view, s)
    side_words = {w.lower() for side in sides for w in side.split()}
    topic = " ".join(t.text for t in a.key_terms if t.kind != "name" and t.text.lower() not in side_words)
    spans: list[Span] = []
    labels: list[str] = []
    for side in sides:
        found = best_statement(side, topic or q.query, view, s)
        if not found:
            found = _mention(q, side, spans, view, s)
        # a sentence another side was given already says nothing of this side's own
        if found and not _quoted(found[0], spans):
            spans.append(found[0])
            labels.append(side)
    return Composition(spans, bullets=True, labels=labels) if len(spans) >= 2 else explanation(q, view, s)
