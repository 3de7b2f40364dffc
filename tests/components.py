"""Tests that need a real component (a llama.cpp server, Chromium, Milvus): skipped loudly when it is
missing on a developer's machine, failed under CI=true, where a missing component is a broken set-up."""

from __future__ import annotations

import os

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing_message(what: str, how: str) -> str:
    return f"!!! {what} is missing; {how} !!!"


def require_module(available: bool, what: str, how: str) -> None:
    """At a test module's top: skip the module (fail it under CI) when ``available`` is false."""
    if available:
        return
    if in_ci():
        pytest.fail(missing_message(what, how) + " (CI=true: a missing component fails the run)", pytrace=False)
    pytest.skip(missing_message(what, how) + " Tests SKIPPED.", allow_module_level=True)


def needs(available: bool, what: str, how: str):
    """A mark for one test: skip when ``available`` is false, or under CI fail it."""
    if available:
        return lambda test: test  # nothing to add
    if in_ci():
        return pytest.mark.usefixtures("_component_missing")
    return pytest.mark.skip(reason=missing_message(what, how) + " SKIPPED.")
