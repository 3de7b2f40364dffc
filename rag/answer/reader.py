"""The reader: a small model that reads a question with each passage and says where the
answer is, or that there is none. It runs with onnxruntime and tokenizers only.

For every passage it gives a "no answer" score, a relevance score, the best answer
span, for each sentence the best span inside that sentence, and the answerable head's
logit. Scores are logits of the model trained by rag/train/reader_train.py (start + end;
the [CLS] pair for "no answer"); the answerable head (rag/answer/answerable_head.py,
trained by rag/train/reader_head.py) reads the graph's final [CLS] vector. The trained
model ships in ``rag/reader_model/`` (see its MODEL_CARD.md).
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..search.exact_int8 import exact_int8, exact_int8_file
from ..search.onnx_embedding import default_cache_dir
from .answerable_head import AnswerableHead, HeadError, load_head
from .reader_features import Window, make_tokenizer, pad, windows

BUNDLED = Path(__file__).parents[1] / "reader_model"
CLS_OUTPUT = "cls"  # the graph's output of the encoder's final [CLS] vector, which the answerable head reads
NO_SPAN = -1e4  # the best-span score of a passage without a single passage token


class ReaderError(Exception):
    """A reader model that cannot be loaded; the message names the folder and what is wrong."""


@dataclass(frozen=True)
class SpanScore:
    """The best answer inside some text: its characters in the passage, and its start + end score."""

    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Reading:
    """What the reader found in one passage. ``sentences`` follow the sentence spans asked about.

    ``answerable_logit`` is the answerable head's logit (rag/answer/answerable_head.py), the highest of the
    passage's windows: above 0 the head takes the passage to answer the question. Trained with near-misses
    (a name, number or noun swapped for one the sources never mention) as well as SQuAD 2.0's unanswerable
    questions; NaN when the reader was loaded without its head.
    """

    null: float
    relevance: float
    best: SpanScore | None
    sentences: tuple[SpanScore | None, ...]
    answerable_logit: float = float("nan")
    # per sentence, its best spans best first (at most the ``phrases`` asked of ``read``; the first is ``sentences``')
    phrases: tuple[tuple[SpanScore, ...], ...] = ()

    @property
    def answerable(self) -> float:
        """Best span minus "no answer": above 0 the model would rather answer from this passage."""
        return (self.best.score if self.best else NO_SPAN) - self.null


def _span_scores(start: np.ndarray, end: np.ndarray, lo: int, hi: int, longest: int) -> np.ndarray:
    """start[i] + end[j] of every span with lo <= i <= j < hi and j - i < longest (hi > lo): rows the start token
    from ``lo``, columns the span's length - 1, -inf where a span would run past ``hi``."""
    s, e = start[lo:hi], end[lo:hi]
    n = hi - lo
    scores = np.full((n, min(longest, n)), -np.inf, dtype=np.float32)
    for d in range(scores.shape[1]):
        scores[: n - d, d] = s[: n - d] + e[d:]
    return scores


def _best_of(scores: np.ndarray, lo: int) -> tuple[int, int, float]:
    """The best (i, j, score) of :func:`_span_scores`' ``scores``."""
    row, length = np.unravel_index(int(np.argmax(scores)), scores.shape)
    return lo + int(row), lo + int(row) + int(length), float(scores[row, length])


def _best_span(start: np.ndarray, end: np.ndarray, lo: int, hi: int, longest: int) -> tuple[int, int, float] | None:
    """Best (i, j, start[i] + end[j]) with lo <= i <= j < hi and j - i < longest."""
    return _best_of(_span_scores(start, end, lo, hi, longest), lo) if hi > lo else None


def _top_of(scores: np.ndarray, lo: int, k: int) -> list[tuple[int, int, float]]:
    """The ``k`` best (i, j, score) of :func:`_span_scores`' ``scores``, best first."""
    flat = scores.ravel()
    k = min(k, int(np.isfinite(flat).sum()))
    top = np.argpartition(-flat, k - 1)[:k] if k < len(flat) else np.arange(len(flat))
    top = top[np.argsort(-flat[top], kind="stable")][:k]
    rows, lengths = np.unravel_index(top, scores.shape)
    return [(lo + int(r), lo + int(r) + int(d), float(flat[t])) for r, d, t in zip(rows, lengths, top)]


