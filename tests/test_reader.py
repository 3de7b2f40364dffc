"""The shipped reader (rag/reader_model), loaded and run for real."""

import json
import subprocess
import sys

import numpy as np
import pytest

from rag.answer.reader import BUNDLED, Reader, ReaderError, load_reader, reader_folder

PARAGRAPH = ("The Millbrook bridge was closed in March after engineers found cracks in two of its pillars. "
             "Repairs are expected to cost 4 million euros. The town council voted on Tuesday to reopen it in 2027. "
             "Local shops say trade has fallen by a third since the closure.")
SENTENCES = [(0, 92), (93, 137), (138, 200), (201, 265)]


@pytest.fixture(scope="module")
def reader():
    return load_reader("bundled")


def test_the_reader_ships_with_its_card():
    assert (BUNDLED / "model.onnx").is_file() and (BUNDLED / "MODEL_CARD.md").is_file()
    assert (BUNDLED / "model.onnx").stat().st_size < 30 * 1024 * 1024  # the repository's budget


def test_answering_sentence_outranks_the_others(reader):
    assert [PARAGRAPH[s:e][-5:] for s, e in SENTENCES][-1] == "sure."
    for question, right in [("How much will the repairs cost?", 1), ("When did the council vote?", 2),
                            ("Why was the bridge closed?", 0), ("By how much has trade fallen?", 3)]:
        r = reader.read(question, [PARAGRAPH], [SENTENCES])[0]
        scores = [s.score for s in r.sentences]
        assert scores.index(max(scores)) == right, (question, scores)
        best = r.sentences[right]
        assert SENTENCES[right][0] <= best.start < best.end <= SENTENCES[right][1]


def test_short_answer_span(reader):
    r = reader.read("How much will the repairs cost?", [PARAGRAPH], [SENTENCES])[0]
    assert "4 million" in PARAGRAPH[r.best.start : r.best.end]


def test_each_sentence_gets_its_best_spans_best_first(reader):
    one = reader.read("How much will the repairs cost?", [PARAGRAPH], [SENTENCES])[0]
    r = reader.read("How much will the repairs cost?", [PARAGRAPH], [SENTENCES], phrases=3)[0]
    assert one.phrases == () and r.sentences == one.sentences  # the best spans are read as before
    for best, found in zip(r.sentences, r.phrases):
        assert len(found) == 3 and len({(f.start, f.end) for f in found}) == 3
        assert (found[0].start, found[0].end, found[0].score) == (best.start, best.end, best.score)
        assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)


def test_the_top_spans_are_the_best_start_and_end_pairs():
    from rag.answer.reader import _best_span, _span_scores, _top_of

    rng = np.random.default_rng(0)
    start, end = rng.normal(size=40).astype(np.float32), rng.normal(size=40).astype(np.float32)
    top = _top_of(_span_scores(start, end, 3, 30, 8), 3, 5)
    assert top[0] == _best_span(start, end, 3, 30, 8)
    every = sorted(((i, j, float(start[i] + end[j])) for i in range(3, 30) for j in range(i, min(i + 8, 30))),
                   key=lambda t: -t[2])
    assert [t[:2] for t in top] == [t[:2] for t in every[:5]]


def test_unanswerable_question_prefers_no_answer(reader):
    r = reader.read("Who designed the bridge?", [PARAGRAPH], [SENTENCES])[0]
    assert r.null > max(s.score for s in r.sentences)
    assert r.answerable < reader.read("When did the council vote?", [PARAGRAPH], [SENTENCES])[0].answerable


def test_relevance_prefers_the_passage_that_answers(reader):
    other = "The museum opened a new wing for modern art. Tickets cost ten euros on weekdays."
    on, off = reader.read("How much will the repairs cost?", [PARAGRAPH, other])
    assert on.relevance > off.relevance and on.answerable > off.answerable


def test_long_passages_are_read_in_windows(reader):
    long = " ".join(["The weather was mild and nothing happened that day."] * 60) + " The vote took place on Friday."
    r = reader.read("When did the vote take place?", [long])[0]
    assert "Friday" in long[r.best.start : r.best.end]


