"""The LLM answer engines' models, through llama-index's LLM integrations.

* ``openai`` - any server speaking the OpenAI chat API (llama.cpp's server, vLLM,
  LM Studio, OpenAI itself): ``llama_index.llms.openai_like.OpenAILike``.
* ``ollama`` - an Ollama server: ``llama_index.llms.ollama.Ollama``.
* ``llamacpp`` - a local GGUF file run in-process by llama-cpp-python (the optional
  ``llama`` extra): ``llama_index.llms.llama_cpp.LlamaCPP``, prompted with the GGUF's
  own chat template (llama-index's default template is a generic one that small
  instruction models do not follow).

:class:`ChatModel` wraps any of them with one streaming call whose failures all
become :class:`LLMError`, so the answer engine can fall back instead of crashing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from ..settings import Settings
from .types import Usage, word_count

LLM_ENGINES = ("openai", "ollama", "llamacpp", "llama-index")


class LLMError(Exception):
    """The model could not be reached, timed out or failed; the message says why."""


class ChatModel:
    """A llama-index LLM with a name, a lock where the model is in-process, and errors as LLMError."""

    def __init__(
        self,
        engine: str,
        llm,
        name: str,
        serialise: bool = False,
        tokenize: Callable[[list[dict], str], tuple[int, int]] | None = None,
    ):
        self.engine = engine
        self.llm = llm
        self.name = name
        # one llama.cpp context: the web chat's concurrent answers take turns
        self._lock = threading.Lock() if serialise else None
        # tokenize(messages, reply) -> (prompt tokens, reply tokens), for a model whose tokenizer is at hand
        self._tokenize = tokenize

    def stream_chat(self, messages: list[dict], usage: Usage | None = None) -> Iterator[str]:
        """Yield the reply's text in pieces as the model produces them (length and temperature are set on the model).

        ``usage``, when given, gets this call's prompt and reply counted in (rag.answer.types.Usage): by the
        model's tokenizer, or as the server reported them, or else in words. A reply cut short (the caller
        stopped reading, or the model failed) is counted as far as it came.
        """
        from llama_index.core.llms import ChatMessage

        chat = [ChatMessage(role=m["role"], content=m["content"]) for m in messages]
        reply, reported = [], None
        if self._lock is not None:
            self._lock.acquire()
        try:
            for response in self.llm.stream_chat(chat):
                reported = reported_usage(response) or reported
                if response.delta:
                    reply.append(response.delta)
                    yield response.delta
        except LLMError:
            raise
        except Exception as exc:  # noqa: BLE001 - the client libraries raise many types; all mean "no answer"
            raise LLMError(f"{self.name}: {type(exc).__name__}: {str(exc)[:300]}") from exc
        finally:
            if self._lock is not None:
                self._lock.release()
            if usage is not None:
                self._count(usage, messages, "".join(reply), reported)

    def _count(self, usage: Usage, messages: list[dict], reply: str, reported: tuple[int, int] | None) -> None:
        if reported is not None:
            usage.add(*reported, "tokens")
            return
        if self._tokenize is not None:
            try:
                usage.add(*self._tokenize(messages, reply), "tokens")
                return
            except Exception:  # noqa: BLE001 - counting must never cost the answer; words instead
                pass
        usage.add(sum(word_count(m["content"]) for m in messages), word_count(reply), "words")


def reported_usage(response) -> tuple[int, int] | None:
    """(prompt, completion) tokens a streamed llama-index ChatResponse reports, if any: an OpenAI-compatible
    server's usage chunk (asked for with stream_options), or Ollama's final prompt_eval_count / eval_count."""
    counts = response.additional_kwargs or {}
    if counts.get("prompt_tokens") or counts.get("completion_tokens"):
        return int(counts.get("prompt_tokens") or 0), int(counts.get("completion_tokens") or 0)
    raw = response.raw
    if isinstance(raw, dict) and "eval_count" in raw:
        return int(raw.get("prompt_eval_count") or 0), int(raw["eval_count"] or 0)
    found = getattr(raw, "usage", None)
    if found is not None and getattr(found, "completion_tokens", None) is not None:
        return int(found.prompt_tokens or 0), int(found.completion_tokens or 0)
    return None


def _openai(settings: Settings) -> ChatModel:
    from llama_index.llms.openai_like import OpenAILike

    if not settings.openai_base_url:
        raise LLMError("the openai engine needs a base URL: --base-url http://HOST:PORT/v1 (or $RAG_OPENAI_BASE_URL)")
    llm = OpenAILike(
        model=settings.openai_model,
        api_base=settings.openai_base_url.rstrip("/"),
        api_key=settings.openai_api_key or "not-needed",
        is_chat_model=True,
        context_window=settings.llm_context,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
        timeout=settings.llm_timeout,
        max_retries=0,
        # servers that support it (llama.cpp's llama-server, vLLM, OpenAI) then report the tokens used
        additional_kwargs={"stream_options": {"include_usage": True}},
    )
    return ChatModel("openai", llm, label("openai", settings))


def _ollama(settings: Settings) -> ChatModel:
    try:
        from llama_index.llms.ollama import Ollama
    except ImportError as exc:
        raise LLMError(
            "the ollama engine needs llama-index-llms-ollama (a dependency of rag-cited): pip install llama-index-llms-ollama"
        ) from exc
    if not settings.ollama_model:
        raise LLMError("the ollama engine needs a model: --model NAME (or $RAG_OLLAMA_MODEL)")
    llm = Ollama(
        model=settings.ollama_model,
        base_url=settings.ollama_base_url,
        request_timeout=settings.llm_timeout,
        context_window=settings.llm_context,
        temperature=settings.llm_temperature,
        additional_kwargs={"num_predict": settings.llm_max_tokens},
    )
    return ChatModel("ollama", llm, label("ollama", settings))


def _llamacpp(settings: Settings) -> ChatModel:
    path = settings.llamacpp_model_path
    if not path:
        raise LLMError("the llamacpp engine needs a GGUF file: --model-path FILE (or $RAG_LLAMACPP_MODEL_PATH)")
    try:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        from llama_index.llms.llama_cpp import LlamaCPP
    except ImportError as exc:
        raise LLMError("the llamacpp engine needs llama-cpp-python: pip install 'rag-cited[llama]'") from exc
    model: dict = {}

    def messages_to_prompt(messages) -> str:
        # the GGUF's own chat template, read once the model is loaded
        formatter = model.get("formatter")
        if formatter is None:
            return "\n".join(f"{m.role.value}: {m.content}" for m in messages) + "\nassistant:"
        return formatter(messages=[{"role": m.role.value, "content": m.content or ""} for m in messages]).prompt

    try:
        llm = LlamaCPP(
            model_path=path,
            temperature=settings.llm_temperature,
            max_new_tokens=settings.llm_max_tokens,
            context_window=settings.llm_context,
            messages_to_prompt=messages_to_prompt,
            verbose=False,
        )
    except (ValueError, OSError) as exc:
        raise LLMError(f"cannot load GGUF model '{path}': {exc}") from exc
    raw = llm._model  # the llama_cpp.Llama instance
    template = raw.metadata.get("tokenizer.chat_template")
    if template:
        eos = raw.detokenize([raw.token_eos()], special=True).decode("utf-8", "ignore")
        bos = raw.detokenize([raw.token_bos()], special=True).decode("utf-8", "ignore")
        model["formatter"] = Jinja2ChatFormatter(template=template, eos_token=eos, bos_token=bos)
        # stop at the end-of-turn marker too, not only at EOS
        llm.generate_kwargs["stop"] = [eos] if eos else []

    def tokenize(messages: list[dict], reply: str) -> tuple[int, int]:
        from llama_index.core.llms import ChatMessage

        prompt = messages_to_prompt([ChatMessage(role=m["role"], content=m["content"]) for m in messages])
        return (
            len(raw.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)),
            len(raw.tokenize(reply.encode("utf-8"), add_bos=False)),
        )

    return ChatModel("llamacpp", llm, label("llamacpp", settings), serialise=True, tokenize=tokenize)


def wrap_llm(llm, name: str | None = None, serialise: bool = False) -> ChatModel:
    """Any llama-index ``LLM`` object (``llama_index.core.llms.LLM``) as an answer engine's model.

    This is how the Python API takes the caller's own model (``Assistant(settings, llm=...)``):
    it gets the same prompts, the same citation check and the same fallback as the built-in
    engines. ``name`` labels its answers (default: "llama-index: <class> <model name>");
    ``serialise`` makes concurrent answers take turns, for a model that is not thread-safe.
    """
    from llama_index.core.llms import LLM

    if isinstance(llm, ChatModel):
        return llm
    if not isinstance(llm, LLM):
        raise TypeError(f"llm must be a llama-index LLM (llama_index.core.llms.LLM), not {type(llm).__name__}")
    if name is None:
        model_name = getattr(getattr(llm, "metadata", None), "model_name", "") or ""
        name = f"llama-index: {type(llm).__name__}" + (
            f" {model_name}" if model_name and model_name != "unknown" else ""
        )
    return ChatModel("llama-index", llm, name, serialise=serialise)


def label(engine: str, settings: Settings) -> str:
    """A readable name for LLM engine ``engine``: the model and where it runs."""
    if engine == "openai":
        return f"openai: {settings.openai_model} at {settings.openai_base_url}"
    if engine == "ollama":
        return f"ollama: {settings.ollama_model} at {settings.ollama_base_url}"
    if engine == "llamacpp":
        return f"llamacpp: {str(settings.llamacpp_model_path).rsplit('/', 1)[-1]}"
    if engine == "llama-index":
        return "llama-index: the LLM object given to Assistant(settings, llm=...)"
    return engine


def make_model(engine: str, settings: Settings) -> ChatModel:
    """The model behind LLM engine ``engine`` ("openai", "ollama" or "llamacpp"), built from ``settings``."""
    makers = {"openai": _openai, "ollama": _ollama, "llamacpp": _llamacpp}
    if engine == "llama-index":
        raise LLMError("the llama-index engine answers with an LLM object: Assistant(settings, llm=...)")
    if engine not in makers:
        raise LLMError(f"unknown LLM engine '{engine}' (choose from: {', '.join(LLM_ENGINES)})")
    return makers[engine](settings)
