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
CHROMIUM = shutil.which("chromium") or "chromium"  # Debian's /usr/bin/chromium, found on PATH as a user's would be
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

    def wait_for_log(self, text: str, timeout: float = 15.0) -> str:
        """The log once it holds ``text`` (the server prints some lines just after it starts answering)."""
        deadline = time.time() + timeout
        while text not in self.log_text() and time.time() < deadline and self.proc.poll() is None:
            time.sleep(0.1)
        return self.log_text()


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
                   env_extra: dict[str, str] | None = None, args: list[str] | None = None):
    """`python -m rag.cli serve` on a free port (``env_extra`` added to its environment, ``args`` to its command
    line); yields a Server, stops it afterwards."""
    data_dir = work / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log = work / "server.log"
    port = free_port()
    cmd = [sys.executable, "-m", "rag.cli", "serve", "--index-dir", str(index_dir), "--port", str(port)]
    if auth:
        cmd += ["--auth", auth]
    cmd += args or []
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
    return shutil.which(CHROMIUM) is not None


# Sources whose citations have a place in the original: a 3-page PDF with one fact per page, and a
# Markdown handbook with nested headings. Question -> (file, page, section, words of the cited sentence).
SURVEY_PAGES = [
    ["Vexley Harbour Survey", "The Vexley lighthouse was built in 1871 by the engineer Thomas Stevenson.",
     "Its lamp can be seen from 22 nautical miles away."],
    ["The harbour ferry carries 240 passengers to Islay every morning.", "A return ticket on the ferry costs 18 pounds."],
    ["A colony of 63 pairs of grey herons nests on Gull Island.", "The herons feed on eels in the estuary."],
]
HANDBOOK = """# Harbour Handbook

This handbook is for the staff of Vexley harbour.

## Safety

### Fire

The fire assembly point is the blue container by the north gate.

### Diving

Divers must log every dive with the harbour master before entering the water.

## Mooring

Visiting yachts pay 31 pounds a night for a mooring.
"""
PLACE_QUESTIONS = {
    "Who built the Vexley lighthouse?": ("survey.pdf", 1, None, "built in 1871"),
    "How many passengers does the harbour ferry carry to Islay?": ("survey.pdf", 2, None, "240 passengers"),
    "How many pairs of grey herons nest on Gull Island?": ("survey.pdf", 3, None, "63 pairs of grey herons"),
    "Which container is the fire assembly point?": ("handbook.md", None, "Safety › Fire", "blue container"),
    "How much do visiting yachts pay for a mooring?": ("handbook.md", None, "Mooring", "31 pounds a night"),
}


def write_survey_pdf(path: Path) -> Path:
    """A 3-page PDF (reportlab) with the lines of SURVEY_PAGES, one list per page."""
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path))
    c.setTitle(SURVEY_PAGES[0][0])  # else reportlab writes "untitled" into the PDF's metadata, and that is its title
    for lines in SURVEY_PAGES:
        for i, line in enumerate(lines):
            c.drawString(72, 720 - 18 * i, line)
        c.showPage()
    c.save()
    return path


def write_place_sources(folder: Path) -> Path:
    """``folder`` with survey.pdf and handbook.md (the sources of PLACE_QUESTIONS)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_survey_pdf(folder / "survey.pdf")
    (folder / "handbook.md").write_text(HANDBOOK, encoding="utf-8")
    return folder
