"""Split documents into passages along paragraphs and sentences, keeping offsets.

A passage is a paragraph (or a run of sentences of a long paragraph). Every
passage and every sentence carries character offsets into its document's text,
so a citation can point at the exact sentence.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

# Abbreviations common in news text, added to English Punkt's trained list, which misses some
# (the splitters compared: docs/TUNING.md, "Sentence splitter").
EXTRA_ABBREVIATIONS = {
    "u.s", "u.k", "u.n", "lt", "gen", "col", "maj", "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep",
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "vs", "inc", "corp", "co", "ltd", "e.g", "i.e",
    "approx", "fig", "al", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec",
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
    """Sentence (start, end) offsets in ``text`` (shifted by ``offset``), whitespace trimmed."""
    spans = []
    for start, end in punkt_english().span_tokenize(text):
        chunk = text[start:end]
        lead = len(chunk) - len(chunk.lstrip())
        trail = len(chunk) - len(chunk.rstrip())
        if end - trail > start + lead:
            spans.append((offset + start + lead, offset + end - trail))
    return _merge_fragments(text, spans, offset)


def _merge_fragments(text: str, spans: list[tuple[int, int]], offset: int) -> list[tuple[int, int]]:
    """Join a closing-quote or tiny fragment onto the previous sentence."""
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        frag = text[s - offset : e - offset]
        # closing quotes, stray numbers and credit lines ("/ AFP PHOTO / ...") are not sentences
        if merged and (len(frag) <= 3 or re.fullmatch(r"[\W\d]{1,6}", frag) or re.match(r"[/|(\[]", frag)):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each paragraph: runs of text separated by blank lines."""
    spans = []
    for m in re.finditer(r"\S(?:.*?\S)?(?=\n\s*\n|\s*\Z)", text, re.S):
        spans.append((m.start(), m.end()))
    return spans


