"""What the benchmarks share: the project folder on sys.path (they run as `python benchmarks/x.py`,
which puts only this folder there), and memory figures of a process read from /proc."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


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
