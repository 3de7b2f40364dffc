"""What a comparison compares: whether a question's word asks to compare, and the sides it names.

"How do X and Y differ?", "A vs B", "the difference between A and B": the sides are what "between" joins,
else the words on each side of "vs" as written (options and code names, which the parser tags as anything),
else the question's names.
"""

from __future__ import annotations

import re

from .key_terms import proper_phrases, span_text
from .question_words import _COMPARE, _WH
from .vocabulary import one_edit

# the forms of the comparing words a typo is checked against, and the letters one edit may bring
_COMPARE_FORMS = frozenset({"difference", "differences", "different", "compare", "comparison", "similarity"})
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_VERSUS = re.compile(r"\s+(?:vs\.?|versus)\s+", re.I)  # "acceptfont vs rejectfont": two names, not one


def compares(token) -> bool:
    """Whether ``token`` asks to compare ("differ", "difference"), also typed with a letter wrong ("diffrence")."""
    lemma = token.lemma_.lower()
    if lemma in _COMPARE:
        return True
    return len(lemma) >= 7 and lemma.isalpha() and bool(one_edit(lemma, _LETTERS) & _COMPARE_FORMS)


def comparison_sides(doc) -> list[str]:
    """The sides compared: what "between" joins first (the names of "between -L and -l in xargs" include its
    setting), else what "vs" stands between (a name can hold part of a side: "turbojpeg api vs libjpeg api"
    has the name "api vs libjpeg api"), else the names of the question."""
    sides = _between(doc) or versus(doc)
    return sides or [part for p in proper_phrases(doc) for part in _VERSUS.split(p) if part]


# what ends a side of "A vs B" written in words the parser does not call names ("--param vs --stringparam, ...")
_NOT_SIDE = ("AUX", "VERB", "PRON", "ADP", "CCONJ", "SCONJ", "DET", "PART")


def versus(doc) -> list[str]:
    """The two phrases "vs" or "versus" stands between: on each side, the words up to punctuation, a question
    word, a verb or a function word (at most four); none when a side is empty."""
    at = next((t for t in doc if t.lower_ in ("vs", "vs.", "versus")), None)
    if at is None:
        return []

    def side(tokens) -> list:
        out: list = []
        for t in tokens:
            if (t.is_punct and not t.text.startswith("-")) or t.lower_ in _WH or t.pos_ in _NOT_SIDE or len(out) == 4:
                break
            out.append(t)
        return out

    left = side(reversed(doc[: at.i]))[::-1]
    right = side(doc[at.i + 1 :])
    return [span_text(left), span_text(right)] if left and right else []


# "between A and B" as written, each side up to the end of the question, a comma or a preposition that sets where
_SIDE_WORDS = 4  # a side as written is a name, not a clause ("between the way they lived and ...")
_BETWEEN = re.compile(r"\bbetween\s+(\S.*?)\s+and\s+(\S.*?)\s*(?:[?!,;]|\s(?:in|on|for|with|when|under)\s|$)", re.I)


def _between(doc) -> list[str]:
    """The phrases "between" joins ("the archive format and the stream format"), each without its article; as
    written when the parser joins none (a name written as code, "TRANS(Disconnect)", parses as two tokens)."""
    word = next((t for t in doc if t.lower_ == "between"), None)
    first = next((c for c in word.children if c.dep_ == "pobj"), None) if word is not None else None
    if first is None or not first.conjuncts:
        found = _BETWEEN.search(doc.text) if word is not None else None
        sides = [side.strip() for side in found.groups()] if found else []
        return sides if all(len(side.split()) <= _SIDE_WORDS for side in sides) else []
    items = [first, *first.conjuncts]
    out = []
    for item in items:
        inner = [t for t in doc[item.left_edge.i : item.i + 1] if t.dep_ not in ("det", "cc", "punct")]
        out.append(span_text(inner))
    return [x for x in out if x]
