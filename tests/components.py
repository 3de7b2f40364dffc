"""Tests that need a real component (a llama.cpp server, Chromium, Milvus, a tmpfs mount): skipped loudly when it is
missing on a developer's machine, failed under CI=true, where a missing component is a broken set-up."""

from __future__ import annotations

import os
from contextlib import contextmanager

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


def can_mount_tmpfs() -> tuple[bool, str]:
    """(True, "") when this process may mount a tmpfs (root with the mount capability), else (False, why)."""
    import shutil
    import subprocess
    import tempfile

    if os.geteuid() != 0:
        return False, "mounting a tmpfs needs root"
    if shutil.which("mount") is None:
        return False, "no mount command"
    with tempfile.TemporaryDirectory(prefix="rag-tmpfs-probe-") as where:
        probe = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", where], capture_output=True, text=True)
        if probe.returncode != 0:
            return False, f"mount -t tmpfs failed: {probe.stderr.strip()}"
        subprocess.run(["umount", where], check=True)
    return True, ""


@contextmanager
def tmpfs(where, size_bytes: int):
    """A tmpfs of ``size_bytes`` mounted at ``where`` (created) for the ``with`` block; unmounted after it."""
    import subprocess
    from pathlib import Path

    Path(where).mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes},mode=0755", "tmpfs", str(where)], check=True,
                   capture_output=True, text=True)
    try:
        yield Path(where)
    finally:
        subprocess.run(["umount", "--lazy", str(where)], check=True)  # lazy: a process still holding a file cannot block it
