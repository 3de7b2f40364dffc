"""Does the evidence hold what the question asks about? Key terms found by stem, by a
document's links (an abbreviation and its long form, a surname and the full name), or
by the initials of a name ("United States" in a text that says "U.S.")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..text.links import Links, acronym_letters, initialisms, initials
from ..text.terms import (
    UNDERSCORED_IN_TEXT,
    VERSIONED,
    as_written,
    code_name,
    exact_mention,
    stem,
    terms,
    version_numbers,
    words,
    writes,
)
from .key_terms import KeyTerm


@dataclass(frozen=True)
class Coverage:
    """How much of the question's key terms a text holds: every name? what IDF-weighted share of all?"""

    names: bool
    share: float
    missing: tuple[str, ...]


def _acronym_in(letters: str, text: str) -> bool:
    if len(letters) < 2:
        return False
    dotted = r"\.?".join(map(re.escape, letters))
    return bool(re.search(rf"(?<![\w.]){dotted}\.?(?![a-z])", text))


def name_groups(key_terms: Iterable[KeyTerm]) -> list[list[KeyTerm]]:
    """Runs of adjacent name terms in question order ("United", "States" -> one name)."""
    groups: list[list[KeyTerm]] = []
    previous = None
    for t in key_terms:
        if t.kind == "name" and previous is not None and previous.kind == "name" and groups:
            groups[-1].append(t)
        elif t.kind == "name":
            groups.append([t])
        previous = t
    return groups


def _number_key(text: str) -> str:
    """A number as a text may write it: no thousands commas, lower case, no plural ending ("1,950's" -> "1950")."""
    return re.sub(r"'?s?$", "", text.replace(",", "").lower())


def _versioned_in(name: str, number: str, text: str, stems: set[str]) -> bool:
    """Whether ``text`` writes a name with its version ("GPLv3"): the name (or the words it abbreviates) and the
    number after "version" or "v"."""
    letters = acronym_letters(name) if name.isupper() else None
    named = not name or stem(name) in stems or bool(letters and letters in initialisms(text))
    return named and number in version_numbers(text)


def covered_terms(key_terms: tuple[KeyTerm, ...], text: str, links: Iterable[Links] = ()) -> set[int]:
    """Indexes of the key terms that ``text`` holds."""
    stems = set(terms(text))
    lower = {w.lower() for w in words(text)} | {w.lower() for w in UNDERSCORED_IN_TEXT.findall(text)}
    numbered = [w for w in lower if w[:1].isdigit()]  # "16bit": a unit written onto its number
    expansions = list(links)
    found: set[int] = set()
    for i, t in enumerate(key_terms):
        exact = exact_mention(t.text)  # "-k" is not "-K" nor the letter k, ".rar" not the word "rar"
        if exact is not None:
            if exact(t.text, text):
                found.add(i)
            continue
        if t.kind == "number":
            number = _number_key(t.text)
            hit = any(w == number or (w.startswith(number) and not w[len(number) :].isdigit()) for w in lower)
            # a dotted number ("3.7.0") as written: the text's words split it at its dots
            hit = hit or (
                "." in number and re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text.lower()) is not None
            )
        elif code_name(t.text) or as_written(t.text):  # "audio/mpeg", "HTTP/3": the text's words split them
            hit = writes(t.text, text)
        else:
            hit = stem(t.text) in stems or stem(t.lemma) in stems or t.text.lower() in lower
            # a unit written onto its number: "16 bit" asked, "16bit" written
            hit = hit or any(w.endswith(t.text.lower()) and w[: -len(t.text)].isdigit() for w in numbered)
        versioned = VERSIONED.fullmatch(t.text) if not hit else None
        if versioned:  # "GPLv3" asked, "GPL" (or "General Public License") and "Version 3" written
            hit = _versioned_in(versioned.group(1), versioned.group(2), text, stems)
        if not hit and t.kind == "name":
            for lk in expansions:
                long = lk.expand(t.text)  # "AI" asked, "Amnesty International" written
                if long and all(stem(w) in stems for w in words(long) if w[:1].isupper()):
                    hit = True
                    break
                # "Amnesty" asked, "AI" written: an abbreviation of the text whose long form holds the term
                if any(
                    v and t.text.lower() in v.lower().split() and _acronym_in(k, text) for k, v in lk.acronyms.items()
                ):
                    hit = True
                    break
        letters = acronym_letters(t.text) if not hit and t.kind == "name" and t.text.isupper() else None
        if letters and len(letters) >= 3:
            hit = letters in initialisms(text)  # "LGPL" asked, "Lesser General Public License" written
        if hit:
            found.add(i)
    for group in name_groups(key_terms):  # "United States" asked, "U.S." written
        if len(group) > 1 and _acronym_in(initials(" ".join(t.text for t in group)), text):
            found.update(key_terms.index(t) for t in group)
    return found


def coverage(key_terms: tuple[KeyTerm, ...], text: str, idf, links: Iterable[Links] = ()) -> Coverage:
    """The coverage of ``key_terms`` by ``text``; ``idf(term)`` weighs each by its rarity in the corpus."""
    if not key_terms:
        return Coverage(True, 1.0, ())
    found = covered_terms(key_terms, text, links)
    weights = [idf(stem(t.text)) for t in key_terms]
    share = sum(w for i, w in enumerate(weights) if i in found) / (sum(weights) or 1.0)
    missing = tuple(t.text for i, t in enumerate(key_terms) if i not in found)
    names_ok = all(i in found for i, t in enumerate(key_terms) if t.kind in ("name", "number"))
    return Coverage(names_ok, share, missing)
