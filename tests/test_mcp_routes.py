"""ui/mcp_tools.py ``mcp_routes``: the /mcp endpoint of `rag serve` loads mcp on its first accepted request, not when
the server starts, and then serves MCP. In a fresh interpreter, where nothing has imported mcp yet; an app of just
these routes, through Starlette's test client (the real server: tests/test_mcp_server.py)."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from starlette.applications import Starlette
from starlette.testclient import TestClient
from rag_ui.access import Access
from rag_ui.mcp_tools import mcp_routes

def unused():
    raise AssertionError("listing the tools asks nothing of the assistant")

routes, lifespan = mcp_routes(unused, Access.from_options("key", None, "secret"), "127.0.0.1")
seen = {"at_start": "mcp" in sys.modules}
ACCEPT = {"accept": "application/json, text/event-stream"}
KEY = {**ACCEPT, "authorization": "Bearer key"}
INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "probe", "version": "1"}}}
with TestClient(Starlette(routes=routes, lifespan=lifespan), base_url="http://127.0.0.1:7860") as client:
    seen["refused"] = client.post("/mcp", json=INIT, headers=ACCEPT).status_code
    seen["after_refused"] = "mcp" in sys.modules
    init = client.post("/mcp", json=INIT, headers=KEY)
    seen["initialized"] = init.status_code
    session = {**KEY, "mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"}
    client.post("/mcp", json={"jsonrpc": "2.0", "method": "notifications/initialized"}, headers=session)
    listed = client.post("/mcp", json={"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, headers=session)
    data = [line[5:] for line in listed.text.splitlines() if line.startswith("data:")]
    seen["tools"] = sorted(t["name"] for t in json.loads(data[-1])["result"]["tools"])
print(json.dumps(seen))
"""


def test_mcp_loads_on_the_first_accepted_request_and_serves_the_tools():
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["at_start"] is False  # the routes and their lifespan are made without mcp
    assert seen["refused"] == 401 and seen["after_refused"] is False  # a request without the key loads nothing
    assert seen["initialized"] == 200
    assert seen["tools"] == ["ask", "documents", "search"]
