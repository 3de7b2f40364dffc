"""Adapters that let other stacks use this project: llama-index (``rag.integrations.llama_index``).

The web server's OpenAI-compatible API and MCP tools live with the server, in ``ui/``.
Each adapter imports its stack only when it is imported itself.
"""
