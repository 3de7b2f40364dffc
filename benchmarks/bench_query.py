"""Query latency after load, load time and memory on the current index.

    python benchmarks/bench_query.py [--index-dir index] [--repeat 5]

Prints p50/p95 latency of Assistant.ask over the bundled dev questions and a few
follow-ups (each asked --repeat times), the time to load, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.assistant import Assistant  # noqa: E402
from rag.evaluate import bundled_dev_questions  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index-dir", default="index")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    t = time.perf_counter()
    assistant = Assistant(Settings.from_env(index_dir=args.index_dir))
    load_s = time.perf_counter() - t
    items = [json.loads(line) for line in bundled_dev_questions().read_text(encoding="utf-8").splitlines() if line.strip()]
    items += [{"question": "What did Townsend say?"}, {"question": "And what about drones?", "history": [["What did Croft say?", "..."]]}]
    assistant.ask("warm up")
    times = []
    for _ in range(args.repeat):
        for item in items:
            t = time.perf_counter()
            assistant.ask(item["question"], [tuple(h) for h in item.get("history") or []])
            times.append((time.perf_counter() - t) * 1000)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    m = assistant.index.manifest
    print(f"index: {len(m['documents'])} document(s), {m['passages']} passages, {m['sentences']} sentences")
    print(f"load (model + index): {load_s:.2f} s")
    print(f"query latency over {len(times)} questions: p50 {np.percentile(times, 50):.1f} ms, p95 {np.percentile(times, 95):.1f} ms, max {max(times):.1f} ms")
    print(f"peak RSS: {rss_mb:.0f} MB")


if __name__ == "__main__":
    main()
