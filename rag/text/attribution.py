"""Who said what: attribute quoted and reported statements in a document to speakers.

A quotation (possibly spanning several sentences) belongs to the speaker named
next to a speech verb in the same sentence or the next one ("..., said Townsend",
"Jones said ..."); "he"/"she" resolve to the last person mentioned. Reported
speech ("Croft rejected ...") belongs to the sentence's subject.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .terms import CAPITALIZED_RUN, STOPWORDS, words

# English reporting verbs, the verbs grammars of English list as introducing reported speech, by lemma; verbs whose
# forms are mostly nouns ("report", "comment", "answer", "estimate", "stress") are left out: a pattern cannot tell them apart
REPORTING_VERBS = (
    "say",
    "tell",
    "add",
    "continue",
    "declare",
    "note",
    "concede",
    "write",
    "state",
    "explain",
    "argue",
    "insist",
    "ask",
    "claim",
    "warn",
    "reply",
    "respond",
    "acknowledge",
    "admit",
    "deny",
    "suggest",
    "announce",
    "confirm",
    "observe",
    "complain",
    "assert",
    "maintain",
)
# the ones that also put their speaker after them ("..., said Townsend"); others take an object there
INVERTING_VERBS = (
    "say",
    "add",
    "continue",
    "declare",
    "note",
    "concede",
    "write",
    "state",
    "explain",
    "ask",
    "reply",
    "warn",
    "insist",
    "argue",
    "claim",
    "respond",
    "observe",
    "admit",
    "acknowledge",
    "announce",
    "confirm",
)
_IRREGULAR = {"say": ("said",), "tell": ("told",), "write": ("wrote", "written"), "admit": ("admitted", "admitting")}


def inflections(lemma: str) -> set[str]:
    """A verb's forms: the lemma, -s, -ed and -ing by the regular spelling rules, and irregular forms."""
    forms = {lemma, *_IRREGULAR.get(lemma, ())}
    consonant_y = lemma.endswith("y") and lemma[-2:-1] not in "aeiou"
    forms.add(
        lemma[:-1] + "ies"
        if consonant_y
        else lemma + "es"
        if lemma.endswith(("s", "sh", "ch", "x", "z", "o"))
        else lemma + "s"
    )
    irregular = _IRREGULAR.get(lemma, ())
    if not irregular:
        forms.add(lemma[:-1] + "ied" if consonant_y else lemma + "d" if lemma.endswith("e") else lemma + "ed")
    if not any(f.endswith("ing") for f in irregular):
        forms.add(
            lemma + "ing" if lemma.endswith(("ee", "ye", "oe")) or not lemma.endswith("e") else lemma[:-1] + "ing"
        )
    return forms


def _alternation(lemmas) -> str:
    return "|".join(sorted({f for lemma in lemmas for f in inflections(lemma)}, key=lambda f: (-len(f), f)))


SPEECH_VERBS = _alternation(REPORTING_VERBS)
_VERB = re.compile(rf"\b(?:{SPEECH_VERBS})\b")
_INVERTED = re.compile(rf"(?:{_alternation(INVERTING_VERBS)})")
# an attribution sentence: a name or pronoun and a speech verb in its first words ("Abadi added, ...")
_ATTRIBUTION_START = re.compile(rf"^(?:[\w.’'-]+\s+){{0,5}}(?:{SPEECH_VERBS})\b")
TITLES = {
    "general",
    "gen",
    "lt",
    "major",
    "maj",
    "brigadier",
    "colonel",
    "col",
    "captain",
    "capt",
    "sergeant",
    "admiral",
    "president",
    "minister",
    "prime",
    "director",
    "secretary",
    "spokesman",
    "spokeswoman",
    "spokesperson",
    "senator",
    "sen",
    "governor",
    "gov",
    "mayor",
    "chief",
    "commander",
    "professor",
    "prof",
    "dr",
    "mr",
    "mrs",
    "ms",
    "ambassador",
    "chairman",
    "chairwoman",
    "ceo",
    "judge",
    "king",
    "queen",
    "pope",
    "representative",
    "rep",
}
_PRONOUN = re.compile(r"\b(he|she|He|She)\b")
# indefinite pronouns and quantifiers (closed-class English words): "Nobody complained" names no speaker
_INDEFINITE = frozenset(
    "nobody everybody somebody anybody everyone someone anyone none nothing all many some few most others "
    "each both several".split()
)
_QUOTE_CHARS = '“”"'
# Stored with each index (the build attributes statements once): raise it when the rules
# change, and indexes built with the old rules have their statements found again on load.
ATTRIBUTION_VERSION = 6  # 2: links stored beside statements; 3: English reporting verbs; 4: no indefinite speakers;
# 5: a surname the text also writes in lower case is a common word (rag/text/links.py); 6: a quote after a caption
# line continues the quote before it


