"""The key terms of a question: the words (names, numbers, code, content words) the evidence must hold, read from
spaCy's parse; and the parts of a question that ask nothing (an opening "In a nutshell,")."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from ..text.terms import EXTENSION, FORMAT, OPTION, UNDERSCORED, code_name
from .question_words import _AUX, _SOURCE_WORDS, _WH


@dataclass(frozen=True)
class KeyTerm:
    """A word of the question the evidence must hold: its text, lemma, kind ("name", "number", "word") and
    part of speech (spaCy's coarse tag: NOUN, PROPN, VERB, ADJ, ...)."""

    text: str
    lemma: str
    kind: str
    pos: str = ""

    @property
    def is_thing(self) -> bool:
        """A name, a number or a noun: what a question is about, rather than what it says of it."""
        return self.kind in ("name", "number") or self.pos in ("NOUN", "PROPN")


def span_text(tokens) -> str:
    tokens = list(tokens)
    if not tokens:
        return ""
    doc = tokens[0].doc
    return doc[tokens[0].i : tokens[-1].i + 1].text


def proper_phrases(doc) -> list[str]:
    """Names in the question: entities, and runs of proper nouns the entity model missed."""
    out: list[str] = []
    covered: set[int] = set()
    for ent in doc.ents:
        if ent.label_ in ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "LAW", "PRODUCT"):
            toks = [t for t in ent if t.lower_ not in ("the",)]
            if toks:
                out.append(span_text(toks))
                covered.update(t.i for t in ent)
    run: list = []
    for t in [*doc, None]:
        if t is not None and t.pos_ == "PROPN" and t.i not in covered and t.lower_ not in _WH:
            run.append(t)
            continue
        if run:
            out.append(span_text(run))
            run = []
    return out


def written_as_code(text: str) -> bool:
    """Whether a word is written as code: lower case first, with a dot, an underscore or a capital inside
    ("os.path.join", "max_size", "setTimeout")."""
    return text[:1].islower() and (any(c in text for c in "._") or text != text.lower())


def identifier(token) -> bool:
    """A name written as code that the parser calls a proper noun. A plain lower-case word it calls a proper noun
    (a name typed carelessly, a word it does not know) is left out, as before."""
    return token.pos_ == "PROPN" and written_as_code(token.text)


def key_terms(doc, skip: AbstractSet[int] = frozenset()) -> tuple[KeyTerm, ...]:
    """Content words of the question (names, numbers, nouns, verbs, adjectives), minus ``skip`` token indexes."""
    names = {t.i for ent in doc.ents for t in ent if ent.label_ not in ("DATE", "TIME", "CARDINAL", "ORDINAL")}
    # an opening before the comma asks nothing, but may set the scope ("After the war,"): only its adverbs and
    # interjections go ("Briefly,", "OK so,")
    opening = {t.i for t in doc[: opening_end(doc)] if t.pos_ in ("ADV", "INTJ")}
    out: list[KeyTerm] = []
    # a name in lower case ("pypy", "firefox") counts in the sentence that asks, not in what follows it ("What did
    # Lopez say? lorem ipsum ...": filler the parser calls proper nouns)
    asked_end = next(iter(doc.sents)).end if len(doc) else 0
    glued: set[int] = set()  # the pieces of an option the tokenizer split ("--track", "-", "origins", "=", "yes")
    for t in doc:
        if OPTION.fullmatch(t.text) and t.i not in skip:  # "-k", "--verbose": spaCy tags them X or punctuation
            option = option_at(doc, t.i)
            glued.update(range(t.i, t.i + option[1]))
            out.append(KeyTerm(option[0], option[0], "name", "X"))
            continue
        conversion = doc[t.i : t.i + 2].text if t.text == "%" and not t.whitespace_ else ""
        if FORMAT.fullmatch(conversion) and t.i not in skip:  # "%G", which spaCy splits in two
            glued.add(t.i + 1)
            out.append(KeyTerm(conversion, conversion, "name", "X"))
            continue
        if (EXTENSION.fullmatch(t.text) or UNDERSCORED.fullmatch(t.text)) and t.i not in skip:
            # ".zip", "asn1_node": spaCy tags them nouns, adjectives, pronouns or punctuation
            out.append(KeyTerm(t.text, t.lower_, "name", "PROPN"))
            continue
        code = _code_at(doc, t.i) or _hyphened_at(doc, t.i) if t.i not in skip and t.i not in glued else None
        if code is not None:  # "audio/mpeg", which spaCy splits in three: a name, as written
            glued.update(range(t.i, t.i + code[1]))
            out.append(KeyTerm(code[0], code[0].lower(), "name", "PROPN"))
            continue
        if (
            t.i in skip
            or t.i in glued
            or t.i in opening
            or t.is_punct
            or t.is_space
            or t.is_stop
            or t.lower_ in _WH
            or t.lemma_.lower() in _SOURCE_WORDS
        ):
            continue
        if t.lower_ in ("according", "able", "unable") and t.i + 1 < len(doc) and doc[t.i + 1].lower_ == "to":
            # "according to X" names a source, not something X said; "(un)able to" is a modal, as "can" is
            continue
        if t.like_num or t.pos_ == "NUM":
            out.append(KeyTerm(t.text, t.lower_, "number", t.pos_))
        elif t.text[:1].isupper() and (
            t.pos_ == "PROPN" or (t.i in names and t.pos_ not in ("ADJ", "VERB")) or (t.pos_ == "NOUN" and t.i > 0)
        ):  # a capital inside a sentence: a name
            out.append(KeyTerm(t.text, t.lower_, "name", t.pos_))
        elif (
            (t.pos_ in ("NOUN", "VERB", "ADJ", "ADV") or identifier(t) or (t.pos_ == "PROPN" and t.i < asked_end))
            and t.lemma_.lower() not in _AUX
            and len(t.text) > 1
        ):
            out.append(KeyTerm(t.text, t.lemma_.lower(), "word", t.pos_))
    return tuple(out)


