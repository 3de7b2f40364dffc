"""Sentence vectors pooled from the token embeddings of their passage ("late chunking").

Embedding a passage once and mean-pooling each sentence's tokens gives every sentence a
vector that has read its context (who "he" is, what "the report" is) at no extra model
cost: the model does not run a second time over every sentence. How that compares with
sentences embedded alone: docs/TUNING.md, "Sentence vectors".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Span = tuple[int, int]


def pool_spans(
    tokens: np.ndarray, offsets: Sequence[tuple[int, int]], spans: Sequence[Span]
) -> list[np.ndarray | None]:
    """Unit vectors of ``spans`` (character ranges of the embedded text), each the mean of its tokens.

    ``tokens`` holds one row per token and ``offsets`` each token's character range
    (special tokens have an empty range and belong to no span). A span with no token,
    because truncation cut it off, gets None: the caller embeds that sentence alone.
    """
    starts = np.fromiter((a for a, _ in offsets), dtype=np.int64, count=len(offsets))
    ends = np.fromiter((b for _, b in offsets), dtype=np.int64, count=len(offsets))
    real = ends > starts
    tokens = tokens[: len(offsets)]  # padding rows past the text have no offsets
    out: list[np.ndarray | None] = []
    for a, b in spans:
        rows = real & (starts >= a) & (ends <= b)
        if not rows.any():
            out.append(None)
            continue
        v = tokens[rows].mean(axis=0)
        n = float(np.linalg.norm(v))
        out.append((v / n).astype(np.float32) if n > 0 else None)
    return out


def fill_alone(
    encode: Callable[[list[str]], np.ndarray],
    texts: Sequence[str],
    spans: Sequence[Sequence[Span]],
    pooled: list[list[np.ndarray | None]],
) -> list[list[np.ndarray]]:
    """``pooled`` with every None replaced by its span of ``texts`` embedded on its own, in one ``encode`` call.

    All None (nothing pooled) gives sentences embedded alone: the "standalone" setting.
    """
    todo = [(i, j) for i, row in enumerate(pooled) for j, v in enumerate(row) if v is None]
    alone: dict[tuple[int, int], np.ndarray] = {}
    if todo:
        alone = dict(zip(todo, encode([texts[i][spans[i][j][0] : spans[i][j][1]] for i, j in todo])))
    return [[alone[i, j] if v is None else v for j, v in enumerate(row)] for i, row in enumerate(pooled)]
