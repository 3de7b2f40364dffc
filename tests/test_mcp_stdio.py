"""`rag mcp`: the MCP tools over stdio, as desktop MCP clients start them, driven by the official mcp client's
stdio transport against the real command. Results are compared with the same index asked in-process."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest
from conftest import HARBOUR_NAME, HARBOUR_QUESTION, ROOT
from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

KILLED = "How many civilians does Amnesty say were killed?"


def _server(index_dir) -> StdioServerParameters:
    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT)), "HF_HUB_OFFLINE": "1"}
    return StdioServerParameters(command=sys.executable, args=["-m", "rag.cli", "mcp", "--index-dir", str(index_dir)],
                                 env=env, cwd=ROOT)


async def _session(index_dir, calls):
    errors = open(os.devnull, "w")  # the server's log lines (stderr)
    with errors:
        async with Client(stdio_client(_server(index_dir), errlog=errors)) as client:
            return await calls(client)


@pytest.mark.slow
def test_rag_mcp_serves_the_tools_over_stdio(two_docs_index_dir, two_docs_assistant):
    async def calls(client):
        tools = (await client.list_tools()).tools
        scoped = await client.call_tool("ask", {"question": HARBOUR_QUESTION, "documents": [HARBOUR_NAME]})
        plain = await client.call_tool("ask", {"question": KILLED})
        found = await client.call_tool("search", {"query": "gulls", "top_k": 2, "documents": ["harbour*"]})
        listed = await client.call_tool("documents", {})
        bad = await client.call_tool("ask", {"question": KILLED, "documents": ["nope.pdf"]})
        return tools, scoped, plain, found, listed, bad

    tools, scoped, plain, found, listed, bad = asyncio.run(_session(two_docs_index_dir, calls))
    assistant = two_docs_assistant
    assert [t.name for t in tools] == ["ask", "search", "documents"]
    assert all(t.annotations.read_only_hint for t in tools) and tools[0].output_schema["title"] == "AskResult"
    harbour = set(assistant.scope([HARBOUR_NAME]).doc_ids)
    assert scoped.structured_content == assistant.ask(HARBOUR_QUESTION, documents=[HARBOUR_NAME]).to_json()
    assert "913" in scoped.structured_content["answer"]
    assert {c["doc_id"] for c in scoped.structured_content["citations"]} == harbour
    assert plain.structured_content == assistant.ask(KILLED).to_json()
    assert {p["doc_id"] for p in found.structured_content["passages"]} == harbour
    assert sorted(d["source"].rsplit("/", 1)[-1] for d in listed.structured_content["documents"]) == [
        HARBOUR_NAME, "mosul-amnesty-report.txt"]
    assert bad.is_error and "no indexed document matches 'nope.pdf'" in bad.content[0].text


@pytest.mark.slow
def test_a_bad_index_is_reported_by_the_tools(tmp_path):
    async def calls(client):
        return [t.name for t in (await client.list_tools()).tools], await client.call_tool("ask", {"question": KILLED})

    names, result = asyncio.run(_session(tmp_path / "no-index", calls))
    assert names == ["ask", "search", "documents"]  # the handshake does not wait for the index
    assert result.is_error and "the index could not be loaded" in result.content[0].text


def test_the_mcp_command_does_not_import_gradio():
    code = "import sys, rag.cli, rag_ui.mcp_tools; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "False", out.stderr


@pytest.mark.slow
def test_doc_snippet_runs_rag_mcp(seed_index_dir):
    from doc_snippets import run_snippet

    env = {"PYTHONPATH": os.environ.get("PYTHONPATH", str(ROOT)), "HF_HUB_OFFLINE": "1"}
    out = run_snippet("mcp-stdio", {
        'StdioServerParameters(command="rag", args=["mcp", "--index-dir", "index"])':
            f"StdioServerParameters(command={sys.executable!r}, args=['-m', 'rag.cli', 'mcp', '--index-dir', "
            f"{str(seed_index_dir)!r}], env={env!r}, cwd={str(ROOT)!r})"})
    lines = out.splitlines()
    assert lines[0] == "['ask', 'search', 'documents'] True" and "Townsend" in out and "[1]" in out
    assert lines[-1].startswith("['Iraqi-U.S. Coalition Pans Amnesty International Mosul Report")
