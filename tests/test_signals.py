"""Cheap signals of what kind of answer a sentence holds."""

from rag.answer.signals import SIGNALS, type_signals


def test_years_dates_numbers_durations_and_new_names():
    got = dict(zip(SIGNALS, type_signals("In March 1987 Maria Lopez planted 23,500 trees over three weeks.", {"who", "planted"})))
    assert got == {"has_year": 1.0, "has_date_word": 1.0, "numbers": 3.0, "has_duration": 1.0, "new_names": 3.0}  # March, Maria, Lopez


def test_names_the_question_already_uses_do_not_count():
    got = dict(zip(SIGNALS, type_signals("The report by Amnesty was criticised.", {"what", "did", "amnesty"})))
    assert got["new_names"] == 0.0 and got["numbers"] == 0.0 and got["has_year"] == 0.0
