"""Names and abbreviations linked within one document, from its own text (done once, at ingest).

* An abbreviation ("AI", "U.S.") is linked to the run of capitalised words whose initials
  it spells ("Amnesty International"), the nearest one before its first use, as in
  "Long Form (LF)" (Schwartz & Hearst 2003) but without needing the parentheses.
* A short name is linked to the fullest mention of the person in the document: a surname
  ("Jones") to the run that introduces it ("British Major General Rupert Jones"), when
  that run has a title or at least two name words. Within one news story a surname
  almost always means the last full name it matches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .attribution import TITLES
from .terms import CAPITALIZED_RUN

_ACRONYM = re.compile(r"(?<![\w.])(?:(?:[A-Z]\.){2,}|[A-Z]{2,6}s?)(?![\w])")
_CONNECTORS = {"of", "for", "the", "and", "de", "van", "von", "al", "bin", "on", "in"}
_LEADING = {
    "the",
    "a",
    "an",
    "in",
    "on",
    "at",
    "by",
    "for",
    "from",
    "with",
    "as",
    "but",
    "and",
    "so",
    "if",
    "when",
    "while",
    "after",
    "before",
    "according",
    "since",
    "although",
}


@dataclass(frozen=True)
class Links:
    """``acronyms``: letters (no dots, upper case) -> long form or None; ``names``: lower-case short name -> full mention."""

    acronyms: dict[str, str | None] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"acronyms": self.acronyms, "names": self.names}

    @classmethod
    def from_json(cls, data: dict | None) -> Links:
        data = data or {}
        return cls(dict(data.get("acronyms", {})), dict(data.get("names", {})))

    def expand(self, term: str) -> str | None:
        """The long form of an abbreviation or the full mention of a short name, if the document links one."""
        letters = acronym_letters(term)
        if letters and self.acronyms.get(letters):
            return self.acronyms[letters]
        return self.names.get(term.lower())


def acronym_letters(word: str) -> str | None:
    """ "U.S." -> "US", "AI" -> "AI", "NGOs" -> "NGO"; None for a word that is not an abbreviation."""
    if not _ACRONYM.fullmatch(word):
        return None
    letters = word.replace(".", "")
    return letters[:-1] if letters.endswith("s") else letters


def initials(phrase: str) -> str:
    """Initials of the capitalised words of ``phrase``: "Amnesty International" -> "AI"."""
    return "".join(w[0] for w in re.split(r"[\s-]+", phrase) if w and w[0].isupper())


def initialisms(text: str, shortest: int = 3) -> set[str]:
    """The initials of each run of capitalised words in ``text`` and of the run's ends (what follows its first
    words), ``shortest`` letters or more: what a reader may abbreviate a name the text spells out to ("LGPL" for
    "GNU Lesser General Public License"). Only whole runs and their ends: every part of every run would match
    many an abbreviation by chance."""
    out: set[str] = set()
    for m in CAPITALIZED_RUN.finditer(text):
        caps = "".join(w[0].upper() for w in re.split(r"[\s-]+", m.group(0)) if w[:1].isupper())
        out.update(caps[a:] for a in range(len(caps) - shortest + 1))
    return out


def _ends_sentence(word: str) -> bool:
    """A capitalised word with a full stop that ends a sentence ("State.") rather than an abbreviation ("Lt.", "U.S.")."""
    core = word.rstrip(".")
    return word.endswith(".") and len(core) > 3 and "." not in core and core.lower() not in TITLES


def _runs(text: str) -> list[tuple[int, str]]:
    """(offset, text) of each capitalised run, cut at sentence ends and line breaks (a heading and the sentence
    under it are no name), without an opening word that is no name."""
    out = []
    for m in CAPITALIZED_RUN.finditer(text):
        pos = m.start()
        run: list[str] = []
        start = pos
        for word in m.group(0).split():
            at = text.index(word, pos)
            if run and "\n" in text[pos:at]:
                out.append((start, " ".join(run).rstrip(".,’'")))
                run = []
            pos = at + len(word)
            if not run and word.lower() in _LEADING:
                continue
            if not run:
                start = at
            run.append(word)
            if _ends_sentence(word) or word.endswith(("’", "'")):
                out.append((start, " ".join(run).rstrip(".’'")))
                run = []
        if run:
            out.append((start, " ".join(run).rstrip(".,’'")))
    return out


def _alone(text: str, word: str) -> bool:
    """Whether ``word`` occurs without a capitalised word right before it (a surname used alone)."""
    for m in re.finditer(rf"\b{re.escape(word)}\b", text):
        if not _word_before(text, m.start())[:1].isupper():
            return True
    return False


def _word_before(text: str, pos: int) -> str:
    """The word right before ``pos`` on its line and in its sentence ("" after a line break, a full stop, a comma or
    an opening quote), found by looking back from ``pos``: splitting all the text before it, once per mention of
    every name, made a long document's links take minutes."""
    end = pos
    while end > 0 and text[end - 1] == " ":
        end -= 1
    if end == 0 or text[end - 1] in '\n.,“"':
        return ""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


def link_document(text: str) -> Links:
    """The links of one document's text."""
    runs = _runs(text)
    acronyms: dict[str, str | None] = {}
    for m in _ACRONYM.finditer(text):
        letters = acronym_letters(m.group(0))
        if not letters or letters in acronyms:
            continue
        spelled = [(pos, run) for pos, run in runs if initials(run) == letters and len(run.split()) >= len(letters)]
        before = [r for r in spelled if r[0] < m.start()]
        acronyms[letters] = (before[-1] if before else spelled[0])[1] if spelled else None
    names: dict[str, str] = {}
    # a word the text also writes in lower case is a common word ("Build Rules" in a heading; "General Public
    # License", "General" taken for a rank), not a surname
    common = set(re.findall(r"(?<![\w.-])[a-z]+(?![\w-])", text))
    # a run that only ever opens a sentence may start with a verb ("Cite Skua when ...", "See Skua"): a name
    # without a title must occur inside a sentence at least once
    inside = {run for pos, run in runs if text[:pos].rstrip(' \t“"(')[-1:] not in ("", ".", "!", "?", "\n", ":")}
    for _, run in runs:
        words = [w for w in run.split() if not w.endswith(("’s", "'s"))]
        titled = [i for i, w in enumerate(words) if w.lower().strip(".") in TITLES]
        name = words[titled[-1] + 1 :] if titled else words
        # no person's name holds an acronym, nor, unless after a title ("Director of Research for ..."), "of",
        # "for" or "the" ("See the Skua", "Bank of England")
        if not name or any((w.isupper() and len(w) > 1) or (w in ("of", "for", "the") and not titled) for w in name):
            continue
        surname = name[-1].split("-")[-1]
        untitled_ok = 2 <= len(name) <= 3 and run in inside and _alone(text, surname)
        if surname.lower() in common or not (titled or untitled_ok):
            continue
        for short in sorted({name[-1].lower(), surname.lower()}):
            if len(run) > len(names.get(short, "")):
                names[short] = run
    return Links(acronyms, names)
