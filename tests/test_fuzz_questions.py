"""Generated questions and conversations for the question cleaner (rag/answer/questions.py) and follow-up
resolution (rag/answer/followup.py), through their public functions.

Whatever arrives, the cleaner gives one line of plain text within the limit (with a note
when it cut) or refuses with "the question is empty"; resolution gives a question for any
conversation, in bounded time, the same one every time. Profiles: tests/hypothesis_profiles.py.
"""

from __future__ import annotations

import re
import unicodedata

from fuzz_support import budget
from hypothesis import given
from hypothesis import strategies as st

from rag.answer.followup import standalone_question
from rag.answer.questions import MAX_HISTORY_TURNS, QuestionError, clean_history, clean_question

BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
# words that reach every path of resolution: pronouns, names the index knows, ellipses ("and what about ...")
WORDS = ["he", "she", "they", "his", "her", "their", "them", "him", "Townsend", "Stephen", "Amnesty", "Croft",
         "Rupert Jones", "the coalition", "Iraqi forces", "Mosul", "what", "who", "about", "and", "also", "on", "said",
         "say", "did", "the", "report", "drones", "?", ",", "'s", "And what about", "How about", "Who", "What"]
# any code point (controls, lone surrogates, bidi overrides, joiners), the odd ones often
SPECIAL = ["\u202e", "\u2066", "\u2069", "\u200d", "\u200f", "\x00", "\x1b", "\r", "\t", "\ud83d", "\udc4d",
           "\ufeff", "\u00a0", "\u0301", " ", "\n"]
odd_text = st.text(alphabet=st.one_of(st.characters(exclude_categories=()), st.sampled_from(SPECIAL)), max_size=300)
wordy = st.lists(st.sampled_from(WORDS), min_size=0, max_size=25).map(" ".join)
question_text = st.one_of(odd_text, wordy, st.builds(lambda a, b: a + b, wordy, odd_text))
raw_values = st.one_of(question_text, st.none(), st.integers(), st.floats(), st.lists(st.integers(), max_size=3))


@given(raw=raw_values, limit=st.integers(10, 3000))
def test_the_cleaner_gives_one_line_within_the_limit_or_refuses(raw, limit):
    with budget():
        try:
            q = clean_question(raw, limit)
        except QuestionError as exc:
            assert str(exc) == "the question is empty"
            text = "" if raw is None else str(raw)
            kept = BIDI.sub("", re.sub("[\ud800-\udfff]", "", text))
            assert not "".join(ch for ch in kept if unicodedata.category(ch) != "Cc").strip()
            return
    assert q.text and q.text == q.text.strip() and len(q.text) <= limit
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") for ch in q.text)
    assert not BIDI.search(q.text) and not re.search(r"\s\s", q.text)
    text = "" if raw is None else str(raw)
    if q.note:
        assert q.note.startswith(f"Your question was {len(text):,} characters long; only its first {len(q.text):,}")
    else:
        assert len(text) <= 4 * limit
        assert clean_question(q.text, limit) == q  # cleaning a clean question changes nothing


@given(history=st.lists(st.tuples(raw_values, st.one_of(question_text, st.none())), max_size=12),
       limit=st.integers(10, 3000))
def test_history_is_cleaned_cut_and_kept_to_its_last_turns(history, limit):
    with budget():
        out = clean_history(history, limit)
    assert len(out) <= min(len(history), MAX_HISTORY_TURNS)
    for user, reply in out:
        assert user and len(user) <= limit and clean_question(user, limit).text == user
        assert isinstance(reply, str) and len(reply) <= 4 * limit and not re.search("[\ud800-\udfff]", reply)


names = st.sets(st.sampled_from(["Townsend", "Stephen Townsend", "Croft", "Jones", "Amnesty", "Mosul", "Maalouf"]))


@given(question=question_text, turns=st.lists(st.tuples(question_text, question_text), max_size=MAX_HISTORY_TURNS),
       people=names)
def test_follow_ups_resolve_to_a_question_in_bounded_time(question, turns, people):
    """Resolution of any question against any (cleaned) conversation: a question back, the same every time,
    the question itself when there is no history."""
    try:
        question = clean_question(question, 2000).text
    except QuestionError:
        return  # refused before resolution is reached
    history = clean_history(turns, 2000)

    def is_person(name: str) -> bool:
        return name in people

    with budget():
        standalone = standalone_question(question, history, is_person)
    assert isinstance(standalone, str) and standalone.strip()
    assert standalone_question(question, history, is_person) == standalone
    if not history:
        assert standalone == question
