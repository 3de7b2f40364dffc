"""Embedding and hybrid retrieval over a loaded index."""
