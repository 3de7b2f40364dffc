"""Running an exported embedding graph (onnxruntime and tokenizers only): OnnxEncoder, texts batched by token length."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

# -- run (onnxruntime + tokenizers only) ----------------------------------------------------
MAX_SESSIONS = 4


class OnnxEncoder:
    """Encodes texts with an exported graph; texts are batched by token length.

    One session (all cores) serves single queries. Bulk work is shared by one
    single-threaded session per core (at most MAX_SESSIONS), each driven from its own
    thread: one-text runs are too small to keep intra-op threads busy (docs/TUNING.md,
    "The int8 recipe").
    """

    def __init__(
        self,
        export_dir: Path,
        quantized: bool = False,
        graph: str | None = None,
        threads: int = 0,
        sessions: int | None = None,
        session_threads: int = 1,
        spinning: bool = False,
    ):
        from tokenizers import Tokenizer

        export_dir = Path(export_dir)
        # threads of each bulk session, and whether idle intra-op threads spin: the levers measured in
        # docs/TUNING.md ("Embedding against the int8 roofline"); the defaults are what measured best
        self.session_threads, self.spinning = session_threads, spinning
        self.meta = json.loads((export_dir / "meta.json").read_text(encoding="utf-8"))
        self.dim = int(self.meta["dim"])
        self.pooling = self.meta.get("pooling", "mean")
        self.path = export_dir / (graph or ("model.int8.onnx" if quantized else "model.onnx"))
        self.session = self._session(threads)
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.has_tokens = "tokens" in [o.name for o in self.session.get_outputs()]
        self.n_sessions = max(1, sessions if sessions is not None else min(MAX_SESSIONS, os.cpu_count() or 1))
        self._workers: list = []  # the bulk sessions, made on first bulk use (a server may never need them)
        self.tokenizer = Tokenizer.from_file(str(export_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=int(self.meta["max_seq_length"]))
        self.pad_id = int(self.meta["pad_id"])
        # Dynamic quantisation scales the activations of a whole run by one factor: in a batch,
        # a text's vector would depend on its batch-mates. One text per run keeps a vector a
        # function of its text alone (the embedding cache relies on that; its cost: docs/TUNING.md).
        self.one_per_run = quantized or "int8" in self.path.name

    def _session(self, threads: int):
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.intra_op_num_threads = threads
        opts.log_severity_level = 3
        # threads sleep instead of spinning between runs: on a shared CPU spinning costs
        # more than it saves (docs/TUNING.md, "The int8 recipe")
        opts.add_session_config_entry("session.intra_op.allow_spinning", "1" if self.spinning else "0")
        return ort.InferenceSession(str(self.path), opts, providers=["CPUExecutionProvider"])

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors of ``texts``, shape (len(texts), dim)."""
        return self._encode(list(texts), batch_size)[0]

    def encode_spans(
        self, texts: list[str], spans: list[list[tuple[int, int]]], batch_size: int = 32
    ) -> tuple[np.ndarray, list[list[np.ndarray | None]]]:
        """Vectors of ``texts`` and, pooled from the same run, of the character ``spans`` of each.

        A span that truncation cut off gets None (see rag/search/pooling.py). Needs a mean-pooling
        model exported with token embeddings (``self.has_tokens``).
        """
        if not self.has_tokens or self.pooling != "mean":
            raise ValueError("this graph cannot pool spans (no token embeddings, or not a mean-pooling model)")
        return self._encode(list(texts), batch_size, spans)

    def _encode(self, texts: list[str], batch_size: int, spans=None):
        from .pooling import pool_spans

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        pooled: list = [None] * len(texts)
        if not texts:
            return out, pooled
        if self.one_per_run:
            batch_size = 1
        encs = self.tokenizer.encode_batch(texts, add_special_tokens=True)
        order = np.argsort([len(e.ids) for e in encs], kind="stable")  # similar lengths share a batch: less padding
        batches = [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
        outputs = ["embedding", "tokens"] if spans is not None else ["embedding"]

        def work(session, mine) -> None:
            for rows in mine:
                width = max(len(encs[r].ids) for r in rows)
                ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
                mask = np.zeros((len(rows), width), dtype=np.int64)
                types = np.zeros((len(rows), width), dtype=np.int64)
                for j, r in enumerate(rows):
                    e = encs[r]
                    n = len(e.ids)
                    ids[j, :n] = e.ids
                    mask[j, :n] = 1
                    types[j, :n] = e.type_ids
                feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
                result = session.run(outputs, {k: feed[k] for k in self.inputs})
                out[rows] = result[0]
                if spans is not None:
                    for j, r in enumerate(rows):
                        pooled[r] = pool_spans(result[1][j], encs[r].offsets, spans[r])

        bulk = self.n_sessions > 1 and len(batches) >= 2 * self.n_sessions
        workers = self._bulk_sessions() if bulk else [self.session]
        if len(workers) == 1:
            work(workers[0], batches)
        else:
            from concurrent.futures import ThreadPoolExecutor

            # round robin over length-sorted batches: every session gets the same mix of lengths
            with ThreadPoolExecutor(len(workers)) as pool:
                for f in [pool.submit(work, w, batches[k :: len(workers)]) for k, w in enumerate(workers)]:
                    f.result()
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12), pooled

    def _bulk_sessions(self) -> list:
        if not self._workers:
            self._workers = [self._session(self.session_threads) for _ in range(self.n_sessions)]
        return self._workers

    def release_bulk(self) -> None:
        """Drop the bulk sessions (about 65 MB each for the int8 MiniLM); the next bulk call makes them again."""
        self._workers = []
