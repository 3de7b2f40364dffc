import dataclasses
import json

import pytest

from rag.answer.types import REFUSAL, balance_quotes
from rag.assistant import QuestionError


def _doc_text(assistant, c):
    return assistant.index.documents[c.doc_id].text


def test_townsend_both_statements_cited(assistant):
    ans = assistant.ask("What did Townsend say?")
    assert not ans.refused
    assert "any notion that coalition fires" in ans.answer
    assert "I would challenge the people from Amnesty International" in ans.answer
    assert "[1]" in ans.answer and "[2]" in ans.answer
    assert len(ans.citations) == 2


def test_cited_sentences_match_document_offsets(assistant):
    for q in ["What did Townsend say?", "How many civilians does Amnesty say were killed?", "What did Jones say about the targeting process?"]:
        ans = assistant.ask(q)
        assert ans.citations, q
        for c in ans.citations:
            text = _doc_text(assistant, c)
            assert text[c.start : c.end] == c.text
            assert c.start <= c.sentence_start < c.sentence_end <= c.end
            # the cited sentence is quoted (nearly) verbatim in the answer
            assert text[c.sentence_start : c.sentence_end].strip("“”") in ans.answer.replace("“", "").replace("”", "") or \
                text[c.sentence_start : c.sentence_end].replace("“", "").replace("”", "") in ans.answer.replace("“", "").replace("”", "")


def test_every_citation_number_is_used_and_listed(assistant):
    ans = assistant.ask("What did Croft say?")
    import re

    used = {int(n) for n in re.findall(r"\[(\d+)\]", ans.answer)}
    assert used == {c.n for c in ans.citations}


@pytest.mark.parametrize("q", ["Who won the 2018 World Cup?", "What did the UN Secretary-General say about Mosul?",
                               "What is the capital of Australia?", "What did Townsend say about Obama?"])
def test_out_of_corpus_questions_are_refused(assistant, q):
    ans = assistant.ask(q)
    assert ans.refused and ans.answer == REFUSAL and ans.citations == []


def test_numbers_answer(assistant):
    ans = assistant.ask("How many attacks did Amnesty investigate?")
    assert "45" in ans.answer and not ans.refused


def test_empty_questions_are_rejected_and_huge_ones_cut_with_a_note(assistant):
    with pytest.raises(QuestionError, match="empty"):
        assistant.ask("   ")
    long = assistant.ask("why " * 2000)  # more in tests/test_reliability_questions.py
    assert long.note.startswith("Your question was 8,000 characters long; only its first")


def test_json_shape(assistant):
    out = assistant.ask("What did Townsend say?").to_json()
    # the issue-2 contract, plus the per-sentence check (issue 4), the engine and any note
    assert set(out) == {"answer", "refused", "citations", "sentences", "engine", "note", "question_type", "short_answer"}
    assert out["question_type"] == "what_said" and out["short_answer"] is None
    assert out["sentences"] and all(s["supported"] and s["citations"] for s in out["sentences"])
    assert set(out["citations"][0]) == {"n", "doc_id", "source", "title", "start", "end", "text", "score", "sentence_start",
                                        "sentence_end", "page", "page_end", "section"}
    json.dumps(out)


def test_balance_quotes():
    assert balance_quotes("Houses were hit.”") == "“Houses were hit.”"
    assert balance_quotes("“It is riddled with assertion.") == "“It is riddled with assertion.”"
    assert balance_quotes("“Fine,” he said.") == "“Fine,” he said."


def test_how_many_without_a_number_in_the_evidence_is_refused(assistant):
    ans = assistant.ask("How many drones did the coalition fly over Mosul?")
    assert ans.refused, ans.answer
    assert not assistant.ask("How many civilians does Amnesty say were killed?").refused


def test_topics_are_judged_on_sentences_embedded_alone(assistant, embedder):
    """The seed index pools sentence vectors from passages; "about drones" is asked of each sentence alone."""
    import numpy as np

    engine = assistant.engine
    index = engine.index
    assert index.manifest["sentence_pooling"] == "contextual"
    p = next(p for p in index.passages if "unmanned vehicles" in p.text)
    (s, e), row = next(((s, e), r) for (s, e), r in zip(p.sentences, index.passage_sentences(p.pid))
                       if "unmanned" in index.documents[p.doc_id].text[s:e])
    text = index.documents[p.doc_id].text[s:e]
    alone = embedder.encode([text])[0]
    np.testing.assert_allclose(engine.retriever.sentence_alone(row, text), alone, atol=1e-6)
    assert float(index.sentence_vectors[row] @ alone) < 0.999  # the stored vector is the pooled one
    # the sentence the topic is judged on is composed; whether it is answered is the decision's (test_compose.py)
    assessed = engine.assess(engine.prepare("What did Croft say about drones?"))
    quoted = [index.documents[index.passages[sp.pid].doc_id].text[sp.start:sp.end] for sp in assessed.composed.spans]
    assert any("unmanned vehicles" in q for q in quoted)