def option_at(doc, i: int) -> tuple[str, int]:
    """The command-line option that starts at token ``i``, whole ("--track-origins" of "--track-origins=yes", which
    spaCy splits in five), without its value; and how many tokens it spans, its value included."""
    end = i + 1
    while end < len(doc) and not doc[end - 1].whitespace_ and (doc[end].text in ("-", "=") or not doc[end].is_punct):
        end += 1
    text = doc[i:end].text
    name = text.split("=", 1)[0]
    return (name if OPTION.fullmatch(name) else doc[i].text), end - i


def _code_at(doc, i: int) -> tuple[str, int] | None:
    """The name written as code that starts at token ``i`` ("audio/mpeg", "user.mime_type": rag.text.terms
    CODE_NAME) and how many tokens it spans; None when none does."""
    end = i + 1
    while end < len(doc) and not doc[end - 1].whitespace_ and (doc[end].text in "./" or doc[end - 1].text in "./"):
        end += 1
    text = doc[i:end].text.rstrip(".")
    if all(t.is_stop for t in doc[i:end] if t.text not in "./") and end - i > 1:
        return None  # "he/she", "either/or": two words
    return (text, end - i) if code_name(text) else None


def _hyphened_at(doc, i: int) -> tuple[str, int] | None:
    """A name in lower case joined by hyphens that starts at token ``i`` ("systemd-journald", which spaCy splits in
    three, its parts proper nouns in lower case that key_terms would leave out: a software's name is often written
    so; "python3-full", a part of letters and digits) and how many tokens it spans."""
    end = i + 1
    while (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and doc[end + 1].text.isalnum()
    ):
        end += 2
    parts = [doc[k] for k in range(i, end, 2)]
    named = any(p.pos_ == "PROPN" or (p.text[:1].isalpha() and any(c.isdigit() for c in p.text)) for p in parts)
    if end == i + 1 or not named or not all(p.text.islower() for p in parts):
        return None  # a capitalised one ("al-Nimeiry", "Anglo-Saxon") is read as names are
    return doc[i:end].text, end - i


def finite_aux(t) -> bool:
    """Whether ``t`` is an auxiliary in a finite form ("is", "did", "can"), as one that asks does."""
    return t.lemma_.lower() in _AUX and t.tag_ in ("VBZ", "VBD", "VBP", "MD")


def opening_end(doc) -> int:
    """The token after the comma of an opening that asks nothing ("In a nutshell,", "So,", "Out of curiosity,"):
    no verb before the comma, and a question word or an auxiliary after it; 0 when the question has none."""
    comma = next((t.i for t in doc[:6] if t.text == ","), None)
    if comma is None or comma + 1 >= len(doc) or any(t.pos_ in ("VERB", "AUX") for t in doc[:comma]):
        return 0
    after = doc[comma + 1]
    if after.lower_ in _WH or finite_aux(after):
        return comma + 1
    return 0
