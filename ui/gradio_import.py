"""Gradio, imported without the work its import does for features this app never uses (docs/TUNING.md, "Cold start").

``import_gradio()`` is called by ui/app.py before it imports gradio. Half of `import gradio` went to one thing
`rag serve` never needs: for each of its ~80 component classes, as the class is created, ``gradio.component_meta``'s
``create_or_modify_pyi`` reads the class's source file and the ``.pyi`` stub beside it, parses both with ``ast``
and renders a Jinja template of its event methods, to keep the stubs of custom components in step while they are
developed (and writes the stub when it differs). Gradio's own components ship their stubs; this app defines none.
While gradio imports, that function is replaced by one that does nothing.

A sixth went to importing mcp: the class of Gradio's own MCP server (``launch(mcp_server=True)``) imports it in its
body, inside ``try``/``except ImportError``. This app serves MCP with tools of its own (ui/mcp_tools.py), which import
mcp on the first MCP request; Gradio's server needs an mcp older than the one installed anyway. While gradio imports,
``sys.modules["mcp"]`` is None, which makes ``import mcp`` fail (the class is then defined without mcp's types), and
the entry is removed straight after, so mcp imports as usual later. What `rag serve` loads meanwhile in its other
thread (the Assistant: index, spaCy, models) imports no mcp.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import ModuleType

STUB_WRITER = "create_or_modify_pyi"  # gradio.component_meta's function, called once per component class
COMPONENT_META = "gradio.component_meta"


def _no_stubs(*_args: object, **_kwargs: object) -> None:
    """Stands in for gradio's ``create_or_modify_pyi``: the installed stubs are kept as they are."""


class _StublessLoader(importlib.machinery.SourceFileLoader):
    """Loads ``gradio.component_meta`` as usual, then replaces its stub writer (before any component class exists:
    the module only defines the metaclass the classes are created with)."""

    def exec_module(self, module: ModuleType) -> None:
        super().exec_module(module)
        if hasattr(module, STUB_WRITER):
            setattr(module, STUB_WRITER, _no_stubs)


class _StublessFinder(importlib.abc.MetaPathFinder):
    """Finds ``gradio.component_meta`` where the import system would, with :class:`_StublessLoader` as its loader;
    leaves every other module (and a component_meta that is not a source file) to the finders after it."""

    def find_spec(self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None):
        if fullname != COMPONENT_META:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or type(spec.loader) is not importlib.machinery.SourceFileLoader:
            return None
        spec.loader = _StublessLoader(fullname, spec.origin)
        return spec


def import_gradio() -> ModuleType:
    """``gradio``, imported with its stub writer replaced and without mcp (unless mcp is loaded already); imported
    as it is when something imported it already."""
    if "gradio" in sys.modules:
        import gradio

        return gradio
    finder = _StublessFinder()
    sys.meta_path.insert(0, finder)
    hide_mcp = "mcp" not in sys.modules
    if hide_mcp:
        sys.modules["mcp"] = None  # type: ignore[assignment]
    try:
        import gradio
    finally:
        sys.meta_path.remove(finder)
        if hide_mcp and "mcp" in sys.modules and sys.modules["mcp"] is None:
            del sys.modules["mcp"]
    return gradio
