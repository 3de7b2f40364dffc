"""Load an index as the server does and answer questions, to measure serving as the corpus grows.

    python benchmarks/memory_serve.py INDEX_DIR

Uses memory_build.py's stand-in embedder for the question vectors (hash vectors: dense
search still runs over every passage vector, only its ranking is meaningless), so the
figures are the index's own: load time, resident memory once loaded, and end-to-end
answer latency (retrieval, evidence scoring, refusal checks, composition) without the
model's fixed cost. Prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

from bench_common import peak_rss_mb, status_mb
from memory_build import HashEmbedder

from rag.assistant import Assistant
from rag.settings import Settings

QUESTIONS = [
    "What did the researchers say about vitamin D?",
    "How many patients were enrolled in the trial?",
    "Which gene is associated with breast cancer risk?",
    "What is the effect of statins on mortality?",
    "When was the vaccine first tested in humans?",
    "What did the authors conclude about obesity and diabetes?",
    "Does aspirin reduce the risk of colorectal cancer?",
    "Which protein regulates cell division?",
    "What causes antibiotic resistance in bacteria?",
    "How does smoking affect lung function?",
    "What role do T cells play in the immune response?",
    "Is there a link between sleep and memory?",
]


class _QueryEmbedder(HashEmbedder):
    def encode_query(self, text: str):
        return self._vector(text)


def main() -> int:
    index_dir = Path(sys.argv[1])
    before = status_mb("VmRSS")  # Python and the imports
    t = time.perf_counter()
    assistant = Assistant(Settings(index_dir=index_dir), embedder=_QueryEmbedder())
    load_s = time.perf_counter() - t
    loaded = status_mb("VmRSS")
    times = []
    for _ in range(3):
        for q in QUESTIONS:
            t = time.perf_counter()
            assistant.ask(q)
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(json.dumps({"load_s": load_s, "imports_rss_mb": before, "loaded_rss_mb": loaded, "rss_mb": status_mb("VmRSS"),
                      "peak_rss_mb": peak_rss_mb(), "answer_p50_ms": statistics.median(times),
                      "answer_p95_ms": times[int(0.95 * (len(times) - 1))]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
