"""`rag eval`: the question sets and how answers are judged."""
