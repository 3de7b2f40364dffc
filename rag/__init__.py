"""Cited question answering over a set of documents.

Data path: sources -> passages -> index -> retrieve -> answer -> chat/CLI/UI.
"""

__version__ = "0.1.0"
