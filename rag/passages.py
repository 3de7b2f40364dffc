"""Split documents into passages along paragraphs and sentences, keeping offsets.

A passage is a paragraph (or a run of sentences of a long paragraph). Every
passage and every sentence carries character offsets into its document's text,
so a citation can point at the exact sentence.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .sources import Document

# Abbreviations common in news text, added to English Punkt's trained list, which misses some
# (the splitters compared: docs/TUNING.md, "Sentence splitter").
EXTRA_ABBREVIATIONS = {
    "u.s", "u.k", "u.n", "lt", "gen", "col", "maj", "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep",
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "vs", "inc", "corp", "co", "ltd", "e.g", "i.e",
    "approx", "fig", "al", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec",
}


@dataclass(frozen=True)
class Passage:
    """A span of a document: ``text == doc.text[start:end]``; ``sentences`` are (start, end) in the document."""

    pid: int
    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    @property
    def content_hash(self) -> str:
        return hashlib.sha1(self.text.encode("utf-8")).hexdigest()


def _lines(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@functools.lru_cache(maxsize=1)
def punkt_english():
    """NLTK's trained English Punkt model with EXTRA_ABBREVIATIONS.

    The model's tables (punkt_tab) ship inside llama-index; they are read here as plain files
    (what nltk's ``load_punkt_params`` does) rather than through nltk's data path, which would
    mean adding to nltk's process-wide search path.
    """
    from collections import defaultdict

    import llama_index.core
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    folder = Path(llama_index.core.__file__).parent / "_static" / "nltk_cache" / "tokenizers" / "punkt_tab" / "english"
    params = PunktParameters()
    params.collocations = {tuple(line.split("\t")) for line in _lines(folder / "collocations.tab")}
    params.sent_starters = set(_lines(folder / "sent_starters.txt"))
    params.abbrev_types = set(_lines(folder / "abbrev_types.txt")) | EXTRA_ABBREVIATIONS
    params.ortho_context = defaultdict(int, {w: int(n) for w, n in (line.split("\t") for line in _lines(folder / "ortho_context.tab"))})
    return PunktSentenceTokenizer(params)  # a PunktParameters object is taken as the trained model


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


def split_document(doc: Document, max_words: int, first_pid: int = 0) -> list[Passage]:
    """Passages of one document: each paragraph, long ones cut between sentences at about ``max_words``."""
    passages: list[Passage] = []
    for p_start, p_end in paragraph_spans(doc.text):
        sents = sentence_spans(doc.text[p_start:p_end], p_start) or [(p_start, p_end)]
        group: list[tuple[int, int]] = []
        words = 0
        for s in sents:
            n = len(doc.text[s[0] : s[1]].split())
            if group and words + n > max_words:
                passages.append(_make(doc, group, first_pid + len(passages)))
                group, words = [], 0
            group.append(s)
            words += n
        if group:
            passages.append(_make(doc, group, first_pid + len(passages)))
    return passages


def _make(doc: Document, sents: list[tuple[int, int]], pid: int) -> Passage:
    start, end = sents[0][0], sents[-1][1]
    return Passage(pid=pid, doc_id=doc.doc_id, start=start, end=end, text=doc.text[start:end], sentences=tuple(sents))


def split_documents(docs: list[Document], max_words: int) -> list[Passage]:
    """Passages of all documents, numbered from 0 in document order."""
    passages: list[Passage] = []
    for doc in docs:
        passages.extend(split_document(doc, max_words, first_pid=len(passages)))
    return passages
