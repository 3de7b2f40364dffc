"""Index build time: a cold build, then a rebuild of unchanged sources (embedding cache).

    python benchmarks/bench_build.py seeds/
    python benchmarks/bench_build.py --squad ../shared/eval/squad-v2-dev-part-a.json

Prints documents, passages, sentences, seconds and texts embedded per second.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rag.embedding import Embedder  # noqa: E402
from rag.index import build_index, write_index  # noqa: E402
from rag.settings import Settings  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--squad", help="index every paragraph of a SQuAD JSON file instead")
    args = ap.parse_args()
    t = time.perf_counter()
    embedder = Embedder(Settings().embed_model)
    print(f"model load: {time.perf_counter() - t:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(index_dir=Path(tmp) / "index")
        if args.squad:
            from rag.evaluate import load_squad

            docs, _ = load_squad(Path(args.squad))
            build = lambda: write_index(docs, [], settings, embedder=embedder, show_progress=False)  # noqa: E731
        else:
            build = lambda: build_index([Path(p) for p in args.paths], settings, embedder=embedder, show_progress=False)  # noqa: E731
        for label in ("cold build", "rebuild, unchanged sources"):
            t = time.perf_counter()
            report = build()
            s = time.perf_counter() - t
            rate = f", {report.embedded / s:.0f} texts/s" if report.embedded else ""
            print(f"{label}: {report.documents} documents, {report.passages} passages, "
                  f"{report.embedded} texts embedded, {report.reused} reused, {s:.2f} s{rate}")


if __name__ == "__main__":
    main()
