"""Hypothesis profiles for the generated-input tests (tests/test_fuzz_*.py).

``default`` runs in `make test`: a few dozen examples per target, derandomised so a CI run
is repeatable, no per-example deadline (each target sets its own time budget, generous
enough for a shared machine; a hang fails it). ``long`` is the soak of the inputs:
``pytest --hypothesis-profile=long tests/test_fuzz_*.py``, at least 10,000 examples per
target (docs/RELIABILITY.md reports its run).
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

SLOW_CHECKS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

settings.register_profile("default", max_examples=40, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=SLOW_CHECKS)
settings.register_profile("long", max_examples=10_000, deadline=None, print_blob=True,
                          suppress_health_check=SLOW_CHECKS)
settings.load_profile("default")  # the plugin's --hypothesis-profile=NAME loads another after this
