"""The kinds of question the engine tells apart, and what each one's answer is like: one table.

Every place that treats question types differently reads :data:`SPECS`; the composer of each
type is bound to it in rag/answer/compose/__init__.py, and a test checks that every type
has one (a request has none: it is refused).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class QType(StrEnum):
    """A question's type (``str`` values, so they compare and serialise as plain strings)."""

    FACTOID = "factoid"  # a short answer of an expected kind: "When did Abadi criticize the report?"
    WHO_SAID = "who_said"  # the speaker of a quote or claim
    WHAT_SAID = "what_said"  # what someone said, about a topic or not
    DEFINITION = "definition"  # who or what something is; what an abbreviation stands for
    LIST = "list"  # every item of a kind
    SUMMARY = "summary"  # a few covering sentences
    WHY = "why"
    HOW = "how"
    YES_NO = "yes_no"
    COMPARISON = "comparison"
    REQUEST = "request"  # not a question about the sources ("Write a poem"): refused


@dataclass(frozen=True)
class TypeSpec:
    """How a type is answered.

    ``reads``: the reader reads the top passages for it (it is trained to find a phrase that
    answers; for "who said" the phrase lies outside the quote, and it never saw yes/no questions
    or definitions). ``short``: the answer leads with a short answer (a name, a date, Yes/No, the
    items of a list). ``bullets``: several items or statements are listed one per line.
    """

    reads: bool = False
    short: bool = False


SPECS: dict[QType, TypeSpec] = {
    QType.FACTOID: TypeSpec(reads=True, short=True),
    QType.WHO_SAID: TypeSpec(short=True),
    QType.WHAT_SAID: TypeSpec(),
    QType.DEFINITION: TypeSpec(short=True),
    QType.LIST: TypeSpec(short=True),
    QType.SUMMARY: TypeSpec(),
    QType.WHY: TypeSpec(reads=True),
    QType.HOW: TypeSpec(reads=True),
    QType.YES_NO: TypeSpec(short=True),
    QType.COMPARISON: TypeSpec(),
    QType.REQUEST: TypeSpec(),
}