def test_statement_lookup_by_speaker_equals_a_scan(assistant):
    """The speaker index finds what scanning every statement finds, in the same order."""
    from rag.text.attribution import statements_by

    engine = assistant.engine
    for who in ("Townsend", "General Croft", "Stephen Townsend", "Amnesty International", "al-Abadi", "Nobody Here"):
        scanned = [(doc_id, st) for doc_id, sts in engine.view.statements.items() for st in statements_by(sts, who)]
        assert engine.view.statements_of(who) == scanned
    assert engine.view.statements_of("Townsend")  # the article quotes him


def _candidate_for(engine, needle: str, score: float):
    """A Candidate for the seed sentence holding ``needle``, with a chosen score."""
    from rag.answer.rank import Candidate

    index = engine.index
    for p in index.passages:
        for (s, e), row in zip(p.sentences, index.passage_sentences(p.pid)):
            if needle in index.documents[p.doc_id].text[s:e]:
                return Candidate(p.pid, p.doc_id, row, s, e, score, score)
    raise AssertionError(needle)


def test_a_second_sentence_joins_only_when_close_and_bringing_missing_query_terms(assistant):
    """The second-sentence rule: scored at least `second_sentence_ratio` of the best and bringing at
    least `second_sentence_gain` of the query's (IDF-weighted) terms that the first sentence lacks."""
    from rag.answer.compose.factoid import evidence_spans

    engine = assistant.engine
    s = assistant.settings.with_scoring(second_sentence_ratio=0.8, second_sentence_gain=0.15).scoring
    query = "Which organization published the report on civilian deaths?"
    deaths = _candidate_for(engine, "counted at least 426 civilian deaths", 1.0)
    published = "In a report published on Tuesday"
    close_new = _candidate_for(engine, published, 0.85)  # brings "published", "report"
    spans = evidence_spans([deaths, close_new], query, engine.view, s)
    assert [(u.start, u.end) for u in spans] == [(deaths.start, deaths.end), (close_new.start, close_new.end)]
    # too far below the best: not added
    far = _candidate_for(engine, published, 0.7)
    assert len(evidence_spans([deaths, far], query, engine.view, s)) == 1
    # as close, but nothing the first sentence lacks ("civilians" again): not added
    same_terms = _candidate_for(engine, "instructing civilians to stay away from IS", 0.95)
    assert len(evidence_spans([deaths, same_terms], query, engine.view, s)) == 1
    # at most max_answer_sentences
    one = dataclasses.replace(s, max_answer_sentences=1)
    assert len(evidence_spans([deaths, close_new], query, engine.view, one)) == 1


def test_a_vector_store_that_cannot_be_reached_gives_a_refusal_naming_it(assistant, monkeypatch):
    """A store outside the index (a Milvus server) that is down: a refusal naming it, streamed too; the next
    question, once it answers again, is answered (nothing remembers the failure)."""
    from rag.store.vectors_base import StoreUnavailable

    dense = assistant.index.dense
    down = StoreUnavailable("the vector store milvus://127.0.0.1:1 (Milvus) cannot be reached while searching passages")

    def unreachable(queries, k):
        raise down

    question = "How many civilians does Amnesty say were killed?"
    expected = assistant.ask(question)
    monkeypatch.setattr(dense, "search", unreachable)
    refused = assistant.ask(question)
    assert refused.refused and refused.citations == [] and refused.note == str(down)
    assert refused.answer == (f"I cannot answer right now: {down}. No passage can be searched until it is back; "
                              "answers resume by themselves then.")
    assert list(assistant.stream(question))[-1] == (refused.answer, refused)
    monkeypatch.undo()
    assert assistant.ask(question).answer == expected.answer


def test_a_name_written_as_code_that_no_source_writes_is_refused_saying_so(assistant_of):
    manual = ("Gull manual\n\nFunctions\n\ngull_read_value returns GULL_OK on success, or an error code.\n\n"
              "gull_write_value writes one value. Use --max-size to cap a record.\n")
    assistant = assistant_of({"gull.txt": manual})
    absent = assistant.ask("what does gull_read_integer return on error?")
    assert absent.refused and absent.answer == (
        "The sources don't answer this question: they never mention gull_read_integer.")
    assert assistant.ask("what does the --max-depth option do?").refused
    written = assistant.ask("what does gull_read_value return on error?")
    assert not written.refused and "GULL_OK" in written.answer
