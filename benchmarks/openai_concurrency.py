"""Latency under concurrent load: the OpenAI-compatible endpoint next to gradio_client's /ask, same server.

    python benchmarks/openai_concurrency.py [--clients 50] [--requests 200] [--index-dir DIR]

Starts `rag serve` on a free port of 127.0.0.1 over the seed article (indexed into a
temporary folder unless --index-dir names an index), then, for each endpoint in turn,
``--clients`` threads each hold one client (the official ``openai`` client, or a
``gradio_client.Client``) and ask the seed questions in a loop until ``--requests``
answers have come back. Prints p50/p95/max latency per request and answers per second
(answers / wall time) as a Markdown table, and the number of failed or uncited answers.
The server answers each seed question once before the clock starts (the first answers
load models lazily).
The clients run on the same machine as the server, so they take CPU from it too.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from bench_common import ROOT, write_section

from rag.search.onnx_embedding import describe_cpu  # noqa: E402 - after bench_common puts the project on sys.path

QUESTIONS = ["What did Townsend say?", "How many civilians does Amnesty say were killed?",
             "What did Lynn Maalouf demand?", "What weapons does Amnesty accuse Iraqi forces of using?"]


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(index_dir: Path, work: Path) -> tuple[subprocess.Popen, str]:
    """`rag serve` on a free port; returns the process and its URL once it answers."""
    port = free_port()
    env = {**os.environ, "RAG_DATA_DIR": str(work / "data"), "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    with open(work / "server.log", "w") as log:  # the server keeps its own copy of the file
        proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--index-dir", str(index_dir), "--port",
                                 str(port)], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {(work / 'server.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url + "v1/models", timeout=2)
            return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("server did not start in 180 s")


def load(make_client: Callable[[], object], ask: Callable[[object, str], bool], clients: int, requests: int) -> Run:
    """``clients`` threads, one client each, asking in a loop until ``requests`` answers are in."""
    run, lock = Run(), threading.Lock()
    counter = iter(range(requests))
    made = [make_client() for _ in range(clients)]  # connect before the clock starts
    barrier = threading.Barrier(clients + 1)

    def worker(client) -> None:
        barrier.wait()
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            t = time.perf_counter()
            try:
                ok, why = ask(client, QUESTIONS[i % len(QUESTIONS)]), ""
            except Exception as exc:  # noqa: BLE001 - a failed request is counted and reported
                ok, why = False, f"{type(exc).__name__}: {exc}"
            with lock:
                run.latencies.append(time.perf_counter() - t)
                if not ok:
                    run.failures.append(why or "answer without citations")

    threads = [threading.Thread(target=worker, args=(c,)) for c in made]
    for th in threads:
        th.start()
    barrier.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    run.wall = time.perf_counter() - t0
    return run


def openai_load(url: str, clients: int, requests: int) -> Run:
    import openai

    def make():
        return openai.OpenAI(base_url=url + "v1", api_key="none", max_retries=0, timeout=120)

    def ask(client, q: str) -> bool:
        message = client.chat.completions.create(model="rag-cited", messages=[{"role": "user", "content": q}]).choices[0].message
        return bool(message.content) and bool(message.annotations)

    return load(make, ask, clients, requests)


def gradio_load(url: str, clients: int, requests: int) -> Run:
    from gradio_client import Client

    def make():
        return Client(url, verbose=False)

    def ask(client, q: str) -> bool:
        text, info = client.predict(q, "", api_name="/ask")
        return bool(text) and bool(info.get("citations"))

    return load(make, ask, clients, requests)


def row(name: str, run: Run) -> str:
    lat = np.array(run.latencies)
    return (f"| {name} | {len(lat)} | {np.percentile(lat, 50):.2f} s | {np.percentile(lat, 95):.2f} s | {lat.max():.2f} s "
            f"| {len(lat) / run.wall:.1f} | {len(run.failures)} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--requests", type=int, default=200, help="answers per endpoint")
    ap.add_argument("--index-dir", help="an existing index (default: the seed article, indexed into a temporary folder)")
    ap.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"), help="the doc its table goes into ('-': print only)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rag-bench-") as tmp:
        work = Path(tmp)
        index_dir = Path(args.index_dir) if args.index_dir else work / "index"
        if not args.index_dir:
            subprocess.run([sys.executable, "-m", "rag.cli", "ingest", "--quiet", "--index-dir", str(index_dir),
                            str(ROOT / "seeds")], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        proc, url = start_server(index_dir, work)
        try:
            warm = time.perf_counter()
            openai_load(url, 1, len(QUESTIONS))  # the first answers load models lazily: not part of the load
            print(f"warm-up: {len(QUESTIONS)} answers in {time.perf_counter() - warm:.1f} s", file=sys.stderr)
            runs = {
                f"OpenAI API `/v1/chat/completions` ({args.clients} `openai` clients)":
                    openai_load(url, args.clients, args.requests),
                f"gradio_client `/ask` ({args.clients} clients)": gradio_load(url, args.clients, args.requests),
            }
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    lines = [f"`python benchmarks/openai_concurrency.py --clients {args.clients} --requests {args.requests}` on "
             f"{time.strftime('%Y-%m-%d')}, {describe_cpu()}: {args.clients} concurrent clients, {args.requests} answers "
             "per endpoint, the seed article.", "",
             "| endpoint | answers | p50 | p95 | max | answers/s | failed |", "|---|---|---|---|---|---|---|"]
    lines += [row(name, run) for name, run in runs.items()]
    for name, run in runs.items():
        lines += [f"\n{name}: {why}" for why in sorted(set(run.failures))[:5]]
    print("\n".join(lines))
    if args.out != "-":
        write_section("openai_concurrency", "\n".join(lines), Path(args.out))


if __name__ == "__main__":
    main()
