"""The index on disk: its manifest and build directories, documents, passages, notes, vectors; loading it."""
