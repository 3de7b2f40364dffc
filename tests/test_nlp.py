"""rag/text/nlp.py: the English pipeline loads without torch or spaCy's command line, parses the same as with them, and torch
still imports after it."""

from __future__ import annotations

import json
import subprocess
import sys

from rag.text import nlp

TEXT = "Maria Lopez said on 3 May 2021 that the council in Porto had approved 40 new homes."


def _parse_in_process(torch_first: bool) -> dict:
    code = ("import json, sys\n" + ("import torch\n" if torch_first else "") +
            "from rag.text import nlp\n"
            f"doc = nlp.parse({TEXT!r})\n"
            "print(json.dumps({'torch': 'torch' in sys.modules, "
            "'tokens': [(t.text, t.tag_, t.dep_, t.head.i, t.lemma_) for t in doc], "
            "'ents': [(e.text, e.label_) for e in doc.ents]}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_pipeline_loads_without_torch_and_parses_as_it_does_with_torch():
    without, with_torch = _parse_in_process(torch_first=False), _parse_in_process(torch_first=True)
    assert without["torch"] is False and with_torch["torch"] is True
    assert without["tokens"] == with_torch["tokens"] and without["ents"] == with_torch["ents"]
    assert ["Maria Lopez", "PERSON"] in without["ents"]


def test_torch_imports_after_the_pipeline_loaded():
    code = "from rag.text import nlp; nlp.load(); import torch; print(torch.tensor([1, 2]).sum().item())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "3"


def test_lemmas_leave_out_punctuation():
    assert nlp.lemmas("She visited the port.") == ("she", "visit", "the", "port")


def test_the_pipeline_loads_without_spacys_command_line_which_still_imports_after():
    code = ("import sys; from rag.text import nlp; nlp.load(); "
            "print(sorted(m for m in ('spacy.cli.download', 'typer', 'weasel') if m in sys.modules)); "
            "import spacy, spacy.cli; print(spacy.info()['spacy_version'][:2], callable(spacy.cli.download))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-2:] == ["[]", "3. True"]
