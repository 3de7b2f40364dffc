"""What the generated-input tests (tests/test_fuzz_*.py) share: a time budget per example that fails a hang."""

from __future__ import annotations

import signal
from contextlib import contextmanager

BUDGET_S = 30  # per example, on a shared 2-core machine; every call fuzzed takes well under a second


class Hang(BaseException):
    """Raised in code that overran its budget (a BaseException, so that no catch-all of the code under test eats it)."""


@contextmanager
def budget(seconds: int = BUDGET_S):
    """Fail with Hang when the block runs longer than ``seconds`` (SIGALRM: the main thread only, as pytest runs).

    The alarm raises Hang in whatever runs when it fires, to stop a real hang. If that is a
    place where Python ignores exceptions (a garbage-collection callback, a __del__), the
    overrun is still failed: it is recorded, and checked when the block ends.
    """
    overran = []

    def overrun(signum, frame):
        overran.append(seconds)
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, overrun)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    if overran:
        raise Hang(f"ran longer than its budget of {seconds} s")
