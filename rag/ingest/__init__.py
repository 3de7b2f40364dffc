"""From source files to an index: read, split, note, embed and write."""
