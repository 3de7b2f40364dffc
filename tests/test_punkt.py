"""rag/text/punkt.py: the same sentence spans as nltk's Punkt with the same parameters, without importing nltk."""

import json
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

from rag.text.punkt import PunktSentenceTokenizer, load_parameters
from rag.text.sentences import EXTRA_ABBREVIATIONS, PUNKT_ENGLISH

ROOT = Path(__file__).resolve().parent.parent
TRICKY = [
    "Very bad acting!!! I promise.",
    "(Sent one.) Sent two. \"Quoted.\" Next -- one... And then? Yes!",
    "He paid $3.50 at 5 p.m. on Jan. 3. J. S. Bach wrote it. The U.S. Army left.",
    "Line one.\nLine two\n\nNew paragraph. 1. First item. 2. Second item.",
    "“We will,” he said. ‘Fine.’ «Bon.» The end",
    "",
    "   ",
    "No break here",
]


def _texts() -> list[str]:
    cases = json.loads((ROOT / "tests" / "data" / "sentence_boundaries.json").read_text(encoding="utf-8"))
    seeds = [f.read_text(encoding="utf-8") for f in sorted((ROOT / "seeds").rglob("*.txt"))]
    return TRICKY + [" ".join(c) for c in cases] + seeds


def test_spans_equal_nltk_with_the_same_parameters():
    from nltk.tokenize.punkt import PunktParameters
    from nltk.tokenize.punkt import PunktSentenceTokenizer as NltkPunkt

    params = load_parameters(PUNKT_ENGLISH)
    params.abbrev_types |= EXTRA_ABBREVIATIONS
    theirs = PunktParameters()
    theirs.abbrev_types, theirs.collocations = set(params.abbrev_types), set(params.collocations)
    theirs.sent_starters, theirs.ortho_context = set(params.sent_starters), defaultdict(int, params.ortho_context)
    ours, ref = PunktSentenceTokenizer(params), NltkPunkt(theirs)
    texts = _texts()
    assert len(texts) > 30
    for text in texts:
        assert list(ours.span_tokenize(text)) == list(ref.span_tokenize(text)), text


def test_parameters_are_nltks_english_tables():
    params = load_parameters(PUNKT_ENGLISH)
    assert len(params.abbrev_types) == 156 and {"a.m", "p.m", "jan"} <= params.abbrev_types
    assert len(params.collocations) == 37 and len(params.sent_starters) == 39 and len(params.ortho_context) == 20366
    assert ("##number##", "international") in params.collocations
    assert params.ortho_context["coverage"] == 36
    assert params.ortho_context["a word never seen"] == 0


def test_splitting_imports_neither_nltk_nor_llama_index():
    code = ("import sys; from rag.text.sentences import sentence_spans; "
            "assert sentence_spans('Dr. Hale spoke. He left.') == [(0, 15), (16, 24)]; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('nltk', 'llama_index')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
