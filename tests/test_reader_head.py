"""Training the reader's answerable head: the graph's [CLS] output, the pairs with near-misses, the fit."""

import json
import shutil

import numpy as np
import onnx
import pytest

from rag.answer.reader import BUNDLED, CLS_OUTPUT, Reader
from rag.answer.reader_features import pad, windows
from rag.eval.perturb import Pools
from rag.eval.squad import load_squad
from rag.train import reader_head as rh
from rag.train import reader_head_card as head_card
from rag.train import reader_head_graph as graph

PARAGRAPH = ("The Millbrook bridge was closed in March after engineers found cracks in two of its pillars. "
             "Repairs are expected to cost 4 million euros. The town council voted on Tuesday to reopen it in 2027.")


def _without_cls(model):
    """The shipped graph as it was before the cls output was added."""
    out = onnx.ModelProto()
    out.CopyFrom(model)
    keep = [o for o in out.graph.output if o.name != CLS_OUTPUT]
    del out.graph.output[:]
    out.graph.output.extend(keep)
    nodes = [n for n in out.graph.node if CLS_OUTPUT not in n.output]
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    return out


@pytest.fixture(scope="module")
def shipped():
    return onnx.load(str(BUNDLED / "model.onnx"))


@pytest.fixture(scope="module")
def feeds():
    reader = Reader(BUNDLED, head=False)
    out = []
    for q in ["How much will the repairs cost?", "Who designed the bridge?", "When did the Zambezi council vote?"]:
        for w in windows(reader.tokenizer, q, [PARAGRAPH, " ".join([PARAGRAPH] * 12)]):
            ids, mask, types = pad([w])
            out.append({"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
    return out


def test_cls_output_is_added_once_and_changes_no_other_output(shipped, feeds):
    before = _without_cls(shipped)
    assert [o.name for o in before.graph.output] == list(graph.BASE_OUTPUTS)
    after = graph.with_cls_output(before)
    assert [o.name for o in after.graph.output] == [*graph.BASE_OUTPUTS, CLS_OUTPUT]
    dims = after.graph.output[-1].type.tensor_type.shape.dim
    assert [d.dim_param or d.dim_value for d in dims] == ["batch", 384]
    assert len(feeds) > 3  # the long passage is read in several windows
    assert graph.same_outputs(before.SerializeToString(), after.SerializeToString(), feeds)
    # the shipped graph is exactly the one the surgery makes
    assert after.SerializeToString() == graph.with_cls_output(shipped).SerializeToString() == shipped.SerializeToString()


def test_cls_output_is_the_vector_the_relevance_head_reads(shipped, feeds):
    from onnx import numpy_helper

    init = {i.name: numpy_helper.to_array(i) for i in shipped.graph.initializer}
    stem = "relevance.weight_Transposed"
    weights = (init[f"{stem}_quantized"].astype(np.float32) - init[f"{stem}_zero_point"]) * init[f"{stem}_scale"]
    session = graph._session(shipped.SerializeToString())
    for feed in feeds:
        rel, cls = session.run(["relevance", CLS_OUTPUT], feed)
        # the head quantises its input per run, so the float product agrees to about a hundredth
        assert float(cls[0] @ weights[:, 0] + init["relevance.bias"][0]) == pytest.approx(float(rel[0]), abs=0.05)


def _squad(path, articles):
    data = {"data": [{"title": title, "paragraphs": [{"context": context, "qas": [
        {"id": f"{title}-{i}", "question": q, "is_impossible": a is None,
         "answers": [] if a is None else [{"text": a, "answer_start": context.index(a)}]}
        for i, (q, a) in enumerate(qas)]}]} for title, context, qas in articles]}
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


TOWNS = ["Ashford", "Brampton", "Carlow", "Dunmore", "Elgin", "Fenwick", "Glenrock", "Harlow", "Inverness"]


def _article(town: str, year: int):
    context = (f"The bridge of {town} was built in {year} by the engineer Thomas Wright. "
               f"It crosses the river with three stone arches, and the town council repaired it after a flood.")
    return (town, context, [(f"When was the bridge of {town} built?", str(year)),
                            (f"Who built the bridge of {town}?", "Thomas Wright"),
                            (f"How many arches does the bridge of {town} have?", "three"),
                            (f"Who painted the bridge of {town}?", None)])


def test_pairs_hold_each_question_and_a_near_miss_with_its_paragraph(tmp_path):
    docs, questions = load_squad(_squad(tmp_path / "s.json", [_article("Ashford", 1820)]))
    pairs = rh.make_pairs(docs, questions, Pools.load(), seed=13)
    assert [p.kind for p in pairs if not p.qid.endswith("~")] == ["answerable"] * 3 + ["unanswerable"]
    near = [p for p in pairs if p.kind == "near_miss"]
    assert near and all(p.label == 0 and p.passage == docs[0].text for p in near)
    vocabulary = rh.article_vocabulary(docs)
    for p in near:
        original = next(q.question for q in questions if q.qid == p.qid[:-1])
        new_words = set(p.question.rstrip("?").split()) - set(original.rstrip("?").split())
        assert new_words and not any(vocabulary.contains(w) for w in new_words), (original, p.question)
    assert rh.make_pairs(docs, questions, Pools.load(), seed=13) == pairs  # seeded


def test_auc_table_per_kind_of_negative():
    scores = np.array([3.0, 2.0, 1.0, 0.0, 2.5, -1.0])
    kinds = np.array(["answerable", "answerable", "unanswerable", "unanswerable", "near_miss", "near_miss"])
    assert rh.auc_table(scores, kinds) == {"unanswerable": 1.0, "near_miss": 0.75, "both": 0.875}


def test_linear_weights_fold_the_scaler_in():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0, 2.0, size=(200, 5))
    y = (x[:, 0] - x[:, 2] + rng.normal(0, 1, 200) > 0).astype(int)
    model = rh._fit(x, y, 0.1, seed=13)
    weights, bias = rh.linear_weights(model)
    assert np.allclose(x @ weights + bias, model.decision_function(x))


def test_held_out_titles_are_a_fifth_of_the_articles():
    assert rh.held_out_titles([f"T{i}" for i in range(10)] * 2) == {"T2", "T7"}


def test_cli_names_a_missing_file(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        rh.main(["--squad", str(tmp_path / "none.json"), "--out", str(tmp_path)])
    assert exit_.value.code == 2 and f"no such file: {tmp_path / 'none.json'}" in capsys.readouterr().err


@pytest.mark.slow
def test_training_writes_a_head_the_reader_loads_and_a_rerun_remakes_it(tmp_path, shipped):
    folder = tmp_path / "reader"
    folder.mkdir()
    for name in ("reader.json", "tokenizer.json"):
        shutil.copy(BUNDLED / name, folder / name)
    onnx.save(_without_cls(shipped), str(folder / "model.onnx"))
    train = _squad(tmp_path / "train.json", [_article(t, 1800 + 7 * i) for i, t in enumerate(TOWNS[:3])])
    split = _squad(tmp_path / "split.json", [_article(t, 1900 + 7 * i) for i, t in enumerate(TOWNS[3:])])
    args = ["--squad-train", str(train), "--squad", str(split), "--out", str(folder)]
    assert rh.main(args) == 0
    first = (folder / "answerable_head.json").read_text(encoding="utf-8")
    assert (folder / "model.onnx").read_bytes() == shipped.SerializeToString()
    report = json.loads(first)["training"]
    assert report["pairs"]["tune"]["answerable"] == 3 and report["pairs"]["tune"]["unanswerable"] == 1
    assert report["C"] in rh.C_GRID and len(json.loads(first)["cls"]) == 384
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert card.count(head_card.CARD_START) == 1 and "| **answerable head, `Reading.answerable_logit`** |" in card
    assert rh.main(args) == 0
    assert (folder / "answerable_head.json").read_text(encoding="utf-8") == first
    assert (folder / "MODEL_CARD.md").read_text(encoding="utf-8") == card  # the section replaced, not added again
    reading = Reader(folder).read("When was the bridge of Dunmore built?", [_article("Dunmore", 1900)[1]])[0]
    assert np.isfinite(reading.answerable_logit)