def _token_range(w: Window, start: int, end: int) -> tuple[int, int]:
    """The window's passage tokens that lie inside characters [start, end): (first, last + 1)."""
    inside = np.flatnonzero(w.context & (w.starts >= start) & (w.ends <= end))
    return (int(inside[0]), int(inside[-1]) + 1) if len(inside) else (0, 0)


def graph_fingerprint(path: Path) -> str:
    """sha256 of a graph file: the answerable head records the graph whose [CLS] vectors it was trained on."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def exact_graph(graph: Path, fingerprint: str, cache_dir: Path | None = None) -> str | bytes:
    """The graph as onnxruntime should load it, its int8 products exact on this CPU (rag/search/exact_int8.py).
    Where it must be rewritten, with a ``cache_dir`` the rewrite is kept there as ``reader/<sha256 of the
    graph>.exact.onnx``, so later starts load that file without importing onnx (about a second of `rag serve`'s
    cold start, docs/TUNING.md "Cold start"); without one, or when it cannot be written, the rewrite is made in
    memory each time."""
    if cache_dir is None:
        return exact_int8(graph)
    out = Path(cache_dir) / "reader" / f"{fingerprint}.exact.onnx"
    try:
        return str(exact_int8_file(graph, out=out))
    except OSError:
        return exact_int8(graph)


class Reader:
    """Loads a reader folder (model.onnx, tokenizer.json, reader.json, answerable_head.json) once; ``read`` is
    thread-safe. ``head=False`` loads it without the answerable head (a freshly exported graph has none yet).
    ``cache_dir`` keeps the graph rewritten for this CPU, if it needs that (:func:`exact_graph`); None (graphs
    being trained, tests) rewrites it in memory."""

    def __init__(
        self,
        folder: Path,
        threads: int = 0,
        graph: Path | None = None,
        head: bool = True,
        cache_dir: Path | None = None,
    ):
        import onnxruntime as ort

        folder = Path(folder)
        graph = graph or folder / "model.onnx"
        try:
            self.config = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
            self.fingerprint = graph_fingerprint(graph)
            opts = ort.SessionOptions()
            opts.intra_op_num_threads = threads
            opts.log_severity_level = 3
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self.session = ort.InferenceSession(
                exact_graph(graph, self.fingerprint, cache_dir),
                opts,
                providers=["CPUExecutionProvider"],
            )
            self.tokenizer = make_tokenizer(
                str(folder / "tokenizer.json"), int(self.config["max_length"]), int(self.config["stride"])
            )
        except Exception as exc:  # a missing or damaged file makes json, onnxruntime and tokenizers raise anything
            raise ReaderError(f"cannot load the reader in {folder}: {type(exc).__name__}: {exc}") from exc
        self.folder = folder
        self.longest = int(self.config.get("max_answer_tokens", 30))
        self.head = self._load_head() if head else None

    def _load_head(self) -> AnswerableHead:
        outputs = {o.name: o.shape for o in self.session.get_outputs()}
        if CLS_OUTPUT not in outputs:
            raise ReaderError(
                f"cannot load the reader in {self.folder}: its model.onnx has no {CLS_OUTPUT!r} output "
                "for the answerable head (add it with `python -m rag.train.reader_head`, docs/READER.md)"
            )
        try:
            return load_head(self.folder, self.fingerprint, int(outputs[CLS_OUTPUT][-1]))
        except HeadError as exc:
            raise ReaderError(f"cannot load the reader in {self.folder}: {exc}") from exc

    def run(self, window: Window) -> tuple[np.ndarray, np.ndarray, float]:
        """Start and end logits of a window's tokens, and its relevance logit.

        One window per run: the int8 graph scales activations per run, so in a batch a window's
        scores would depend on its batch-mates; alone, a passage reads the same whatever else is read.
        """
        start, end, rel, _ = self._run(window)
        return start, end, rel

    def _run(self, window: Window) -> tuple[np.ndarray, np.ndarray, float, np.ndarray | None]:
        """:meth:`run` and, when the head is loaded, the window's [CLS] vector."""
        ids, mask, types = pad([window])
        names = ["start_logits", "end_logits", "relevance"] + ([CLS_OUTPUT] if self.head is not None else [])
        got = self.session.run(names, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})
        return got[0][0], got[1][0], float(got[2][0]), got[3][0] if self.head is not None else None

    def best_span(self, window: Window, start: np.ndarray, end: np.ndarray) -> tuple[int, int, float] | None:
        """The window's best answer among its passage tokens: (first token, last token, start + end score)."""
        ctx = np.flatnonzero(window.context)
        if not len(ctx):
            return None
        return _best_span(
            np.where(window.context, start, -np.inf),
            np.where(window.context, end, -np.inf),
            int(ctx[0]),
            int(ctx[-1]) + 1,
            self.longest,
        )

    def read(
        self,
        question: str,
        passages: list[str],
        sentences: list[list[tuple[int, int]]] | None = None,
        phrases: int = 1,
    ) -> list[Reading]:
        """Read ``question`` with each passage; ``sentences`` are each passage's sentence spans (characters in it),
        and each gets its ``phrases`` best spans besides its best."""
        if not passages:
            return []
        sentences = sentences or [[] for _ in passages]
        out: list[dict] = [
            {
                "null": np.inf,
                "rel": -np.inf,
                "best": None,
                "sents": [None] * len(s),
                "head": -np.inf,
                "phrases": [{} for _ in s],
            }
            for s in sentences
        ]
        for w in windows(self.tokenizer, question, passages):
            acc = out[w.passage]
            s, e, rel, cls = self._run(w)
            acc["null"] = min(acc["null"], float(s[0] + e[0]))
            acc["rel"] = max(acc["rel"], rel)
            found = self.best_span(w, s, e)
            if self.head is not None and cls is not None:  # _run gives the [CLS] vector whenever the head is loaded
                margin = (found[2] if found else NO_SPAN) - float(s[0] + e[0])
                acc["head"] = max(acc["head"], self.head.logit(cls, margin, rel))
            if found and (acc["best"] is None or found[2] > acc["best"].score):
                acc["best"] = SpanScore(int(w.starts[found[0]]), int(w.ends[found[1]]), found[2])
            for i, (a, b) in enumerate(sentences[w.passage]):
                lo, hi = _token_range(w, a, b)
                if hi <= lo:
                    continue
                scores = _span_scores(s, e, lo, hi, self.longest)  # once, for the best span and the next best
                got = _best_of(scores, lo)
                if acc["sents"][i] is None or got[2] > acc["sents"][i].score:
                    acc["sents"][i] = SpanScore(int(w.starts[got[0]]), int(w.ends[got[1]]), got[2])
                for first, last, score in _top_of(scores, lo, phrases) if phrases > 1 else []:
                    at = (int(w.starts[first]), int(w.ends[last]))  # a span two windows share: its better score
                    acc["phrases"][i][at] = max(score, acc["phrases"][i].get(at, -np.inf))
        return [self._reading(a, phrases) for a in out]

    def _reading(self, acc: dict, phrases: int) -> Reading:
        """The Reading of one passage's accumulated windows."""
        ranked = tuple(
            tuple(SpanScore(a, b, sc) for (a, b), sc in sorted(found.items(), key=lambda kv: -kv[1])[:phrases])
            for found in acc["phrases"]
        )
        head = acc["head"] if self.head is not None else float("nan")
        return Reading(acc["null"], acc["rel"], acc["best"], tuple(acc["sents"]), head, ranked if phrases > 1 else ())


_LOADED: dict[str, Reader] = {}
_LOADED_LOCK = threading.Lock()


def reader_folder(setting: str) -> Path | None:
    """The folder the ``reader`` setting names: "bundled" -> the shipped model, "off" -> None, else a path."""
    if setting == "off":
        return None
    folder = BUNDLED if setting == "bundled" else Path(setting).expanduser()
    if not (folder / "model.onnx").is_file():
        where = "the bundled reader" if setting == "bundled" else f"reader folder {folder}"
        raise ReaderError(f'{where} has no model.onnx (train one with `rag train-reader`, or set reader = "off")')
    return folder


def load_reader(setting: str, cache_dir: Path | None = None) -> Reader | None:
    """The reader the setting names, loaded once per process (several indexes share it); its graph rewritten for
    this CPU, if it needs that, is kept in ``cache_dir`` (None: ~/.cache/rag-cited, as the embedding's)."""
    folder = reader_folder(setting)
    if folder is None:
        return None
    key = str(folder.resolve())
    with _LOADED_LOCK:
        if key not in _LOADED:
            _LOADED[key] = Reader(folder, cache_dir=cache_dir or default_cache_dir())
        return _LOADED[key]
