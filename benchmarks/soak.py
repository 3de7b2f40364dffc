"""Soak: `rag serve` under bounded mixed traffic for a long time, with rebuilds; memory, files and latency per minute.

    SOAK_SECONDS=1800 python benchmarks/soak.py [--seconds N] [--rebuild-every S] [--out-dir DIR]

Starts `rag serve` on a free port of 127.0.0.1 over the seed article (indexed into a
temporary folder), answers each question once (the first answers load models lazily) and
then, until the time is up, runs these loops side by side, each pausing
between requests, so the load is steady rather than flat out:

* chat: gradio_client ``/ask``, a question and then a follow-up that needs its history;
* openai: the official ``openai`` client on ``/v1/chat/completions``, streamed and not;
* mcp: the ``mcp`` client's ``ask`` and ``search`` tools over streamable HTTP;
* rebuild: every ``--rebuild-every`` seconds, upload a file through ``/rebuild`` and then
  ``/remove`` it (two rebuilds; questions about it are asked meanwhile);
* malformed: requests the server must refuse with a 4xx (bad JSON, no messages, an unknown
  model, an oversized body, an empty question, broken history, a bad tool argument).

An error is anything that is not the client's fault: a 5xx, a lost connection, a request
that should have been answered and was not, a malformed request that was not refused with a
4xx. Every cited answer is checked against the index builds seen on disk: each citation's
text must be at its offsets in its document, and all the citations of one answer must come
from one build (document ids are content hashes, so a build's documents pin their text).

Each minute it records requests, errors and p50/p95 latency per interface, and the server's
resident memory (RSS) and open file descriptors from /proc. RSS and descriptors are taken
as the baseline once the first upload-and-remove cycle is done (the warm-up: models loaded,
first rebuild paid). Writes ``soak.json`` and ``soak.png`` (RSS and p95 over time) into
``--out-dir`` and prints one summary line last:

    soak seconds=... requests=... errors=... rss_start_mb=... rss_end_mb=... fds_start=... fds_end=... p95_s=...

All traffic goes to 127.0.0.1 only, and every loop stops by itself when the time is up.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_common import ROOT, status_mb
from openai_concurrency import start_server
from soak_traffic import LOOPS, Recorder, Traffic, warm_up

DEFAULT_SECONDS = int(os.environ.get("SOAK_SECONDS", "1800"))


def open_fds(pid: int) -> int | None:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def sample_server(rec: Recorder, pid: int, stop: threading.Event, every: float = 5.0) -> None:
    """RSS (MB) and open descriptors of the server every ``every`` seconds, into ``rec``."""
    while not stop.wait(every):
        rss, fds = status_mb("VmRSS", pid), open_fds(pid)
        if rss is not None and fds is not None:
            rec.sample(rss, fds)


def run(seconds: float, rebuild_every: float, work: Path) -> dict:
    """The whole soak against a fresh server; returns the JSON report."""
    index_dir = work / "index"
    subprocess.run([sys.executable, "-m", "rag.cli", "ingest", "--quiet", "--index-dir", str(index_dir),
                    str(ROOT / "seeds")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    proc, url = start_server(index_dir, work)
    try:
        warm_up(url)
        rec = Recorder(time.time())
        traffic = Traffic(url, index_dir, work, rec, deadline=time.time() + seconds, rebuild_every=rebuild_every)
        stop = threading.Event()
        sampler = threading.Thread(target=sample_server, args=(rec, proc.pid, stop), daemon=True)
        sampler.start()
        threads = [threading.Thread(target=loop, args=(traffic,), name=name) for name, loop in LOOPS]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=seconds + 600)  # every loop ends at the deadline; this only guards a hung client
        stop.set()
        sampler.join(timeout=10)
        rss, fds = status_mb("VmRSS", proc.pid), open_fds(proc.pid)
        if rss is not None and fds is not None:
            rec.sample(rss, fds)
        alive = proc.poll() is None
        hung = [t.name for t in threads if t.is_alive()]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    report = rec.report(seconds, traffic.builds.checked, traffic.builds.unresolved, traffic.cycles)
    report["server_alive_at_end"], report["hung_loops"] = alive, hung
    if not alive or hung:
        report["summary"]["errors"] += 1
    return report


def plot(report: dict, path: Path) -> None:
    """RSS and p95 latency per minute, one panel each."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    minutes = report["minutes"]
    xs = [m["minute"] + 1 for m in minutes]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), sharex=True)
    top.plot(xs, [m["rss_mb"] for m in minutes], marker=".", label="server RSS (MB)")
    top.axhline(report["summary"]["rss_start_mb"], color="grey", linestyle=":", label="after warm-up")
    top.set_ylabel("RSS (MB)")
    top.legend(loc="lower right")
    for name in sorted({n for m in minutes for n in m["interfaces"]}):
        bottom.plot(xs, [m["interfaces"].get(name, {}).get("p95_s") for m in minutes], marker=".", label=name)
    bottom.set_ylabel("p95 latency (s)")
    bottom.set_xlabel("minute")
    bottom.legend(loc="upper right", fontsize="small")
    s = report["summary"]
    fig.suptitle(f"rag serve soak: {s['seconds']} s, {s['requests']} requests, {s['errors']} errors")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def summary_line(s: dict) -> str:
    return (f"soak seconds={s['seconds']} requests={s['requests']} errors={s['errors']} rss_start_mb={s['rss_start_mb']} "
            f"rss_end_mb={s['rss_end_mb']} fds_start={s['fds_start']} fds_end={s['fds_end']} p95_s={s['p95_s']}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=DEFAULT_SECONDS, help="how long (default $SOAK_SECONDS or 1800)")
    ap.add_argument("--rebuild-every", type=float, default=180.0, help="seconds between upload-and-remove cycles")
    ap.add_argument("--out-dir", default=str(ROOT / "docs"), help="where soak.json and soak.png go")
    args = ap.parse_args()
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rag-soak-") as tmp:
        report = run(args.seconds, args.rebuild_every, Path(tmp))
    (out / "soak.json").write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    plot(report, out / "soak.png")
    for line in report["errors"][:10]:
        print(f"error: {line}", file=sys.stderr)
    c = report["citations"]
    print(f"citations: {c['answers_checked']} cited answers checked, {c['unresolved']} unresolved; "
          f"rebuild cycles: {report['rebuild_cycles']}; by interface: "
          + ", ".join(f"{k} {v['requests']} ({v['errors']} errors)" for k, v in report["interfaces"].items()))
    print(summary_line(report["summary"]), flush=True)


if __name__ == "__main__":
    main()
