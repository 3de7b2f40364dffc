"""The soak benchmark (benchmarks/soak.py), two minutes of it: `make test` runs it and checks what it counts.

Mixed traffic (chat with follow-ups, the OpenAI API streamed and not, MCP ask and search,
uploads and removals, malformed requests) against a real `rag serve`: no server-side error,
every cited answer resolving in an index build, every loop ending by itself. Timings are
reported, never asserted; the 30-minute run is in docs/RELIABILITY.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

SUMMARY = re.compile(r"soak seconds=(\d+) requests=(\d+) errors=(\d+) rss_start_mb=([\d.]+) rss_end_mb=([\d.]+) "
                     r"fds_start=(\d+) fds_end=(\d+) p95_s=([\d.]+)")


def test_two_minutes_of_mixed_traffic_with_rebuilds_have_no_errors(tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    r = subprocess.run([sys.executable, "benchmarks/soak.py", "--seconds", "120", "--rebuild-every", "40", "--out-dir",
                        str(tmp_path)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    last = r.stdout.strip().splitlines()[-1]
    m = SUMMARY.fullmatch(last)
    assert m, last  # the summary line comes last, in its format
    report = json.loads((tmp_path / "soak.json").read_text())
    s = report["summary"]
    assert (int(m[1]), int(m[2]), int(m[3])) == (s["seconds"], s["requests"], s["errors"]) == (120, s["requests"], 0)
    assert report["errors"] == [] and report["server_alive_at_end"] and report["hung_loops"] == []
    assert set(report["interfaces"]) == {"chat", "openai", "mcp", "rebuild", "malformed"}
    assert all(i["requests"] > 0 and i["errors"] == 0 for i in report["interfaces"].values()), report["interfaces"]
    assert report["rebuild_cycles"] >= 2  # uploads and removals: four rebuilds under the traffic
    assert report["citations"]["answers_checked"] > 50 and report["citations"]["unresolved"] == 0
    assert report["warm_up_s"] is not None and len(report["minutes"]) == 2
    assert all(isinstance(minute["rss_mb"], float) and minute["fds"] > 0 for minute in report["minutes"])
    assert (tmp_path / "soak.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