@dataclass(frozen=True)
class Statement:
    """Sentences (document offsets) said by one speaker; ``speaker`` holds the lower-cased name words."""

    speaker: frozenset[str]
    sentences: tuple[tuple[int, int], ...]
    quoted: bool


def statement_to_json(st: Statement) -> list:
    """A statement as JSON: [speaker words, sentence offsets, quoted]."""
    return [sorted(st.speaker), [list(se) for se in st.sentences], st.quoted]


def statement_from_json(data: list) -> Statement:
    """The inverse of ``statement_to_json``."""
    speaker, sentences, quoted = data
    return Statement(frozenset(speaker), tuple((int(s), int(e)) for s, e in sentences), bool(quoted))


def name_words(name: str) -> frozenset[str]:
    """Lower-cased words of a name without titles; hyphenated parts count too ("al-Abadi" -> abadi)."""
    out = set()
    for w in words(name):
        lw = w.lower().strip(".")
        if lw in TITLES or lw in STOPWORDS or len(lw) < 2:
            continue
        out.add(lw)
        out.update(part for part in lw.split("-") if len(part) > 2)
    return frozenset(out)


def _outside_quotes(text: str, open_at_start: bool) -> tuple[str, bool]:
    """Text of a sentence outside quotation marks, and whether a quote is still open at its end."""
    out = []
    inside = open_at_start
    for ch in text:
        if ch == "“":
            inside = True
        elif ch == "”":
            inside = False
        elif ch == '"':
            inside = not inside
        elif not inside:
            out.append(ch)
    return "".join(out), inside


def _has_quote(text: str, open_at_start: bool) -> bool:
    return open_at_start or any(c in text for c in _QUOTE_CHARS)


class _People:
    """People mentioned so far in a document, for resolving "he"/"she"."""

    def __init__(self, text: str):
        self.known: set[str] = set()
        for m in CAPITALIZED_RUN.finditer(text):
            toks = [t.lower().strip(".") for t in m.group(0).split()]
            if any(t in TITLES for t in toks):
                # the words after the last title are the person's name
                last = max(i for i, t in enumerate(toks) if t in TITLES)
                self.known.update(name_words(" ".join(m.group(0).split()[last + 1 :])))
        self.last: frozenset[str] = frozenset()

    def is_person(self, seq: str) -> bool:
        toks = [t.lower().strip(".") for t in seq.split()]
        return any(t in TITLES for t in toks) or bool(name_words(seq) & self.known)

    def mention(self, seq: str) -> None:
        if self.is_person(seq):
            self.last = name_words(seq)


def _speaker(outside: str, sentence: str, people: _People) -> frozenset[str] | None:
    """Speaker named around a speech verb in ``outside`` (text outside quotes), if any."""
    for verb in _VERB.finditer(outside):
        before = outside[: verb.start()].rstrip(" ,")
        before = re.sub(r"(\s+(?:also|then|later|strongly|even|further|again))+$", "", before)
        if re.search(r"\b(he|she|He|She)$", before):
            return people.last or None
        seqs = list(CAPITALIZED_RUN.finditer(before))
        if seqs and seqs[-1].end() >= len(before) - 1 and _named(seqs[-1].group(0)):
            return name_words(seqs[-1].group(0))
        if _INVERTED.fullmatch(verb.group(0)):
            m = re.match(r"\s+((?:[A-Z]|al-).*)", outside[verb.end() :])
            seq = CAPITALIZED_RUN.match(m.group(1)) if m else None
            if seq and not _PRONOUN.fullmatch(seq.group(0)) and _named(seq.group(0)):
                return name_words(seq.group(0))
    lead = CAPITALIZED_RUN.match(sentence.lstrip('“" '))
    if lead and people.is_person(lead.group(0)):
        return name_words(lead.group(0))
    return None


