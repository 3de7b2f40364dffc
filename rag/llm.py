"""Chat-completion clients for the optional generative engine.

Two ways to reach a model, both streaming text pieces:

* :class:`OpenAICompatible` - any server speaking the OpenAI chat API: llama.cpp's
  ``llama_cpp.server`` or ``llama-server``, Ollama (``http://127.0.0.1:11434/v1``),
  vLLM, LM Studio, OpenAI itself.
* :class:`LlamaCpp` - a local GGUF file run in-process by llama-cpp-python
  (the optional ``llama`` extra).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Protocol

from .settings import Settings


class LLMError(Exception):
    """The model could not be reached or failed; the message says why."""


class ChatClient(Protocol):
    name: str

    def stream_chat(self, messages: list[dict], max_tokens: int, temperature: float) -> Iterator[str]:
        """Yield the reply's text in pieces as the model produces them."""
        ...


class OpenAICompatible:
    """Streams ``/chat/completions`` from an OpenAI-compatible server."""

    def __init__(self, base_url: str, model: str, api_key: str | None = None, timeout: float = 300.0):
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.api_key = api_key
        self.timeout = timeout
        self.name = f"{model} at {self.base_url}"

    def stream_chat(self, messages: list[dict], max_tokens: int, temperature: float) -> Iterator[str]:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {"model": self.model, "messages": messages, "stream": True, "max_tokens": max_tokens, "temperature": temperature}
        try:
            with httpx.stream("POST", f"{self.base_url}/chat/completions", json=body, headers=headers, timeout=self.timeout) as resp:
                if resp.status_code != 200:
                    resp.read()
                    raise LLMError(f"{self.base_url} answered HTTP {resp.status_code}: {resp.text[:200]}")
                for line in resp.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line[5:].strip()
                    if data == "[DONE]":
                        break
                    try:
                        delta = json.loads(data)["choices"][0].get("delta", {}).get("content")
                    except (ValueError, KeyError, IndexError) as exc:
                        raise LLMError(f"unexpected reply from {self.base_url}: {data[:200]}") from exc
                    if delta:
                        yield delta
        except httpx.HTTPError as exc:
            raise LLMError(f"cannot reach the model server at {self.base_url} ({type(exc).__name__}: {exc})") from exc


class LlamaCpp:
    """Runs a GGUF chat model in-process with llama-cpp-python."""

    def __init__(self, model_path: str, n_ctx: int = 4096):
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMError("a local GGUF model needs llama-cpp-python: pip install 'rag-cited[llama]'") from exc
        try:
            self.llm = Llama(model_path=model_path, n_ctx=n_ctx, verbose=False)
        except (ValueError, OSError) as exc:
            raise LLMError(f"cannot load GGUF model '{model_path}': {exc}") from exc
        self.name = f"llama.cpp {model_path}"
        self._lock = threading.Lock()  # one llama.cpp context: the web chat's concurrent answers take turns

    def stream_chat(self, messages: list[dict], max_tokens: int, temperature: float) -> Iterator[str]:
        with self._lock:
            for chunk in self.llm.create_chat_completion(messages=messages, max_tokens=max_tokens, temperature=temperature, stream=True):
                delta = chunk["choices"][0].get("delta", {}).get("content")
                if delta:
                    yield delta


def make_client(settings: Settings) -> ChatClient:
    """The client the settings ask for: a GGUF path wins over a server URL."""
    if settings.llm_gguf:
        return LlamaCpp(settings.llm_gguf, n_ctx=settings.llm_context)
    if settings.llm_url:
        return OpenAICompatible(settings.llm_url, settings.llm_model, settings.llm_api_key)
    raise LLMError("the llm engine needs --llm-url (an OpenAI-compatible server, e.g. Ollama's http://127.0.0.1:11434/v1) or --llm-gguf PATH")
