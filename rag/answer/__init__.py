"""From a question to a cited answer: analyse, retrieve, read, decide, compose, cite."""