def _named(run: str) -> bool:
    """Whether a capitalised run names someone: it has name words, and is not an indefinite pronoun."""
    return bool(name_words(run)) and run.strip().lower() not in _INDEFINITE


def _before_captions(text: str, sentences: list[tuple[int, int]], i: int) -> tuple[int, int] | None:
    """The sentence before sentence ``i``, passing over up to two caption lines (a line with no final stop and no
    quote, as a web page's photo captions come out between paragraphs); None at the start."""
    j = i - 1
    while j >= 0 and i - j <= 2 and _caption(text[sentences[j][0] : sentences[j][1]]):
        j -= 1
    return sentences[j] if j >= 0 else None


def _caption(sentence: str) -> bool:
    line = sentence.strip()
    return (
        "\n" not in line and not line.endswith((".", "!", "?", ":", *_QUOTE_CHARS, "’")) and not _has_quote(line, False)
    )


def attribute(text: str, sentences: list[tuple[int, int]]) -> list[Statement]:
    """Statements in a document whose sentences are ``sentences`` (document offsets, in order)."""
    people = _People(text)
    statements: list[Statement] = []
    i = 0
    open_quote = False
    while i < len(sentences):
        s, e = sentences[i]
        sent = text[s:e]
        if _has_quote(sent, open_quote):
            # a quotation block: sentences until the quote closes
            block = [(s, e)]
            start_i = i
            outside, open_quote = _outside_quotes(sent, open_quote)
            outsides = [outside]
            while open_quote and i + 1 < len(sentences):
                i += 1
                s2, e2 = sentences[i]
                block.append((s2, e2))
                o2, open_quote = _outside_quotes(text[s2:e2], True)
                outsides.append(o2)
            joined = " ".join(outsides)
            speaker = _speaker(joined, text[block[0][0] : block[0][1]], people)
            if speaker is None and i + 1 < len(sentences) and "\n\n" not in text[block[-1][1] : sentences[i + 1][0]]:
                # "a quote whose speaker appears in the next sentence" (same paragraph)
                ns, ne = sentences[i + 1]
                nxt = text[ns:ne]
                speaker = _speaker(nxt, nxt, people) if _ATTRIBUTION_START.match(nxt) else None
                if speaker:
                    block.append((ns, ne))
                    i += 1
            if (
                speaker is None
                and sent.lstrip().startswith(("“", '"'))
                and statements
                and statements[-1].quoted
                and statements[-1].sentences[-1] == _before_captions(text, sentences, start_i)
            ):
                # an unattributed quote right after a quote continues that speaker (a photo's caption between them
                # is not the article's text)
                speaker = statements[-1].speaker
            if speaker:
                statements.append(Statement(speaker, tuple(block), True))
                people.last = speaker
            for seq in CAPITALIZED_RUN.finditer(joined):
                people.mention(seq.group(0))
            if speaker:
                people.last = speaker
        else:
            speaker = None
            if _VERB.search(sent):
                speaker = _speaker(sent, sent, people)
            if speaker:
                statements.append(Statement(speaker, ((s, e),), False))
            for seq in CAPITALIZED_RUN.finditer(sent):
                people.mention(seq.group(0))
            if speaker:
                people.last = speaker
        i += 1
    return merge_adjacent(text, statements)


def merge_adjacent(text: str, statements: list[Statement]) -> list[Statement]:
    """Join consecutive statements of one speaker within a paragraph ("“...,” he said. “...”")."""
    out: list[Statement] = []
    for st in statements:
        if out and out[-1].speaker == st.speaker:
            gap = text[out[-1].sentences[-1][1] : st.sentences[0][0]]
            if not gap.strip() and "\n\n" not in gap:
                prev = out.pop()
                out.append(Statement(prev.speaker, prev.sentences + st.sentences, prev.quoted or st.quoted))
                continue
        out.append(st)
    return out


def is_direct(text: str, statement: Statement) -> bool:
    """True when the statement opens with the speaker's own words (a quotation mark)."""
    s, _ = statement.sentences[0]
    return text[s:].lstrip()[:1] in ("“", '"')


def statements_by(statements: list[Statement], name: str) -> list[Statement]:
    """The statements whose speaker shares a name word with ``name``."""
    wanted = name_words(name)
    return [st for st in statements if st.speaker & wanted]
