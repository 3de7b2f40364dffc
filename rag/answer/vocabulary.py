"""Does a word of a question occur in the sources? Tolerant of accents, hyphens, plurals and typos.

Used to refuse questions whose names or numbers the sources never mention,
without refusing "Celeron" for "Céleron" or "Bismark" for "Bismarck". A typo is one edit (a letter
dropped, added, changed, or two swapped: most misspellings are one, Damerau 1964) that keeps the first
letter; a word two edits from the sources' ("weather" for "whether", "drones" for "done") is another word.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..text.terms import stem

_JOINED_UNIT = re.compile(r"\d+([^\W\d_]{2,})")


def fold(word: str) -> str:
    """Lower case without accents: "Céleron" -> "celeron"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Vocabulary:
    """The folded words of a corpus, with their stems and the letters they use (a typo's edits draw on these)."""

    def __init__(self, words: Iterable[str], fuzzy_min_length: int = 5):
        self.words = {fold(w) for w in words}
        # hyphenated words also count by their parts ("al-Abadi" -> "abadi") and joined ("Life-time", a PDF's
        # word broken at a wrap and kept hyphenated, -> "lifetime")
        hyphenated = [w for w in self.words if "-" in w]
        self.words |= {part for w in hyphenated for part in w.split("-") if part}
        self.words |= {w.replace("-", "") for w in hyphenated}
        # a unit written onto its number ("16bit", "64kb") also counts by the unit, as "16-bit" does by its parts
        self.words |= {m.group(1) for w in self.words if (m := _JOINED_UNIT.fullmatch(w))}
        self.stems = {stem(w) for w in self.words}
        self.letters = "".join(sorted({ch for w in self.words for ch in w if ch.isalpha()}))
        self.fuzzy_min_length = fuzzy_min_length

    def _exact(self, w: str) -> bool:
        return w in self.words or stem(w) in self.stems

    def contains(self, word: str) -> bool:
        """True when ``word`` (or each part of a hyphenated word, or a near spelling) is in the corpus."""
        w = fold(word)
        if self._exact(w):
            return True
        if re.fullmatch(r"\d+s", w) and self._exact(w[:-1]):  # "1700s"
            return True
        # "Sky+Box", "WW-II", "U.S.-led": each part; a word with letters also by its dots ("U.S.", "Inc."), which the
        # corpus's words do not keep, while a number keeps them ("3.5" is not "3" and "5")
        splitter = r"[^\w']+" if re.search(r"[^\W\d_]", w) else r"[^\w.']+"
        parts = [p for p in re.split(splitter, w) if p]
        if len(parts) > 1 or (parts and parts[0] != w):
            return all(self.contains(p) or (p.isdigit() and len(p) <= 2) for p in parts)
        if re.fullmatch(r"[^\W\d_]\.?", w):  # an initial ("J." of "J. A. Hobson") names nothing alone
            return True
        if len(w) < self.fuzzy_min_length or w.isdigit():
            return False
        return any(v in self.words for v in one_edit(w, self.letters))

    def spelled(self, word: str) -> str:
        """``word`` as the corpus spells it when it is a typo of one of its words: not in the corpus, not a name
        (no capital), ``fuzzy_min_length`` letters or more, one edit from exactly one corpus word ("cycels" ->
        "cycles"); else ``word`` itself."""
        w = fold(word)
        if not word.isalpha() or not word.islower() or len(w) < self.fuzzy_min_length or self._exact(w):
            return word
        near = [v for v in one_edit(w, self.letters) if v in self.words]
        return near[0] if len(near) == 1 else word


def one_edit(word: str, letters: str) -> set[str]:
    """The words one edit from ``word`` that keep its first letter: a letter deleted, two neighbours
    swapped, a letter replaced by or inserted from ``letters`` (Norvig's spelling corrector)."""
    head, rest = word[0], word[1:]
    splits = [(rest[:i], rest[i:]) for i in range(len(rest) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    return {head + v for v in out} - {word}
