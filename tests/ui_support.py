"""Helpers for the UI tests: real servers on free ports, test documents, headless Chromium.

Each server is the real `python -m rag.cli serve` in a subprocess, on a free
port of 127.0.0.1, with its own index copy and data directory; it is stopped
(by its own pid) when the test ends.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync",
]

# A fact found nowhere else, for the upload test.
NEW_FACT_NAME = "quillborough roads.txt"  # the space checks that names are sanitised
NEW_FACT_TEXT = (
    "Road works in Quillborough\n\n"
    "The town council of Quillborough painted exactly 417 zebra crossings in 2023, according to the council's road report.\n"
)
NEW_FACT_QUESTION = "How many zebra crossings did the Quillborough council paint?"

# A source whose text and title carry markup that must show as text and run nothing.
XSS_NAME = "harbor-bulletin.txt"
XSS_TEXT = (
    'Harbor bulletin <script>window.__xss_title=1</script> <img src=x onerror="window.__xss_title_img=1">\n\n'
    "Inspector Marlowe Quennell said the lantern test at Vexley harbor failed twice, and the logbook entry read "
    "<script>window.__xss=1;alert(1)</script> in red ink.\n\n"
    'The night watch at Vexley harbor found <img src=x onerror="window.__xss_img=1;alert(2)"> scrawled on the lantern door.\n'
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def filler_text(lines: int, title: str = "Orchard ledger") -> str:
    """Plain prose with no answer to any test question; makes a build take a few seconds."""
    words = ("orchard ledger copper lantern meadow violet harbor engine signal archive river "
             "mountain council beacon granary mill").split()
    body = [" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(12)).capitalize() + f" entry {i}."
            for i in range(lines)]
    return title + "\n\n" + "\n".join(body) + "\n"


def copy_index(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True)
    return dest


@dataclass
class Server:
    url: str
    port: int
    proc: subprocess.Popen
    index_dir: Path
    data_dir: Path
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            urllib.request.urlopen(url + "config", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # answering (e.g. 401 behind a login)
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.25)
    raise RuntimeError(f"server not ready after {timeout}s:\n{log.read_text(errors='replace')}")


@contextmanager
def running_server(index_dir: Path, work: Path, auth: str | None = None, timeout: float = 120,
                   env_extra: dict[str, str] | None = None):
    """`python -m rag.cli serve` on a free port (``env_extra`` added to its environment); yields a Server, stops it afterwards."""
    data_dir = work / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = work / "server.log"
    port = free_port()
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index-dir", str(index_dir), "--port", str(port)]
    if auth:
        cmd += ["--auth", auth]
    env = {**os.environ, "RAG_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    env.pop("RAG_AUTH", None)
    env.update(env_extra or {})
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_ready(url, proc, log, timeout)
        yield Server(url, port, proc, Path(index_dir), data_dir, log)
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() and os.access(CHROMIUM, os.X_OK)
