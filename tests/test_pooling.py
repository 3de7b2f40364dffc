"""Sentence vectors pooled from their passage's token embeddings (rag/search/pooling.py)."""

from __future__ import annotations

import numpy as np

from rag.search.pooling import pool_spans


def test_a_span_is_the_normalised_mean_of_its_own_tokens():
    tokens = np.array([[9, 9], [1, 0], [3, 0], [0, 2], [9, 9]], dtype=np.float32)  # [CLS] a b c [SEP]
    offsets = [(0, 0), (0, 3), (4, 7), (8, 12), (0, 0)]
    first, second, whole = pool_spans(tokens, offsets, [(0, 7), (8, 12), (0, 12)])
    np.testing.assert_allclose(first, [1, 0])  # (1+3)/2, 0, normalised: the specials take no part
    np.testing.assert_allclose(second, [0, 1])
    np.testing.assert_allclose(whole, np.array([4, 2]) / np.linalg.norm([4, 2]), rtol=1e-6)


def test_a_span_cut_off_by_truncation_gets_none():
    tokens = np.ones((3, 2), dtype=np.float32)
    pooled = pool_spans(tokens, [(0, 0), (0, 5), (0, 0)], [(0, 5), (6, 20)])
    assert pooled[1] is None and pooled[0] is not None


def test_padding_rows_beyond_the_offsets_are_ignored():
    tokens = np.array([[0, 0], [1, 0], [100, 100]], dtype=np.float32)  # the last row is padding
    [v] = pool_spans(tokens, [(0, 0), (0, 4)], [(0, 4)])
    np.testing.assert_allclose(v, [1, 0])
