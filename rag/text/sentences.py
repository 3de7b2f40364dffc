"""The paragraphs and sentences of a document's text, as character offsets into it.

Passages are made of them (rag/ingest/passages.py: a paragraph, a heading or a list with its
neighbours, a long one cut between sentences), so a citation can point at the exact sentence.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

# Abbreviations common in news text, added to English Punkt's trained list, which misses some
# (the splitters compared: docs/TUNING.md, "Sentence splitter").
EXTRA_ABBREVIATIONS = {
    "u.s",
    "u.k",
    "u.n",
    "lt",
    "gen",
    "col",
    "maj",
    "sgt",
    "capt",
    "cmdr",
    "adm",
    "gov",
    "sen",
    "rep",
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "st",
    "jr",
    "sr",
    "no",
    "vs",
    "inc",
    "corp",
    "co",
    "ltd",
    "e.g",
    "i.e",
    "approx",
    "fig",
    "al",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
}


PUNKT_ENGLISH = Path(__file__).parent / "punkt_english"  # NLTK's trained English parameters (Apache-2.0; its README)


@functools.lru_cache(maxsize=1)
def punkt_english():
    """NLTK's trained English Punkt model with EXTRA_ABBREVIATIONS.

    The model's tables ship with this package (rag/text/punkt_english/) and are run by
    rag/text/punkt.py, a port of nltk's tokenizer: importing nltk or llama-index to split
    sentences cost about 3.9 s of every build (docs/TUNING.md, "Sentence splitter").
    """
    from .punkt import PunktSentenceTokenizer, load_parameters

    params = load_parameters(PUNKT_ENGLISH)
    params.abbrev_types |= EXTRA_ABBREVIATIONS
    return PunktSentenceTokenizer(params)


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """Sentence (start, end) offsets in ``text`` (shifted by ``offset``), whitespace trimmed.

    A line break is a sentence boundary (ingest turned the breaks that only wrap a paragraph into
    spaces: rag/ingest/wrapping.py), except between two short lines without final punctuation,
    which read as one (a table row, a name and its role). A sentence that ends with a colon is
    one with what it introduces (a command, a list), when that is short.
    """
    spans = []
    for seg_start, seg_end in _line_groups(text):
        segment = text[seg_start:seg_end]
        for start, end in punkt_english().span_tokenize(segment):
            chunk = segment[start:end]
            lead = len(chunk) - len(chunk.lstrip())
            trail = len(chunk) - len(chunk.rstrip())
            if end - trail > start + lead:
                spans.append((offset + seg_start + start + lead, offset + seg_start + end - trail))
    return _join_introductions(text, _merge_fragments(text, spans, offset), offset)


# a line shorter than this (in characters) is a short line: a heading, a table cell, a label
SHORT_LINE = 60
# what a colon introduces joins its sentence when no longer than this (characters)
INTRODUCED_MAX = 300
_FINAL = '.!?;:"”’)'
# a section number ("2.", "1.3", "4"), then a short capitalised title without sentence punctuation, on one line:
# a heading, never quoted (rag/answer/view.py) and never run together with the lines around it
NUMBERED_HEADING = re.compile(r"\d{1,2}(?:\.\d{1,2})*\.?[ \t]+[A-Z][^\n.!?:;]{0,80}")
# the marks an unordered list's item starts with in a text (HTML and Markdown lists are read with "•")
BULLETS = "•*‣◦▪–-"
# how an item of a list starts in a text: a bullet, or a number or letter with a full stop or bracket ("3.", "b)")
LIST_ITEM = re.compile(rf"(?:[{BULLETS}]|\(?(?:\d{{1,3}}|[a-z])[.)])\s")
# a line that names command-line options ("-v, --invert-match", "--color[=WHEN]", "-A NUM")
_OPTION_LINE = re.compile(r"--?[A-Za-z][\w-]*(?:[ =\[,][^\n]{0,60})?$")
# words no English sentence ends with (articles, prepositions, conjunctions, auxiliaries): a line that ends
# with one goes on with the next, whatever the next line's case ("has been prepared by\nHåkon Wium Lie")
_GOES_ON = frozenset(
    "a an the of to in on at by for from with into onto about as than and or but nor that which whose is are was "
    "were be been has have had will would can could may might must shall should its their our your his her my".split()
)


def _line_groups(text: str) -> list[tuple[int, int]]:
    """Runs of ``text`` between line breaks; consecutive short lines without final punctuation (a table row,
    a name and its role) are one run, up to INTRODUCED_MAX characters, and so is a line that goes on with the
    sentence of the line before."""
    groups: list[tuple[int, int]] = []
    pos = 0
    rows_from = 0  # where the run of lines joined as table rows began: the cap counts from there
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        if groups:
            prev = text[groups[-1][0] : groups[-1][1]]
            last_line = prev.rsplit("\n", 1)[-1].strip()
            single = text[groups[-1][1] : start].count("\n") == 1
            table_row = (
                not NUMBERED_HEADING.fullmatch(line.strip())
                and not NUMBERED_HEADING.fullmatch(last_line)
                and len(last_line) < SHORT_LINE
                and len(line.strip()) < SHORT_LINE
                and last_line[-1:] not in _FINAL
                and line.strip()[-1:] not in _FINAL
                and end - rows_from <= INTRODUCED_MAX
            )
            # a line goes on with its sentence (a wrap the text's line lengths did not give away, as in a PDF's
            # columns) when it starts in lower case after a line without final punctuation, or the line before
            # ends with a word no sentence ends with
            # and a command-line option's line ("-v, --invert-match") goes on with its description
            continued = (
                (last_line[-1:] not in _FINAL and line.strip()[:1].islower())
                or last_line.rsplit(None, 1)[-1].lower() in _GOES_ON
                or (_OPTION_LINE.match(last_line) is not None and last_line[-1:] not in _FINAL)
            )
            # a line in capitals of a few words ("DESCRIPTION", "EXIT STATUS": a man page's or an RFC's headings)
            # is a heading: nothing joins it
            heading = last_line.isupper() and len(last_line.split()) <= 4 and last_line[-1:] not in _FINAL
            if single and (table_row or continued) and not heading:
                groups[-1] = (groups[-1][0], end)
                rows_from = rows_from if table_row else start
                continue
        groups.append((start, end))
        rows_from = start
    return groups


def _join_introductions(text: str, spans: list[tuple[int, int]], offset: int) -> list[tuple[int, int]]:
    """A sentence ending with ":" joined with the next one of its paragraph when that is short; with the first
    line of a longer one of several lines (a command, then its output). A sentence cut off mid-clause (it ends
    with a comma or a word no sentence ends with: "can be obtained with", then a command on a line of its own)
    goes on with the next when that is short, and so does a joined one with what follows in lower case."""
    out: list[tuple[int, int]] = []
    cut = False  # whether out[-1] was joined across a clause cut off
    for s, e in spans:
        if out:
            ps, pe = out[-1]
            prev = text[ps - offset : pe - offset]
            between = text[pe - offset : s - offset]
            nxt = text[s - offset : e - offset]
            near = "\n\n\n" not in between
            if prev.endswith(":") and near:
                if e - s <= INTRODUCED_MAX:
                    out[-1] = (ps, e)
                    cut = False
                    continue
                line = nxt.find("\n")
                if 0 < line <= INTRODUCED_MAX:
                    out[-1] = (ps, s + line)
                    rest = text[s + line - offset : e - offset]
                    out.append((s + line + len(rest) - len(rest.lstrip()), e))
                    cut = False
                    continue
            goes_on = _goes_on(prev, nxt, cut)
            if goes_on and near and e - s <= INTRODUCED_MAX and not LIST_ITEM.match(nxt):
                out[-1] = (ps, e)
                cut = True
                continue
        out.append((s, e))
        cut = False
    return out


def _goes_on(prev: str, nxt: str, cut: bool) -> bool:
    """Whether ``nxt`` goes on with the sentence ``prev``: ``prev`` is cut off mid-clause and ``nxt`` does not start
    a sentence; or ``prev`` already ran on from a cut (``cut``), is unfinished, and ``nxt`` starts in lower case."""
    return (_cut_off(prev) and not _starts_sentence(nxt)) or (cut and prev[-1:] not in _FINAL and nxt[:1].islower())


def _cut_off(sentence: str) -> bool:
    """Whether ``sentence`` stops mid-clause: on a word and a comma ("for example,"; not a data line's '"x",'), or
    on a word no sentence ends with ("can be obtained with")."""
    words = sentence.split()  # of three words or more: not an item of a list in code ("setTimeout,")
    return len(words) >= 3 and (_WORD_COMMA.search(sentence) is not None or words[-1].lower() in _GOES_ON)


def _starts_sentence(text: str) -> bool:
    """Whether ``text`` starts as a sentence does, with a capitalised word ("A second ..."; not "ulimit -S")."""
    first = text.split(maxsplit=1)[0] if text.strip() else ""
    return first.istitle() and first.isalpha()


_WORD_COMMA = re.compile(r"[^\W\d_]{2},$")


# a label of a numbered or lettered line: "1.", "1.2.", "(a)", "vii.", "B)", "IV."
_LABEL = re.compile(r"\(?(?:\d{1,3}(?:\.\d+)*|[a-z]{1,4}|[A-Z]|[IVX]{1,4})[.)]")


def _starts_line(text: str, spans: list[tuple[int, int]], i: int, offset: int) -> bool:
    """Whether span ``i`` starts the text or a line of it (a line break since the span before)."""
    return i == 0 or "\n" in text[spans[i - 1][1] - offset : spans[i][0] - offset]


def _number_labels(text: str, spans: list[tuple[int, int]], offset: int) -> list[tuple[int, int]]:
    """A number or letter that labels what follows ("1.2. What is this spec?", "(a) ...") at the start of
    the text or of a line, or after a finished sentence ("How do you pronounce it? 1.2. Where does ..."),
    joined with what follows: not a fragment of the sentence before."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(spans):
        s, e = spans[i]
        after_stop = i > 0 and text[spans[i - 1][0] - offset : spans[i - 1][1] - offset].rstrip('"”’)')[-1:] in "?!"
        if (
            i + 1 < len(spans)
            and (_starts_line(text, spans, i, offset) or after_stop)
            and _LABEL.fullmatch(text[s - offset : e - offset])
        ):
            out.append((s, spans[i + 1][1]))
            i += 2
            continue
        out.append((s, e))
        i += 1
    return out


def _merge_fragments(text: str, spans: list[tuple[int, int]], offset: int) -> list[tuple[int, int]]:
    """Join a closing-quote or tiny fragment onto the previous sentence; a line that starts with a label
    ("(a) ...") is a sentence of its own."""
    merged: list[tuple[int, int]] = []
    spans = _number_labels(text, spans, offset)
    for i, (s, e) in enumerate(spans):
        frag = text[s - offset : e - offset]
        labelled = i > 0 and _starts_line(text, spans, i, offset) and _LABEL.fullmatch(frag.split()[0])
        # closing quotes, stray numbers and credit lines ("/ AFP PHOTO / ...") are not sentences
        fragment = len(frag) <= 3 or re.fullmatch(r"[\W\d]{1,6}", frag) or re.match(r"[/|(\[]", frag)
        if merged and fragment and not labelled:
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: runs of text separated by blank lines. A paragraph that ends with a
    colon runs on into the next when that is short (a command or a short list it introduces), is a block of
    lines that starts with a short one (a command, then its output: the sentences take its first line) or is
    the first item of a list; one cut off mid-clause runs on into the next when that is short, and the two into
    one that follows in lower case."""
    spans: list[tuple[int, int]] = []
    cut = False  # whether spans[-1] ran on from a paragraph cut off mid-clause
    for m in re.finditer(r"\S(?:.*?\S)?(?=\n\s*\n|\s*\Z)", text, re.S):
        first_line = m.group(0).find("\n")
        short = m.end() - m.start() <= INTRODUCED_MAX
        introduced = short or 0 < first_line <= INTRODUCED_MAX or LIST_ITEM.match(m.group(0))
        prev = text[spans[-1][0] : spans[-1][1]] if spans else ""
        # "The behavior of, for example,", a command, "can be obtained with", a command: one sentence
        goes_on = _goes_on(prev, m.group(0), cut)
        if spans and ((prev.endswith(":") and introduced) or (goes_on and short and not LIST_ITEM.match(m.group(0)))):
            spans[-1] = (spans[-1][0], m.end())
            cut = goes_on and not prev.endswith(":")
        else:
            spans.append((m.start(), m.end()))
            cut = False
    return spans
