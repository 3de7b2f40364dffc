"""The chat's feedback file (ui/feedback.py) and `rag eval --feedback`, which turns it into a question set."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from rag.eval.feedback import question_item, read_feedback
from rag_ui import feedback, render


def _messages():
    return [{"role": "user", "content": render.user_html("Who is Townsend?")},
            {"role": "assistant", "content": '<div class="rag-answer"><div class="rag-text"><p>A general. '
                                             '<a class="rag-cite" href="#x">[1]</a></p></div>'
                                             '<details class="rag-sources"><summary>1 source</summary></details></div>'},
            {"role": "user", "content": render.user_html("What did he say & do?")},
            {"role": "assistant", "content": '<div class="rag-answer rag-refusal"><p class="rag-refusal-label">'
                                             "<strong>Not answered.</strong> The sources don&#x27;t answer this "
                                             "question.</p></div>"}]


def test_records_name_the_question_its_conversation_and_the_answer_seen():
    record = feedback.turn_record(_messages(), 3, "extractive", ["a.txt"], "2026-01-01T00:00:00+00:00")
    assert record["question"] == "What did he say & do?" and record["history"] == [["Who is Townsend?", "A general. [1]"]]
    assert record["answer"] == "Not answered. The sources don't answer this question."
    assert (record["engine"], record["documents"], record["comment"]) == ("extractive", ["a.txt"], "")
    assert feedback.turn_record(_messages(), 3, None, None, None)["id"] == record["id"]  # one id per answer
    assert feedback.turn_record(_messages(), 2, None, None, None) is None  # a question is not an answer
    assert feedback.turn_record(_messages(), 9, None, None, None) is None


def test_the_question_set_keeps_the_last_word_on_each_answer(tmp_path):
    path = tmp_path / "feedback.jsonl"
    refused = feedback.turn_record(_messages(), 3, "extractive", [], None)
    answered = feedback.turn_record(_messages(), 1, "extractive", [], None)
    for record in (refused, answered, feedback.with_comment(refused, "It is in the second paragraph."),
                   feedback.retraction(answered)):
        feedback.append(path, record)
    [item] = [question_item(r) for r in read_feedback(path)]
    assert item == {"id": f"feedback-{refused['id']}", "question": "What did he say & do?",
                    "history": [["Who is Townsend?", "A general. [1]"]], "answerable": True, "must_include": [],
                    "evidence": [], "documents": [], "wrong_answer": refused["answer"],
                    "comment": "It is in the second paragraph.", "engine": "extractive", "marked_at": item["marked_at"]}
    path.write_text('{"id": "x", "question": "q"}\nnot json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"feedback.jsonl:2: not valid JSON"):
        read_feedback(path)


def test_rag_eval_feedback_prints_the_question_set(tmp_path):
    path = tmp_path / "feedback.jsonl"
    feedback.append(path, feedback.with_comment(feedback.turn_record(_messages(), 1, "extractive", [], None), "Wrong"))
    r = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--feedback", str(path)], cwd=ROOT, capture_output=True,
                       text=True, timeout=120, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr
    [item] = [json.loads(line) for line in r.stdout.splitlines()]
    assert (item["question"], item["answerable"], item["comment"]) == ("Who is Townsend?", None, "Wrong")
    assert "1 question(s) from" in r.stderr
    out = tmp_path / "questions.jsonl"
    r = subprocess.run([sys.executable, "-m", "rag.cli", "eval", "--feedback", str(path), "--output", str(out)],
                       cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout == "" and json.loads(out.read_text(encoding="utf-8"))["id"] == item["id"]
