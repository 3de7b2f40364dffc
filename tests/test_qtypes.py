"""The one table of question types: every type has a spec, every answerable type a composer."""

from rag.answer.compose import COMPOSERS
from rag.answer.qtypes import SPECS, QType


def test_every_type_has_a_spec_and_every_type_but_a_request_a_composer():
    assert set(SPECS) == set(QType)
    assert set(COMPOSERS) == set(QType) - {QType.REQUEST}


def test_types_compare_and_print_as_their_plain_names():
    assert QType.WHO_SAID == "who_said" and str(QType.WHO_SAID) == "who_said"
    assert {QType("list")} == {QType.LIST}
