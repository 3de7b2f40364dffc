"""ui/gradio_import.py: the web app imports gradio without the import-time work it never uses (component stubs, mcp),
and gradio works as before. Each check runs in a fresh interpreter, where the app's import is the first import of gradio."""

from __future__ import annotations

import functools
import json
import subprocess
import sys

# Records which gradio component stubs (.pyi) are read while the given import runs and whether it loaded mcp, then
# builds a small Blocks with an event, to show the components are whole, and imports mcp, to show it still imports.
PROBE = """
import json, pathlib, sys
read = []
original = pathlib.Path.read_text
def read_text(self, *args, **kwargs):
    if self.suffix == ".pyi":
        read.append(self.name)
    return original(self, *args, **kwargs)
pathlib.Path.read_text = read_text
{imports}
pathlib.Path.read_text = original
mcp_loaded = "mcp" in sys.modules
import gradio as gr
import mcp.types
with gr.Blocks() as demo:
    box, button = gr.Textbox(), gr.Button()
    button.click(lambda text: text.upper(), box, box, api_name="shout")
print(json.dumps({{"stubs_read": len(read), "mcp": mcp_loaded, "events": len(demo.fns)}}))
"""


@functools.cache  # one fresh interpreter per import, for all the tests
def _probe(imports: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(imports=imports)], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_app_imports_gradio_without_rewriting_its_component_stubs():
    plain, app = _probe("import gradio"), _probe("import rag_ui.app")
    assert plain["stubs_read"] > 40  # gradio alone reads (and may rewrite) every component's stub as it imports
    assert app["stubs_read"] == 0
    assert plain["events"] == app["events"] == 1


def test_the_app_imports_gradio_without_mcp():
    plain, app = _probe("import gradio"), _probe("import rag_ui.app")
    assert plain["mcp"] is True  # for Gradio's own MCP server, which this app does not use
    assert app["mcp"] is False  # the app's MCP tools import it on their first request (tests/test_mcp_routes.py)
