"""What an unchanged rebuild still does, and what each part costs: prints one JSON line.

    python benchmarks/rebuild_parts.py INDEX_DIR

Runs the steps of `rag ingest --index-dir INDEX_DIR` with nothing changed (rag/ingest/build.py
`build_index`, rag/ingest/unchanged.py `copy_unchanged`) one by one with a clock around each, on
an index whose sources have not changed since it was built, and leaves a valid new build
swapped in as the real command does. Python's start-up and the imports are timed by the caller
(benchmarks/bench_scale.py, ingest part) as a process of their own.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench_common import ROOT  # noqa: F401 - puts the project on sys.path

from rag.ingest.build import choose_sources
from rag.ingest.sources import DocumentStream
from rag.ingest.unchanged import build_checksums, copy_build_files, settings_unchanged, unchanged_files
from rag.ingest.vectors import planned_backend
from rag.settings import Settings
from rag.store.dirs import build_lock, finish_build, new_build_dir, swap_in
from rag.store.manifest import current_build, read_manifest, recorded_sources, write_manifest


def main() -> None:
    index_dir = Path(sys.argv[1])
    settings = Settings(index_dir=index_dir)
    parts: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        parts[name] = now - clock
        clock = now

    with build_lock(index_dir):
        recorded, excluded, _ = recorded_sources(index_dir)
        sources, excluded = choose_sources(recorded, excluded, [], add=False, exclude=None)
        manifest = read_manifest(index_dir)
        lap("read the manifest")
        stream = DocumentStream([Path(s) for s in sources], exclude=set(excluded))
        lap("list the source files (walk the folders)")
        backend, graph = planned_backend(settings, None)
        assert settings_unchanged(manifest, settings, backend, graph), "the settings changed: not an unchanged rebuild"
        lap("check the settings (model files' sizes and times for the graph id)")
        build = current_build(index_dir)
        records = unchanged_files(manifest, stream, build)
        assert records is not None, "a source changed: not an unchanged rebuild"
        lap("stat every source file (size, mtime)")
        assert build_checksums(build) == manifest["checksums"], "the build's files are damaged"
        lap("hash the build's files (SHA-1: intact?)")
        tmp, stamp = new_build_dir(index_dir)
        copy_build_files(build, tmp)
        lap("copy the build's files (hard links)")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        write_manifest(tmp, {**manifest, "built_at": now, "files": records[0], "unreadable": records[1]})
        lap("write the manifest")
        swap_in(index_dir, finish_build(tmp, stamp))
        lap("swap the new build in, delete the one before the previous")
    size = sum(f.stat().st_size for f in build.rglob("*") if f.is_file())
    print(json.dumps({"parts": parts, "files": len(stream.files), "build_mb": size / 2**20}))


if __name__ == "__main__":
    main()
