"""The Python snippets of docs/INTEGRATIONS.md, so tests can run them as they are written there.

A snippet is the first fenced ``python`` block after a ``<!-- snippet: NAME -->`` line.
Tests swap in their own index folder, server address and key, then run it.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "INTEGRATIONS.md"


def snippet(name: str) -> str:
    """The code of snippet ``name``; KeyError when the document has none by that name."""
    match = re.search(rf"<!-- snippet: {re.escape(name)} -->\s*```python\n(.*?)```", DOC.read_text(encoding="utf-8"),
                      flags=re.DOTALL)
    if match is None:
        raise KeyError(f"docs/INTEGRATIONS.md has no snippet '{name}'")
    return match.group(1)


def run_snippet(name: str, replacements: dict[str, str] | None = None) -> str:
    """Run snippet ``name`` with each ``old`` replaced by ``new``; returns what it printed."""
    code = snippet(name)
    for old, new in (replacements or {}).items():
        assert old in code, f"snippet '{name}' no longer contains {old!r}"
        code = code.replace(old, new)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"docs/INTEGRATIONS.md:{name}", "exec"), {"__name__": "__snippet__"})  # noqa: S102
    return out.getvalue()
