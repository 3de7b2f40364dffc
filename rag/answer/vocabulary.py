"""Does a word of a question occur in the sources? Tolerant of accents, hyphens, plurals and typos.

Used to refuse questions whose names or numbers the sources never mention,
without refusing "Celeron" for "Céleron" or "Bismark" for "Bismarck".
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from ..text.terms import stem


def fold(word: str) -> str:
    """Lower case without accents: "Céleron" -> "celeron"."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


class Vocabulary:
    """The folded words of a corpus, with their stems, bucketed by first letter for fuzzy look-ups."""

    def __init__(self, words: Iterable[str], fuzzy_min_length: int = 5, fuzzy_ratio: float = 0.8):
        self.words = {fold(w) for w in words}
        # hyphenated words also count by their parts ("al-Abadi" -> "abadi")
        self.words |= {part for w in self.words if "-" in w for part in w.split("-") if part}
        self.stems = {stem(w) for w in self.words}
        self._by_initial: dict[str, list[str]] = defaultdict(list)
        for w in self.words:
            if len(w) >= fuzzy_min_length - 1:
                self._by_initial[w[0]].append(w)
        self.fuzzy_min_length = fuzzy_min_length
        self.fuzzy_ratio = fuzzy_ratio

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
        candidates = [c for c in self._by_initial.get(w[0], ()) if abs(len(c) - len(w)) <= 2]
        return bool(difflib.get_close_matches(w, candidates, n=1, cutoff=self.fuzzy_ratio))
