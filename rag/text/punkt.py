"""Punkt sentence boundaries with trained parameters: the tokenizing half of NLTK's Punkt.

A port of ``nltk.tokenize.punkt.PunktSentenceTokenizer.span_tokenize`` (NLTK 3.10.4,
Copyright (C) 2001-2026 NLTK Project, Apache License 2.0; algorithm: Kiss & Strunk 2006),
without the trainer, pickling and debugging. ``import nltk`` alone takes about 1.9 s (its
package imports scipy and scikit-learn), more than splitting a whole corpus, and the
product only ever applies the trained English parameters (rag/text/punkt_english/).

The regular expressions, token annotations and decisions are NLTK's, unchanged, so the
spans are the same: tests/test_punkt.py compares them with nltk's own tokenizer.
"""

from __future__ import annotations

import re
import string
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")

# orthographic contexts: beginning / middle / unknown position, upper / lower case
_BEG_UC, _MID_UC, _UNK_UC, _BEG_LC, _MID_LC, _UNK_LC = (1 << i for i in range(1, 7))
_ORTHO_UC = _BEG_UC + _MID_UC + _UNK_UC
_ORTHO_LC = _BEG_LC + _MID_LC + _UNK_LC
_PUNCTUATION = tuple(";:,.!?")
_SENT_END_CHARS = (".", "?", "!")

_NON_WORD = r"(?:[)\";}\]\*:@\'\({\[\u2018\u2019\u201c\u201d\xab\xbb%s])" % re.escape(
    "".join(sorted(set(_SENT_END_CHARS) - {"."}))
)
_MULTI_CHAR = r"(?:\-{2,}|\.{2,}|(?:\.\s){2,}\.)"
_WORD_START = r"[^\(\"\`{\[:;&\#\*@\)}\]\-,]"
_WORD_RE = re.compile(
    r"""(
        %(MultiChar)s
        |
        (?=%(WordStart)s)\S+?  # Accept word characters until end is found
        (?= # Sequences marking a word's end
            \s|                                 # White-space
            $|                                  # End-of-string
            %(NonWord)s|%(MultiChar)s|          # Punctuation
            ,(?=$|\s|%(NonWord)s|%(MultiChar)s) # Comma if at end of word
        )
        |
        \S
    )"""
    % {"NonWord": _NON_WORD, "MultiChar": _MULTI_CHAR, "WordStart": _WORD_START},
    re.UNICODE | re.VERBOSE,
)
_PERIOD_CONTEXT_RE = re.compile(
    r"""
        %(SentEndChars)s             # a potential sentence ending
        (?=(?P<after_tok>
            %(NonWord)s              # either other punctuation
            |
            \s+(?P<next_tok>\S+)     # or whitespace and some other token
        ))"""
    % {"NonWord": _NON_WORD, "SentEndChars": "[%s]" % re.escape("".join(_SENT_END_CHARS))},
    re.UNICODE | re.VERBOSE,
)
_BOUNDARY_REALIGNMENT = re.compile(r'["\')\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:\s+|(?=--)|$)', re.MULTILINE)
_RE_NON_PUNCT = re.compile(r"[^\W\d]", re.UNICODE)
_RE_ELLIPSIS = re.compile(r"\.\.+$")
_RE_NUMERIC = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
_RE_INITIAL = re.compile(r"[^\W\d]\.$", re.UNICODE)


@dataclass
class PunktParameters:
    """A trained model: abbreviations, collocations (pairs of types), sentence starters, orthographic contexts."""

    abbrev_types: set[str] = field(default_factory=set)
    collocations: set[tuple[str, str]] = field(default_factory=set)
    sent_starters: set[str] = field(default_factory=set)
    ortho_context: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def load_parameters(folder: Path) -> PunktParameters:
    """Parameters from a folder in NLTK's punkt_tab format (what nltk's ``load_punkt_params`` reads)."""
    folder = Path(folder)
    params = PunktParameters()
    params.collocations = {
        (first, second) for first, second in (line.split("\t") for line in _lines(folder / "collocations.tab"))
    }
    params.sent_starters = set(_lines(folder / "sent_starters.txt"))
    params.abbrev_types = set(_lines(folder / "abbrev_types.txt"))
    for line in _lines(folder / "ortho_context.tab"):
        word, count = line.split("\t")
        params.ortho_context[word] = int(count)
    return params


