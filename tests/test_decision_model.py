"""The shipped ranker and decision: they load, match what this version computes, and decide sensibly."""

import json
import shutil

import pytest

from rag.answer.features import DECISION_FEATURES
from rag.answer.models import BUNDLED, ModelError, load_folder
from rag.answer.rank import RANK_FEATURES
from rag.settings import ScoringConfig


def test_the_bundled_models_load_with_the_features_this_version_computes():
    models = load_folder(BUNDLED, RANK_FEATURES, DECISION_FEATURES)
    assert models.ranker.features == RANK_FEATURES and models.decision.features == DECISION_FEATURES
    assert (BUNDLED / "MODEL_CARD.md").read_text(encoding="utf-8").startswith("# Decision model card")


def test_the_default_thresholds_are_the_ones_chosen_on_tune():
    chosen = json.loads((BUNDLED / "decision.json").read_text(encoding="utf-8"))["decision"]["thresholds"]
    assert ScoringConfig().answer_min == pytest.approx(chosen["read"], abs=5e-4)
    assert ScoringConfig().answer_min_unread == pytest.approx(chosen["unread"], abs=5e-4)


def test_a_folder_of_other_features_or_missing_files_is_refused(tmp_path):
    folder = tmp_path / "models"
    shutil.copytree(BUNDLED, folder)
    meta = json.loads((folder / "decision.json").read_text(encoding="utf-8"))
    meta["decision"]["features"] = meta["decision"]["features"][:-1]
    (folder / "decision.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelError, match="trained on other features"):
        load_folder(folder, RANK_FEATURES, DECISION_FEATURES)
    (folder / "ranker.onnx").unlink()
    with pytest.raises(ModelError, match="cannot load the decision models"):
        load_folder(folder, RANK_FEATURES, DECISION_FEATURES)


def test_the_decision_prefers_a_question_the_sources_answer(assistant):
    engine = assistant.engine

    def decision(question):
        return engine.assess(engine.prepare(question)).decision

    answered = decision("What did Townsend say about Amnesty?")
    assert answered.answer
    assert decision("What did Townsend say about the Olympic Games in Brisbane?").probability < answered.probability
    assert not decision("What recipe for bread did Townsend give?").answer
    # none of its words in the sources: refused before the decision (rag/answer/extractive.py prepare)
    assert engine.prepare("What is a good recipe for banana bread?").refused
