"""Safe defaults of `rag serve`: a loud warning when it is exposed to the network unguarded, and a size limit on
request bodies sent to the OpenAI-compatible API (/v1) and MCP (/mcp).

The warning is checked on a real `rag serve --host 0.0.0.0` started inside a network
namespace of its own (``unshare --net``: only a loopback interface, so nothing outside this
test can reach it; root only, like the tmpfs tests, failing under CI=true when missing).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import httpx
import pytest
from components import needs
from ui_support import ROOT, copy_index, free_port, running_server

from rag.settings import Settings
from rag_ui.app import exposure_warning, is_loopback
from rag_ui.body_limit import too_large_message

LIMIT = Settings().max_request_bytes
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


# -- the warning -------------------------------------------------------------------------------
def test_exposure_warning_names_what_is_open():
    banner = exposure_warning("0.0.0.0", 7860, None, None)
    assert banner.startswith("!" * 100) and banner.endswith("!" * 100)
    assert "WARNING: rag serve is listening on 0.0.0.0:7860 (every network interface) with no --auth and no API key" in banner
    assert "read every indexed document" in banner and "upload files and rebuild or replace the index" in banner
    assert "/v1" in banner and "/mcp" in banner and "--auth USER:PASS" in banner and "RAG_API_KEY" in banner
    key_only = exposure_warning("192.0.2.7", 8000, None, "k")
    assert key_only.startswith("warning: rag serve is listening on 192.0.2.7:8000 without --auth")
    assert "chat, its uploads and rebuilds are open" in key_only
    for host in ("127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"):  # loopback only: nothing to warn about
        assert is_loopback(host) and exposure_warning(host, 7860, None, None) is None, host
    assert exposure_warning("0.0.0.0", 7860, ("u", "p"), None) is None  # the login guards the chat, its password the APIs
    assert exposure_warning("example.org", 7860, None, None).count("with no --auth and no API key") == 1
    assert not is_loopback("0.0.0.0") and not is_loopback("::") and not is_loopback("example.org")


def _netns_available() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(["unshare", "--net", "ip", "link", "set", "lo", "up"], capture_output=True)
    return probe.returncode == 0


@pytest.mark.slow
@needs(_netns_available(), "a network namespace (unshare --net, as root)", "run the tests as root")
def test_rag_serve_on_all_interfaces_without_a_guard_prints_the_banner(seed_index_dir, tmp_path):
    index = copy_index(seed_index_dir, tmp_path / "index")
    port = free_port()
    serve = f"{sys.executable} -m rag.cli serve --index-dir {index} --host 0.0.0.0 --port {port}"
    log = tmp_path / "serve.log"
    env = {"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": str(ROOT), "RAG_DATA_DIR": str(tmp_path / "data"), "HOME": str(tmp_path)}
    with open(log, "w") as fh:  # `unshare` execs the shell, which execs python: proc is the server itself
        proc = subprocess.Popen(["unshare", "--net", "sh", "-c", f"ip link set lo up && exec {serve}"], cwd=ROOT,
                                env=env, stdout=fh, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 180
        while "!" * 100 + "\n" not in log.read_text() and proc.poll() is None and time.time() < deadline:
            time.sleep(0.5)
        text = log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert f"WARNING: rag serve is listening on 0.0.0.0:{port} (every network interface) with no --auth and no API key" \
        in text, text
    assert text.index("Running on") < text.index("WARNING: rag serve")  # last, where it is seen


# -- the body limit ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(seed_index_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("defaults")
    with running_server(copy_index(seed_index_dir, work / "index"), work) as srv:
        yield srv


def _chat_body(padding: int) -> bytes:
    """A chat completion request of about ``padding`` bytes (a long system message, which the engine ignores)."""
    return json.dumps({"model": "rag-cited", "messages": [{"role": "system", "content": "x" * padding},
                                                          {"role": "user", "content": "What did Townsend say?"}]}).encode()


def _chunks(body: bytes, size: int = 65536):
    for i in range(0, len(body), size):
        yield body[i : i + size]


def _assert_413(r: httpx.Response) -> None:
    assert r.status_code == 413, (r.status_code, r.text[:300])
    assert r.json()["error"]["message"] == too_large_message(LIMIT)
    assert r.json()["error"]["code"] == "request_too_large"


@pytest.mark.slow
def test_oversized_bodies_get_413_with_a_message_and_the_server_keeps_answering(server):
    url = server.url + "v1/chat/completions"
    with httpx.Client(timeout=60) as client:
        fits = client.post(url, content=_chat_body(LIMIT - 1000), headers={"Content-Type": "application/json"})
        assert fits.status_code == 200 and "[1]" in fits.json()["choices"][0]["message"]["content"]
        big = _chat_body(LIMIT + 10)
        _assert_413(client.post(url, content=big, headers={"Content-Type": "application/json"}))  # Content-Length
        _assert_413(client.post(url, content=_chunks(big), headers={"Content-Type": "application/json"}))  # chunked
        rpc = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {"pad": "x" * LIMIT}}).encode()
        _assert_413(client.post(server.url + "mcp", content=rpc, headers=MCP_HEADERS))
        _assert_413(client.post(server.url + "mcp/", content=_chunks(rpc), headers=MCP_HEADERS))
        again = client.post(url, json={"model": "rag-cited", "messages": [{"role": "user", "content": "What did Townsend say?"}]})
        assert again.status_code == 200 and again.json()["choices"][0]["message"]["content"] == \
            fits.json()["choices"][0]["message"]["content"]
        status = client.get(server.url + "gradio_api/info")  # the chat's own routes are not limited by it
        assert status.status_code == 200
    assert "Traceback" not in server.log_text()
