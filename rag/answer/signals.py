"""Cheap signals of what kind of answer a sentence holds, for the learned ranker and decision.

A year, a month or weekday, a number, and capitalised words the question does not use (a name
the question asks for). Found with patterns, not the entity model, so every candidate sentence
can be looked at within an answer's time. The word lists are ordinary English.
"""

from __future__ import annotations

import re

_YEAR = re.compile(r"\b(1[0-9]{3}|20[0-9]{2})s?\b")
_DATE_WORDS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|"
    r"jun|jul|aug|sep|sept|oct|nov|dec|monday|tuesday|wednesday|thursday|friday|saturday|sunday|century|centuries|"
    r"decade|decades|today|yesterday|tomorrow)\b",
    re.I,
)
_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|dozen)\b",
    re.I,
)
_DURATION = re.compile(r"\b(second|minute|hour|day|week|month|year)s?\b", re.I)
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w'’.-]*")

SIGNALS = ("has_year", "has_date_word", "numbers", "has_duration", "new_names")


def type_signals(text: str, question_words: set[str]) -> tuple[float, float, float, float, float]:
    """(has a year, has a month/weekday/period word, how many numbers, has a unit of time, how many capitalised
    words the question lacks) of ``text``; ``question_words`` are the question's words in lower case."""
    new_names = sum(1 for m in _CAPITALISED.finditer(text) if m.group(0).lower().strip(".") not in question_words)
    return (
        float(bool(_YEAR.search(text))),
        float(bool(_DATE_WORDS.search(text))),
        float(len(_NUMBER.findall(text))),
        float(bool(_DURATION.search(text))),
        float(new_names),
    )
