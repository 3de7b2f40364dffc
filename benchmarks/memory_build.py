"""Build an index with a stand-in embedder, to measure what the build itself holds in memory.

    python benchmarks/memory_build.py SOURCE_FOLDER INDEX_DIR

The stand-in gives every text a fixed pseudo-random unit vector from its hash, at once,
so the run measures reading, splitting, BM25, vector files and FAISS without the model's
fixed cost (the real model's is in the ingest part of bench_scale.py). Prints one JSON
line: documents, passages, sentences, seconds, peak RSS.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np
from bench_common import peak_rss_mb

from rag.ingest.build import build_index
from rag.settings import Settings
from rag.store.manifest import read_manifest


class HashEmbedder:
    """Unit vectors from a text's hash: deterministic, instant, and the model's shape."""

    backend, graph, dim, pools_spans = "hash", None, 384, True

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
        v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
        return v / np.linalg.norm(v)

    def encode(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def encode_spans(self, texts, spans):
        return self.encode(texts), [[self._vector(t[a:b]) for a, b in sp] for t, sp in zip(texts, spans)]


def main() -> int:
    source, index_dir = Path(sys.argv[1]), Path(sys.argv[2])
    t = time.perf_counter()
    report = build_index([source], Settings(index_dir=index_dir), embedder=HashEmbedder(), show_progress=False)
    m = read_manifest(index_dir)
    print(json.dumps({"documents": report.documents, "passages": report.passages, "sentences": m["sentences"],
                      "seconds": time.perf_counter() - t,
                      "peak_rss_mb": peak_rss_mb()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