def test_reader_setting():
    assert reader_folder("off") is None
    assert reader_folder("bundled") == BUNDLED
    with pytest.raises(ReaderError, match="no model.onnx"):
        reader_folder("/nonexistent/reader")


def test_damaged_reader_folder_is_a_clear_error(tmp_path):
    (tmp_path / "model.onnx").write_bytes(b"not a model")
    (tmp_path / "reader.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ReaderError, match="cannot load the reader"):
        Reader(tmp_path)


# Readings of the graph as shipped before it had the cls output (commit fb4b2c9): adding the output and the
# answerable head changed none of them.
BEFORE_THE_HEAD = {
    "How much will the repairs cost?": (5.098903656005859, 2.8750967979431152, (122, 137, 10.710104942321777),
                                        [-4.588258743286133, 10.710104942321777, -8.018320083618164, -4.100068092346191]),
    "Who designed the bridge?": (7.417137145996094, -2.418783187866211, (4, 20, -0.6608090996742249),
                                 [-0.6608090996742249, -9.385519981384277, -3.6493453979492188, -8.03188419342041]),
}


# sha1 of the graph before it had the cls output (its nodes, then its initializers by name), commit fb4b2c9
GRAPH_BEFORE_THE_HEAD = "df21aeb31e5add19171945632d3527db8a3c6917"


def test_the_graph_is_the_one_before_with_the_cls_output_added():
    # exact on every CPU: the old graph's nodes and weights, and one Identity that names its [CLS] vector "cls"
    import hashlib

    import onnx

    model = onnx.load(str(BUNDLED / "model.onnx"))
    added = [n for n in model.graph.node if list(n.output) == ["cls"]]
    assert [n.op_type for n in added] == ["Identity"]
    h = hashlib.sha1()
    for n in model.graph.node:
        if n not in added:
            h.update(n.SerializeToString())
    for i in sorted(model.graph.initializer, key=lambda i: i.name):
        h.update(i.SerializeToString())
    assert h.hexdigest() == GRAPH_BEFORE_THE_HEAD


def test_the_old_scores_did_not_change(reader):
    # recorded on a CPU with VNNI; on AVX2 alone the graph is loaded with unsigned weights so its int8 products are
    # exact there too (rag/search/exact_int8.py: before, they saturated and moved these logits by up to 1.05), and
    # the float operations' rounding still moves them by up to 0.32 (docs/TUNING.md, "The runtime the models were
    # measured with"): 1e-5 where the CPU has an int8 dot product, 0.5 elsewhere; the spans everywhere
    from rag.search.onnx_embedding import int8_kernels

    tolerance = 1e-5 if int8_kernels() == "dot" else 0.5
    for question, (null, relevance, best, sentences) in BEFORE_THE_HEAD.items():
        r = reader.read(question, [PARAGRAPH], [SENTENCES])[0]
        assert r.null == pytest.approx(null, abs=tolerance) and r.relevance == pytest.approx(relevance, abs=tolerance)
        assert (r.best.start, r.best.end) == best[:2] and r.best.score == pytest.approx(best[2], abs=tolerance)
        assert [s.score for s in r.sentences] == pytest.approx(sentences, abs=tolerance)


def test_the_answerable_head_is_deterministic_and_read_per_passage(reader):
    question = "How much will the repairs cost?"
    first = reader.read(question, [PARAGRAPH, "The museum opened a new wing."])
    again = Reader(BUNDLED).read(question, [PARAGRAPH, "The museum opened a new wing."])
    assert [r.answerable_logit for r in first] == [r.answerable_logit for r in again]
    assert all(isinstance(r.answerable_logit, float) and np.isfinite(r.answerable_logit) for r in first)
    assert first[0].answerable_logit > 0 > first[1].answerable_logit
    # reading a passage alone or beside another gives it the same logit
    assert reader.read(question, [PARAGRAPH])[0].answerable_logit == first[0].answerable_logit


@pytest.mark.parametrize("answerable, near_miss", [
    ("How much will the repairs cost?", "How much will the repairs of the Eiffel Tower cost?"),
    ("When did the town council vote?", "When did the Zambian parliament vote?"),
    ("In which year will the bridge reopen?", "In which year will the tunnel reopen?"),
])
def test_the_head_ranks_an_answerable_question_above_its_near_miss(reader, answerable, near_miss):
    on, off = (reader.read(q, [PARAGRAPH])[0].answerable_logit for q in (answerable, near_miss))
    assert on > off, (on, off)


def test_without_its_head_the_reader_reads_the_same(reader):
    plain = Reader(BUNDLED, head=False).read("How much will the repairs cost?", [PARAGRAPH], [SENTENCES])[0]
    full = reader.read("How much will the repairs cost?", [PARAGRAPH], [SENTENCES])[0]
    assert np.isnan(plain.answerable_logit)
    assert (plain.null, plain.relevance, plain.best, plain.sentences) == (full.null, full.relevance, full.best,
                                                                            full.sentences)


def _folder_with(tmp_path, head_text: str | None):
    """A reader folder of the shipped files with ``head_text`` as its head file (None: no head file)."""
    tmp_path.mkdir()
    for name in ("model.onnx", "tokenizer.json", "reader.json"):
        (tmp_path / name).symlink_to(BUNDLED / name)
    if head_text is not None:
        (tmp_path / "answerable_head.json").write_text(head_text, encoding="utf-8")
    return tmp_path


def test_missing_or_damaged_head_is_a_clear_error(tmp_path):
    with pytest.raises(ReaderError, match=r"cannot load the reader in .*answerable_head.json is missing \(re-create"):
        Reader(_folder_with(tmp_path / "a", None))
    with pytest.raises(ReaderError, match=r"answerable_head.json is damaged \(JSONDecodeError"):
        Reader(_folder_with(tmp_path / "b", '{"cls": [1, 2'))
    head = json.loads((BUNDLED / "answerable_head.json").read_text(encoding="utf-8"))
    with pytest.raises(ReaderError, match=r"answerable_head.json is damaged: it needs 384 finite"):
        Reader(_folder_with(tmp_path / "c", json.dumps({**head, "cls": head["cls"][:-1]})))
    foreign = {**head, "training": {**head["training"], "graph_sha256": "0" * 64}}
    with pytest.raises(ReaderError, match=r"answerable_head.json was trained on another model.onnx"):
        Reader(_folder_with(tmp_path / "d", json.dumps(foreign)))


def test_a_graph_without_the_cls_output_is_a_clear_error(tmp_path):
    import onnx

    model = onnx.load(str(BUNDLED / "model.onnx"))
    keep = [o for o in model.graph.output if o.name != "cls"]
    del model.graph.output[:]
    model.graph.output.extend(keep)
    onnx.save(model, str(tmp_path / "model.onnx"))
    for name in ("tokenizer.json", "reader.json", "answerable_head.json"):
        (tmp_path / name).symlink_to(BUNDLED / name)
    with pytest.raises(ReaderError, match=r"its model.onnx has no 'cls' output for the answerable head"):
        Reader(tmp_path)


# Loads the bundled reader as on a CPU with AVX2 and no int8 dot product (where its graph is rewritten to be exact,
# rag/search/exact_int8.py), with the cache folder given, and reads one passage.
AVX2_LOAD = """
import json, sys
from pathlib import Path
from rag.search import onnx_embedding
onnx_embedding.cpu_flags = lambda: {"avx2", "fma"}
from rag.answer.reader import BUNDLED, Reader
reading = Reader(BUNDLED, cache_dir=Path(sys.argv[1])).read("When was the bridge closed?", [sys.argv[2]])[0]
print(json.dumps({"onnx": "onnx" in sys.modules, "null": reading.null, "best": reading.best.score}))
"""


def _load_on_avx2(cache) -> dict:
    out = subprocess.run([sys.executable, "-c", AVX2_LOAD, str(cache), PARAGRAPH], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_graph_rewritten_for_avx2_is_kept_in_the_cache_and_read_the_same(tmp_path):
    first, again = _load_on_avx2(tmp_path), _load_on_avx2(tmp_path)
    assert first["onnx"] is True  # the first load rewrites the graph with the onnx package and keeps it
    [kept] = (tmp_path / "reader").glob("*.exact.onnx")
    assert kept.name.startswith(Reader(BUNDLED).fingerprint)
    assert again["onnx"] is False  # later loads read the kept graph: no onnx import
    assert again["null"] == first["null"] and again["best"] == first["best"]