class Token:
    """A word of the text with Punkt's annotations."""

    __slots__ = ("tok", "type", "period_final", "parastart", "linestart", "sentbreak", "abbr", "ellipsis")
    tok: str
    type: str
    period_final: bool
    parastart: bool
    linestart: bool
    sentbreak: bool | None  # None: not decided (falsy, as in nltk)
    abbr: bool | None
    ellipsis: bool | None

    def __init__(self, tok: str, parastart: bool = False, linestart: bool = False):
        self.tok = tok
        self.type = _RE_NUMERIC.sub("##number##", tok.lower())
        self.period_final = tok.endswith(".")
        self.parastart, self.linestart = parastart, linestart
        self.sentbreak = self.abbr = self.ellipsis = None

    @property
    def type_no_period(self) -> str:
        return self.type[:-1] if len(self.type) > 1 and self.type[-1] == "." else self.type

    @property
    def type_no_sentperiod(self) -> str:
        return self.type_no_period if self.sentbreak else self.type

    @property
    def first_upper(self) -> bool:
        return self.tok[0].isupper()

    @property
    def first_lower(self) -> bool:
        return self.tok[0].islower()


def _pairs(items: Iterable[_T]) -> Iterator[tuple[_T, _T | None]]:
    """Each item with the next one (None after the last)."""
    it = iter(items)
    try:
        prev = next(it)
    except StopIteration:
        return
    for item in it:
        yield prev, item
        prev = item
    yield prev, None


