"""The MCP tools on the web chat's server (``ask``, ``search``), through the ``mcp`` client over streamable HTTP.

A real `rag serve` on 127.0.0.1 with an API key; the tools' results are compared with
the same index asked in-process.
"""

from __future__ import annotations

import asyncio
import importlib.util

import httpx
import pytest
from components import require_module

require_module(importlib.util.find_spec("mcp") is not None, "the mcp package", "make install installs it")

from mcp import Client, MCPError  # noqa: E402
from mcp.client.streamable_http import streamable_http_client  # noqa: E402
from mcp.shared._httpx_utils import create_mcp_http_client  # noqa: E402
from ui_support import copy_index, running_server  # noqa: E402

from rag.integrations.passage_search import AssistantSearch  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

API_KEY = "mcp-key-51c0"
TOWNSEND = "What did Townsend say?"


@pytest.fixture(scope="module")
def server(seed_index_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("mcp")
    index = copy_index(seed_index_dir, work / "index")
    with running_server(index, work, env_extra={"RAG_API_KEY": API_KEY}) as srv:
        yield srv


async def _session(url: str, calls, key: str | None = API_KEY):
    """Connect an MCP client to ``url`` (with the bearer token) and return ``await calls(client)``."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    async with create_mcp_http_client(headers=headers) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            return await calls(client)


def _run(server, calls, key: str | None = API_KEY):
    return asyncio.run(_session(server.url + "mcp", calls, key))


def test_tools_are_listed_with_their_schemas(server):
    async def calls(client):
        return (await client.list_tools()).tools

    tools = {t.name: t for t in _run(server, calls)}
    assert set(tools) == {"ask", "search", "documents"}
    assert tools["ask"].input_schema["required"] == ["question"]
    assert set(tools["ask"].input_schema["properties"]) == {"question", "history", "documents"}
    assert set(tools["search"].input_schema["properties"]) == {"query", "top_k", "documents"}
    assert "citations" in tools["ask"].description
    # typed results: the output schemas name every field, down to a citation's offsets
    ask_out = tools["ask"].output_schema
    assert set(ask_out["required"]) == {"answer", "refused", "citations", "sentences", "engine", "note",
                                        "question_type", "short_answer"}
    passage = ask_out["$defs"]["CitedPassage"]["properties"]
    assert passage["sentence_start"]["type"] == "integer" and "description" in passage["sentence_start"]
    assert tools["search"].output_schema["properties"]["passages"]["items"] == {"$ref": "#/$defs/CitedPassage"}
    # every tool only reads the index
    assert all(t.annotations.read_only_hint and not t.annotations.destructive_hint for t in tools.values())
    line = f"MCP (streamable HTTP): {server.url}mcp"
    assert line in server.wait_for_log(line)  # rag serve prints where it is


def test_ask_gives_the_cited_answer(server, assistant):
    async def calls(client):
        first = await client.call_tool("ask", {"question": "Who is Stephen Townsend?"})
        follow = await client.call_tool("ask", {"question": "What did he say?",
                                                "history": [["Who is Stephen Townsend?", first.structured_content["answer"]]]})
        plain = await client.call_tool("ask", {"question": TOWNSEND})
        return first, follow, plain

    first, follow, plain = _run(server, calls)
    assert not plain.is_error and plain.structured_content == assistant.ask(TOWNSEND).to_json()
    assert plain.structured_content["citations"][0]["sentence_end"] > plain.structured_content["citations"][0]["sentence_start"]
    expected = assistant.ask("What did he say?", [("Who is Stephen Townsend?", first.structured_content["answer"])])
    assert follow.structured_content == expected.to_json()
    assert '"answer"' in plain.content[0].text  # the same JSON as text, for clients that read only text


def test_search_gives_cited_passages(server, assistant):
    async def calls(client):
        found = await client.call_tool("search", {"query": "drones", "top_k": 3})
        bad = await client.call_tool("search", {"query": "drones", "top_k": 0})
        return found, bad

    found, bad = _run(server, calls)
    passages = found.structured_content["passages"]
    assert passages == [c.to_json() for c in AssistantSearch(assistant).search("drones", 3)]
    assert len(passages) == 3 and [p["n"] for p in passages] == [1, 2, 3]
    for p in passages:
        doc = assistant.index.documents[p["doc_id"]].text
        assert doc[p["start"] : p["end"]] == p["text"]
        assert p["start"] <= p["sentence_start"] < p["sentence_end"] <= p["end"]
    assert bad.is_error and "top_k" in bad.content[0].text


def test_mcp_needs_the_key(server):
    r = httpx.post(server.url + "mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30,
                   headers={"Accept": "application/json, text/event-stream"})
    assert r.status_code == 401

    async def calls(client):
        return await client.list_tools()

    with pytest.raises(Exception) as err:  # the client reports the 401 as an MCPError inside task-group errors
        _run(server, calls, key="wrong")
    assert _contains(err.value, MCPError), err.value


def _contains(exc: BaseException, kind: type) -> bool:
    """True when ``exc`` is a ``kind``, or an exception group holding one at any depth."""
    if isinstance(exc, kind):
        return True
    return any(_contains(e, kind) for e in getattr(exc, "exceptions", ()))


def test_doc_snippet_runs_against_the_server(server):
    from doc_snippets import run_snippet

    out = run_snippet("mcp", {"http://127.0.0.1:7860": server.url.rstrip("/"), "YOUR_KEY": API_KEY})
    lines = out.splitlines()
    assert lines[0] == "['ask', 'search', 'documents']" and "[1]" in out and "Townsend" in out
    assert lines[-3].startswith("1 Iraqi-U.S. Coalition Pans")  # search's first passage: n, title, sentence offsets
