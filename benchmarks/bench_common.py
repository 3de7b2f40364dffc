"""What the benchmarks and experiments share: the project folder on sys.path (they run as
`python benchmarks/x.py`, which puts only this folder there), memory figures of a process read
from /proc, and writing a table into a doc between markers (so no figure there is pasted by hand)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def write_section(marker: str, text: str, path: Path) -> None:
    """Replace what stands between <!-- marker --> and <!-- /marker --> in ``path`` (append if absent)."""
    body = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"<!-- {marker} -->\n{text.strip()}\n<!-- /{marker} -->"
    pattern = re.compile(rf"<!-- {re.escape(marker)} -->.*?<!-- /{re.escape(marker)} -->", re.S)
    body = pattern.sub(lambda _: block, body) if pattern.search(body) else body.rstrip() + "\n\n" + block + "\n"
    path.write_text(body, encoding="utf-8")


def marked_sections(text: str) -> dict[str, str]:
    """The <!-- name --> ... <!-- /name --> blocks of a doc, by name (what a rewrite of it must keep)."""
    return {m.group(1): m.group(0) for m in re.finditer(r"<!-- ([\w-]+) -->.*?<!-- /\1 -->", text, re.S)}


def keep_sections(text: str, old: str) -> str:
    """``text`` with the marked blocks of ``old`` (what other scripts wrote) put back in place of its
    own blocks of the same name, or appended where it has none."""
    placeholders = marked_sections(text)
    for name, block in marked_sections(old).items():
        text = text.replace(placeholders[name], block) if name in placeholders else f"{text}\n{block}\n"
    return text


def status_mb(field: str, pid: int | str = "self") -> float | None:
    """A memory figure of a process from /proc/PID/status ("VmHWM", "VmRSS"), in MB; None once it has exited."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith(field)) / 1024
    except (OSError, StopIteration):
        return None


def peak_rss_mb(pid: int | str = "self") -> float | None:
    """A process's own peak RSS (VmHWM of its address space, in MB); None once it has exited.

    Not getrusage's ru_maxrss: on Linux a child's maxrss starts from its parent's at fork
    and survives exec, so a child of a large benchmark process would report the parent's size.
    """
    return status_mb("VmHWM", pid)