class PunktSentenceTokenizer:
    """Sentence spans of a text under trained ``params`` (nltk's ``span_tokenize`` with realignment)."""

    def __init__(self, params: PunktParameters):
        self._params = params

    def span_tokenize(self, text: str) -> Iterator[tuple[int, int]]:
        for sentence in self._realign_boundaries(text, self._slices_from_text(text)):
            yield sentence.start, sentence.stop

    # -- candidate breaks ------------------------------------------------------------------
    def _match_potential_end_contexts(self, text: str) -> Iterator[tuple[re.Match[str], str]]:
        """Each potential break with its context (the word before it, it, the token after it)."""
        previous_slice, previous_match = slice(0, 0), None
        for match in _PERIOD_CONTEXT_RE.finditer(text):
            before_text = text[previous_slice.stop : match.start()]
            index_after_last_space = _last_whitespace(before_text)
            if index_after_last_space:
                index_after_last_space += previous_slice.stop + 1
            else:
                index_after_last_space = previous_slice.start
            prev_word_slice = slice(index_after_last_space, match.start())
            # an overlap with the previous context drops the previous match
            if previous_match and previous_slice.stop <= prev_word_slice.start:
                yield previous_match, text[previous_slice] + previous_match.group() + previous_match.group("after_tok")
            previous_match, previous_slice = match, prev_word_slice
        if previous_match:
            yield previous_match, text[previous_slice] + previous_match.group() + previous_match.group("after_tok")

    def _slices_from_text(self, text: str) -> Iterator[slice]:
        last_break = 0
        for match, context in self._match_potential_end_contexts(text):
            if self._contains_sentbreak(context):
                yield slice(last_break, match.end())
                # the next sentence starts after the whitespace, or at the following punctuation
                last_break = match.start("next_tok") if match.group("next_tok") else match.end()
        yield slice(last_break, len(text.rstrip()))  # the last sentence without trailing whitespace

    def _realign_boundaries(self, text: str, slices: Iterator[slice]) -> Iterator[slice]:
        """Closing punctuation after a period goes with the sentence it closes: "(Sent1.) Sent2."."""
        realign = 0
        for sentence1, sentence2 in _pairs(slices):
            sentence1 = slice(sentence1.start + realign, sentence1.stop)
            if not sentence2:
                if text[sentence1]:
                    yield sentence1
                continue
            m = _BOUNDARY_REALIGNMENT.match(text[sentence2])
            if m:
                yield slice(sentence1.start, sentence2.start + len(m.group(0).rstrip()))
                realign = m.end()
            else:
                realign = 0
                if text[sentence1]:
                    yield sentence1

    def _contains_sentbreak(self, text: str) -> bool:
        """Whether a token of ``text`` other than its last is a sentence break."""
        found = False
        for tok in self._annotate_tokens(_tokenize_words(text)):
            if found:
                return True
            if tok.sentbreak:
                found = True
        return False

    # -- annotation ------------------------------------------------------------------------
    def _annotate_tokens(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for token1, token2 in _pairs(self._first_pass(t) for t in tokens):
            self._second_pass(token1, token2)
            yield token1

    def _first_pass(self, aug_tok: Token) -> Token:
        """Breaks, ellipses and abbreviations decided by the word's type alone."""
        tok = aug_tok.tok
        if tok in _SENT_END_CHARS:
            aug_tok.sentbreak = True
        elif _RE_ELLIPSIS.match(tok):
            aug_tok.ellipsis = True
        elif aug_tok.period_final and not tok.endswith(".."):
            stem = tok[:-1].lower()
            if stem in self._params.abbrev_types or stem.split("-")[-1] in self._params.abbrev_types:
                aug_tok.abbr = True
            else:
                aug_tok.sentbreak = True
        return aug_tok

    def _second_pass(self, aug_tok1: Token, aug_tok2: Token | None) -> None:
        """The collocation, orthographic and sentence-starter heuristics on a word ending in a period."""
        if not aug_tok2 or not aug_tok1.period_final:
            return
        typ, next_typ = aug_tok1.type_no_period, aug_tok2.type_no_sentperiod
        tok_is_initial = bool(_RE_INITIAL.match(aug_tok1.tok))
        if (typ, next_typ) in self._params.collocations:
            aug_tok1.sentbreak, aug_tok1.abbr = False, True
            return
        if (aug_tok1.abbr or aug_tok1.ellipsis) and not tok_is_initial:
            if self._ortho_heuristic(aug_tok2) is True:
                aug_tok1.sentbreak = True
                return
            if aug_tok2.first_upper and next_typ in self._params.sent_starters:
                aug_tok1.sentbreak = True
                return
        if tok_is_initial or typ == "##number##":
            is_sent_starter = self._ortho_heuristic(aug_tok2)
            if is_sent_starter is False:
                aug_tok1.sentbreak, aug_tok1.abbr = False, True
                return
            if (
                is_sent_starter == "unknown"
                and tok_is_initial
                and aug_tok2.first_upper
                and not (self._params.ortho_context[next_typ] & _ORTHO_LC)
            ):
                aug_tok1.sentbreak, aug_tok1.abbr = False, True

    def _ortho_heuristic(self, aug_tok: Token) -> bool | str:
        """Whether ``aug_tok`` starts a sentence: True, False or "unknown"."""
        if aug_tok.tok in _PUNCTUATION:
            return False
        ortho_context = self._params.ortho_context[aug_tok.type_no_sentperiod]
        if aug_tok.first_upper and (ortho_context & _ORTHO_LC) and not (ortho_context & _MID_UC):
            return True
        if aug_tok.first_lower and ((ortho_context & _ORTHO_UC) or not (ortho_context & _BEG_LC)):
            return False
        return "unknown"


def _last_whitespace(text: str) -> int:
    """Index of the last whitespace character of ``text``, 0 when there is none."""
    for i in range(len(text) - 1, -1, -1):
        if text[i] in string.whitespace:
            return i
    return 0


def _tokenize_words(plaintext: str) -> Iterator[Token]:
    """Punkt's words, the first of each line marked, and of each paragraph."""
    parastart = False
    for line in plaintext.split("\n"):
        if line.strip():
            toks = _WORD_RE.findall(line)
            if not toks:
                continue
            yield Token(toks[0], parastart=parastart, linestart=True)
            parastart = False
            for tok in toks[1:]:
                yield Token(tok)
        else:
            parastart = True
