"""Training the reader: labels, a short run that resumes, export to the folder rag/answer/reader.py loads."""

import json

import numpy as np
import pytest

from rag.answer.reader_features import answer_tokens, make_tokenizer, windows
from rag.search.embedding import resolve_model
from rag.train.reader_data import Example
from rag.train.reader_train import TrainConfig, featurize

BASE = resolve_model("all-MiniLM-L6-v2")
CONTEXT = "The bridge was closed in March. Repairs will cost 4 million euros. The council voted on Tuesday."


@pytest.fixture(scope="module")
def tok():
    return make_tokenizer(f"{BASE}/tokenizer.json", 64, 16)


def test_answer_labels_point_at_the_answer_tokens(tok):
    start = CONTEXT.index("4 million euros")
    [f] = featurize([Example("How much?", CONTEXT, (("4 million euros", start),), True)], tok)
    assert f.relevant == 1.0 and f.spans
    assert CONTEXT[f.window.starts[f.start] : f.window.ends[f.end]] == "4 million euros"
    [none] = featurize([Example("Who built it?", CONTEXT, (), False)], tok)
    assert (none.start, none.end, none.relevant) == (0, 0, 0.0)


def test_windows_overlap_and_a_cut_answer_is_no_answer(tok):
    long = " ".join(f"Sentence number {i} is here." for i in range(40))
    ws = windows(tok, "Which sentence?", [long])
    assert len(ws) > 1 and all(len(w.ids) <= 64 for w in ws)
    at = long.index("number 39")
    assert answer_tokens(ws[0], at, at + 9) is None and answer_tokens(ws[-1], at, at + 9) is not None


@pytest.mark.slow
def test_a_short_run_resumes_and_exports(tmp_path):
    from rag.answer.reader import Reader
    from rag.train.reader_export import export_reader
    from rag.train.reader_train import train

    examples = [Example("How much will repairs cost?", CONTEXT, (("4 million euros", CONTEXT.index("4 million")),), True),
                Example("Who built it?", CONTEXT, (), False)] * 4
    config = TrainConfig(base_model=BASE, out_dir=tmp_path / "work", epochs=1.0, batch_size=4, max_length=64, stride=16)
    weights = train(config, examples, progress=False)
    info = json.loads((tmp_path / "work" / "training.json").read_text())
    assert info["steps"] == 2 and (tmp_path / "work" / "checkpoint.pt").exists()
    # a re-run with the same settings continues from the checkpoint (nothing left to do) ...
    train(config, examples, progress=False)
    # ... and one with other settings is refused rather than mixed in
    with pytest.raises(ValueError, match="other settings"):
        train(TrainConfig(base_model=BASE, out_dir=tmp_path / "work", epochs=1.0, batch_size=4, max_length=64,
                          stride=16, lr=1e-3), examples, progress=False)
    out = export_reader(weights, tmp_path / "model", 64, 16, BASE)
    r = Reader(out, head=False).read("How much will repairs cost?", [CONTEXT])[0]
    assert np.isfinite(r.null) and r.best is not None
