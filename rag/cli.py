"""The `rag` command: ingest, ask, info, config, eval, train-reader, train-decision, serve, mcp. A thin layer over the library.

The CLI sets up its own process: logging (-v/-q) and offline model loading. The library only logs.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from .settings import SECRETS, Settings, load

_LLM_FIELDS = {  # where --base-url and --model go, per engine
    "openai": ("openai_base_url", "openai_model"),
    "ollama": ("ollama_base_url", "ollama_model"),
}


def _overrides(args: argparse.Namespace) -> dict:
    engine = getattr(args, "engine", None)
    overrides = dict(
        index_dir=getattr(args, "index_dir", None),
        embed_model=getattr(args, "embed_model", None),
        embed_backend=getattr(args, "embed_backend", None),
        vector_store=getattr(args, "store", None),
        sentence_vectors=getattr(args, "sentence_vectors", None),
        data_dir=getattr(args, "data_dir", None),
        engine=engine,
        llamacpp_model_path=getattr(args, "model_path", None),
        strict=True if getattr(args, "strict", False) else None,
    )
    base_url, model = getattr(args, "base_url", None), getattr(args, "model", None)
    if (base_url or model) and engine not in _LLM_FIELDS:
        raise ValueError(
            "--base-url and --model go with --engine openai or --engine ollama "
            "(a GGUF file: --engine llamacpp --model-path FILE)"
        )
    if engine in _LLM_FIELDS:
        url_field, model_field = _LLM_FIELDS[engine]
        overrides[url_field], overrides[model_field] = base_url, model
    return overrides


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(config=getattr(args, "config", None), **_overrides(args))


def _print_answer(answer, out=sys.stdout) -> None:
    """An answer as plain text: its sentences (a generated answer's marked ok or UNSUPPORTED), any note, then
    its sources, each with its file, page(s) and section, so a reader can find the sentence in the original."""
    if answer.engine != "extractive" and answer.sentences:
        supported = sum(s.supported for s in answer.sentences)
        print(
            f"Checked answer ({supported} of {len(answer.sentences)} sentences supported by their sources):", file=out
        )
        for s in answer.sentences:
            cites = "".join(f"[{n}]" for n in s.citations)
            mark = "  ok           " if s.supported else "  UNSUPPORTED  "
            print(f"{mark}{s.text} {cites}".rstrip(), file=out)
    elif answer.short_answer and answer.answer.startswith(answer.short_answer):
        print(f"Answer: {answer.answer}", file=out)
    else:
        print(answer.answer, file=out)
    if answer.note:
        print(f"\nNote: {answer.note}", file=out)
    if answer.citations:
        print("\nSources:", file=out)
        for c in answer.citations:
            where = ", ".join(filter(None, [c.source, c.place_label(), f"chars {c.sentence_start}-{c.sentence_end}"]))
            print(f"[{c.n}] {c.title} ({where}, score {c.score:.2f})", file=out)
    elif answer.nearest:
        print("\nNearest passages (not an answer):", file=out)
        for c in answer.nearest:
            snippet = c.text if len(c.text) <= 160 else c.text[:157] + "..."
            label = c.place_label()
            print(f"  - {c.title}{f' ({label})' if label else ''}: {snippet}", file=out)


def cmd_ingest(args: argparse.Namespace) -> int:
    from .ingest.build import build_index

    settings = _settings(args)
    report = build_index([Path(p) for p in args.paths], settings, add=args.add, show_progress=not args.quiet)
    for path, reason in report.skipped:
        print(f"skipped {path}: {reason}", file=sys.stderr)
    print(
        f"indexed {report.documents} document(s), {report.passages} passage(s) into {settings.index_dir} "
        f"({report.embedded} embedded, {report.reused} reused from cache) in {report.seconds:.1f}s"
    )
    return 0


def _read_jsonl(path: str):
    fh = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc


def cmd_ask(args: argparse.Namespace) -> int:
    from .assistant import Assistant, QuestionError, ScopeError, check_question

    settings = _settings(args)
    if args.jsonl:
        assistant = Assistant(settings)
        for item in _read_jsonl(args.jsonl):
            history = [tuple(turn) for turn in item.get("history") or []]
            try:
                out = assistant.ask(
                    item.get("question", ""), history, documents=item.get("documents") or args.doc
                ).to_json()
            except (QuestionError, ScopeError) as exc:
                out = {"answer": "", "refused": True, "citations": [], "error": str(exc)}
            out = {"id": item.get("id"), **out}
            print(json.dumps(out, ensure_ascii=False), flush=True)
        return 0
    question = " ".join(args.question)
    check_question(question, settings)  # fail fast, before loading models
    assistant = Assistant(settings)
    assistant.scope(args.doc)  # a --doc that names no document fails here, before any answering
    # a generated answer streams as the model writes it: to stdout, or to stderr when stdout is JSON
    live = sys.stderr if args.json else sys.stdout
    answer, shown = None, 0
    for text, answer in assistant.stream(question, documents=args.doc):
        if answer is None and settings.engine != "extractive":  # the model's reply only grows
            live.write(text[shown:])
            live.flush()
            shown = len(text)
    if shown:
        live.write("\n\n")
    if answer is None:  # the stream ends with the answer
        raise RuntimeError("the answer stream ended without an answer")
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False, indent=None))
    else:
        _print_answer(answer)
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from .store.manifest import check_compatible, read_manifest

    settings = _settings(args)
    m = read_manifest(settings.index_dir)
    if args.json:
        print(json.dumps(m, ensure_ascii=False, indent=1))
        return 0
    print(f"index:     {Path(settings.index_dir).resolve()}")
    print(f"built at:  {m['built_at']}")
    print(
        f"model:     {m['model']} (dimension {m['dim']}, backend {m.get('embed_backend', 'torch')}, "
        f"vectors {m.get('dense_index', {}).get('type', 'flat')})"
    )
    print(f"chunking:  {m['chunking']}")
    pooling = f" ({m['sentence_pooling']} vectors)" if m.get("sentence_pooling") else ""
    print(f"documents: {len(m['documents'])}, passages: {m['passages']}, sentences: {m['sentences']}{pooling}")
    for d in m["documents"]:
        files = ", ".join([d["source"], *d.get("aliases", [])])  # same text under several names: one document
        print(f"  {d['doc_id']}  {d['passages']:>4} passages  {d['title'][:60]}  ({files})")
    try:
        check_compatible(m, settings, settings.index_dir)
    except Exception as exc:  # report, don't fail: info is for looking
        print(f"warning: {exc}")
    return 0


def cmd_config(args: argparse.Namespace) -> int:
    """The effective settings and where each value came from (default, file, environment, command line)."""
    import dataclasses

    settings, origin = load(getattr(args, "config", None), **_overrides(args))
    rows = [
        (f.name, getattr(settings, f.name), origin.get(f.name, "default"))
        for f in dataclasses.fields(settings)
        if f.name != "scoring"
    ]
    rows += [
        (f"scoring.{f.name}", getattr(settings.scoring, f.name), origin.get(f"scoring.{f.name}", "default"))
        for f in dataclasses.fields(settings.scoring)
    ]
    secret = set(SECRETS)
    if args.json:
        print(
            json.dumps(
                {
                    name: {
                        "value": "***"
                        if name in secret and value
                        else str(value)
                        if isinstance(value, Path)
                        else value,
                        "from": where,
                    }
                    for name, value, where in rows
                },
                indent=1,
            )
        )
        return 0
    width = max(len(name) for name, _, _ in rows)
    for name, value, where in rows:
        shown = "***" if name in secret and value else value
        print(f"{name:<{width}}  {shown!s:<40}  {where}")
    return 0


REPORT = "docs/EVALUATION.md"


def cmd_eval(args: argparse.Namespace) -> int:
    if args.feedback:  # the chat's thumbs-down records as a question set; nothing is evaluated
        from .eval import feedback

        return feedback.main(args.feedback, None if args.output == REPORT else args.output)
    from .eval import run as evaluate

    return evaluate.main(args, _settings(args))


def cmd_train_reader(args: argparse.Namespace) -> int:
    from .search.embedding import resolve_model
    from .train.reader_train import TrainConfig, train_reader

    config = TrainConfig(
        base_model=resolve_model(args.base_model),
        out_dir=Path(args.work_dir),
        epochs=args.epochs,
        lr=args.lr,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    model_dir = train_reader(
        config,
        [Path(p) for p in args.squad_train],
        [Path(p) for p in args.squad],
        [Path(p) for p in args.beir],
        Path(args.out),
        progress=not args.quiet,
    )
    print(
        f"reader written to {model_dir} (model card: {Path(model_dir) / 'MODEL_CARD.md'}); "
        f'use it with reader = "{model_dir}" in rag.toml or $RAG_READER'
    )
    return 0


def limit_malloc_arenas(arenas: int = 2) -> bool:
    """Have glibc's malloc keep at most ``arenas`` heaps (as ``MALLOC_ARENA_MAX`` would); False where it cannot.

    A server answers from many threads, and glibc gives threads heaps of their own, up to 8
    per core, each keeping what was freed in it. Under the soak's traffic with rebuilds
    (benchmarks/soak.py, 5 minutes, a rebuild every 7.5 s) the server's memory grew by 32%
    with the default and by 5 to 8% with 2 heaps (docs/RELIABILITY.md). Called before the
    server's threads start; an explicit ``MALLOC_ARENA_MAX`` is left as it is.
    """
    import ctypes
    import ctypes.util
    import os

    if os.environ.get("MALLOC_ARENA_MAX") or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return bool(libc.mallopt(-8, arenas))  # M_ARENA_MAX; mallopt returns 1 on success
    except (OSError, AttributeError):  # not glibc (musl has no mallopt): nothing to limit
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from .assistant import Assistant

    limit_malloc_arenas()

    settings = _settings(args)
    # the index and models load while the web framework imports: each takes a second or more of a cold
    # start, and they overlap where either waits on the disk or runs native code (docs/TUNING.md, "Cold start")
    with ThreadPoolExecutor(1, thread_name_prefix="load") as pool:
        loading = pool.submit(Assistant, settings)
        from rag_ui.app import serve

        serve(settings, host=args.host, port=args.port, auth=args.auth or settings.auth, loading=loading)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from rag_ui.mcp_tools import serve_stdio  # the tools only: no Gradio, so a desktop client starts it quickly

    serve_stdio(_settings(args))
    return 0


def _version() -> str:
    """The version: rag/__init__.py's ``__version__``, the one place it is written (pyproject.toml reads it)."""
    from . import __version__

    return __version__


def _common(p: argparse.ArgumentParser) -> None:
    """Options every command that reads settings takes."""
    p.add_argument("--index-dir", help="index directory (default: index, or $RAG_INDEX_DIR)")
    p.add_argument(
        "--embed-model",
        help="sentence-transformers model name or path (default: all-MiniLM-L6-v2, bundled; $RAG_EMBED_MODEL)",
    )
    p.add_argument("--config", help="settings file (TOML; default: $RAG_CONFIG, else ./rag.toml if present)")
    p.add_argument(
        "--embed-backend",
        choices=["auto", "onnx-int8", "onnx", "torch"],
        help="embedding backend (default: auto = onnx-int8 where the CPU has VNNI or AVX2, else onnx; $RAG_EMBED_BACKEND)",
    )
    p.add_argument(
        "--store",
        help="where new builds keep passage vectors: faiss (default), milvus://HOST:PORT (a Milvus "
        "server) or milvus:///path/file.db (Milvus Lite); $RAG_VECTOR_STORE",
    )
    _logging_options(p)


def _logging_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv: debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="log errors only, no progress bars")


def _engine_options(p: argparse.ArgumentParser) -> None:
    """Options that choose and configure the answer engine."""
    from .settings import ENGINES

    p.add_argument("--engine", choices=ENGINES, help="answer engine (default: extractive, or $RAG_ENGINE)")
    p.add_argument(
        "--base-url",
        help="LLM server: OpenAI-compatible base URL (http://HOST:PORT/v1) for openai, "
        "or the Ollama server (default http://127.0.0.1:11434) for ollama",
    )
    p.add_argument("--model", help="LLM model name to ask the server for (openai, ollama)")
    p.add_argument("--model-path", help="a local GGUF chat model for --engine llamacpp ($RAG_LLAMACPP_MODEL_PATH)")
    p.add_argument(
        "--strict",
        action="store_true",
        help="remove generated sentences the sources don't support (default: mark them)",
    )


def _add_ingest(sub) -> None:
    p = sub.add_parser("ingest", help="build the index from files and folders")
    _common(p)
    p.add_argument(
        "--sentence-vectors",
        choices=["standalone", "contextual"],
        help="contextual (default): each sentence's vector pooled from its passage's run of the model; "
        "standalone: every sentence embedded alone as well, about twice the ingest time (docs/TUNING.md)",
    )
    p.add_argument("paths", nargs="*", help="files and folders; none: refresh the recorded sources")
    p.add_argument("--add", action="store_true", help="add to the current sources instead of replacing them")
    p.set_defaults(func=cmd_ingest)


def _add_ask_info_config(sub) -> None:
    p = sub.add_parser("ask", help="answer a question with cited sources")
    _common(p)
    p.add_argument("question", nargs="*", help="the question")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument(
        "--jsonl",
        metavar="FILE",
        help="answer each JSON line of FILE ('-' for stdin); a line's \"documents\" list limits it like --doc",
    )
    p.add_argument(
        "--doc",
        action="append",
        metavar="DOC",
        help="answer from this document only: its id (or "
        "its first 6+ characters), file name, path or a glob such as '*.pdf' (repeatable; `rag info` lists them)",
    )
    _engine_options(p)
    p.set_defaults(func=cmd_ask)
    p = sub.add_parser("info", help="show what is indexed")
    _common(p)
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.set_defaults(func=cmd_info)
    p = sub.add_parser("config", help="show the effective settings and where each came from")
    _common(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    _engine_options(p)
    p.set_defaults(func=cmd_config)


def _add_eval(sub) -> None:
    p = sub.add_parser("eval", help="measure answers and retrieval; writes docs/EVALUATION.md")
    _common(p)
    p.add_argument("--dev", default=None, help="dev questions (default: the bundled dev_questions.jsonl)")
    p.add_argument("--scifact", help="path to scifact-beir.tar.gz")
    p.add_argument("--squad", help="path to squad-v2-dev-part-a.json")
    p.add_argument("--limit", type=int, help="at most this many questions per benchmark (quick runs)")
    p.add_argument("--output", default=REPORT, help="report file ('-' for none); with --feedback, the question set")
    p.add_argument(
        "--feedback",
        metavar="FILE",
        help="turn the chat's thumbs-down records (INDEX/feedback.jsonl) into "
        "a question set (JSON lines, to stdout or --output) instead of evaluating",
    )
    p.add_argument("--work-dir", help="keep benchmark indexes here; re-runs then embed nothing (default: temporary)")
    _engine_options(p)
    p.set_defaults(func=cmd_eval)


def cmd_train_decision(args: argparse.Namespace) -> int:
    from .train.decision import DecisionConfig, retrain_decision, train

    cfg = DecisionConfig(seed=args.seed)
    if args.decision_only:
        report = retrain_decision(Path(args.squad_train), Path(args.squad), Path(args.out), Path(args.work_dir), cfg)
    else:
        report = train(
            Path(args.squad_train), Path(args.squad), Path(args.out), Path(args.work_dir), _settings(args), cfg
        )
    d = report["decision"]
    print(
        f"models written to {args.out}: ranker top-1 on tune {report['ranker']['top1_learned']:.1%} (retrieval's order "
        f"{report['ranker']['top1_evidence']:.1%}); decision AUC on tune {d['tune_auc']:.3f}, thresholds "
        f"{d['thresholds']['read']:.3f} (read) and {d['thresholds']['unread']:.3f} (unread): set scoring.answer_min "
        f"and scoring.answer_min_unread to them to use these thresholds"
    )
    return 0


def _add_train_reader(sub) -> None:
    p = sub.add_parser("train-reader", help="train the reader model from SQuAD-format files and BEIR qrels")
    p.add_argument(
        "--squad-train",
        action="append",
        default=[],
        metavar="FILE",
        help="SQuAD-format file whose every article is trained on (repeatable)",
    )
    p.add_argument(
        "--squad",
        action="append",
        default=[],
        metavar="FILE",
        help="SQuAD-format file split by article (rag/eval/squad.py): train articles are trained on, "
        "tune articles measured for the model card, test articles left alone (repeatable)",
    )
    p.add_argument(
        "--beir",
        action="append",
        default=[],
        metavar="TAR",
        help="BEIR tarball whose train qrels train the relevance score (repeatable)",
    )
    p.add_argument("--out", required=True, help="folder for the trained reader (model.onnx, tokenizer, card)")
    p.add_argument("--work-dir", default="build/reader", help="checkpoints and weights; a re-run continues from here")
    p.add_argument("--base-model", default="all-MiniLM-L6-v2", help="model to start from (default: the bundled MiniLM)")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--lr", type=float, default=1e-4)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--seed", type=int, default=13)
    _logging_options(p)
    p.set_defaults(func=cmd_train_reader)


def _add_train_decision(sub) -> None:
    p = sub.add_parser("train-decision", help="train the sentence ranker and the answer-or-refuse decision")
    p.add_argument(
        "--squad-train", required=True, metavar="FILE", help="SQuAD-format file whose every article is trained on"
    )
    p.add_argument(
        "--squad",
        required=True,
        metavar="FILE",
        help="SQuAD-format file split by article (rag/eval/squad.py): train articles are trained on, tune "
        "articles choose the threshold, test articles are left alone",
    )
    p.add_argument(
        "--decision-only",
        action="store_true",
        help="train the decision alone again, from the features a full run saved in --work-dir and its ranker in --out",
    )
    p.add_argument(
        "--out", required=True, help="folder for the models (ranker.onnx, decision.onnx, decision.json, card)"
    )
    p.add_argument("--work-dir", default="build/decision", help="the training indexes and the collected features")
    p.add_argument("--seed", type=int, default=13)
    _common(p)
    p.set_defaults(func=cmd_train_decision)


def _add_serve(sub) -> None:
    p = sub.add_parser("serve", help="start the web chat")
    _common(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--auth", help="USER:PASS to require a login (or $RAG_AUTH)")
    p.add_argument("--data-dir", help="where uploaded files are kept (default: data, or $RAG_DATA_DIR)")
    _engine_options(p)
    p.set_defaults(func=cmd_serve)


def _add_mcp(sub) -> None:
    p = sub.add_parser("mcp", help="serve the MCP tools (ask, search, documents) over stdio, for desktop MCP clients")
    _common(p)
    _engine_options(p)
    p.set_defaults(func=cmd_mcp)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers from your documents, offline.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (
        _add_ingest,
        _add_ask_info_config,
        _add_eval,
        _add_train_reader,
        _add_train_decision,
        _add_serve,
        _add_mcp,
    ):
        add(sub)
    return parser


def _set_up_process(args: argparse.Namespace) -> None:
    """This process's logging (-v, -q) and offline model loading: the CLI's own set-up, not the library's."""
    from .search.embedding import set_offline

    level = (
        logging.ERROR
        if args.quiet
        else logging.WARNING
        if not args.verbose
        else logging.INFO
        if args.verbose == 1
        else logging.DEBUG
    )
    handler = logging.StreamHandler()
    handler.setLevel(level)  # also for loggers that set their own level (bm25s sets DEBUG on import)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[handler])
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it logs every malformed object of a PDF it still reads
    set_offline()


# The exceptions whose message is for the user, by the module that defines each: a command imports
# only what it needs (`rag ingest` no answer engine), and a module it never imported raised nothing.
USER_ERRORS = {
    "rag.store.manifest": "IndexError_",
    "rag.assistant": "QuestionError",
    "rag.search.embedding": "ModelError",
    "rag.answer.llm": "LLMError",
}


def _user_errors() -> tuple[type[BaseException], ...]:
    """ValueError, FileNotFoundError and the USER_ERRORS of the modules this run imported (asked once one is raised)."""
    imported = tuple(getattr(sys.modules[m], name) for m, name in USER_ERRORS.items() if m in sys.modules)
    return (ValueError, FileNotFoundError, *imported)


def main(argv: list[str] | None = None) -> int:
    """Entry point; user errors become one line on stderr and exit status 2 (1 for internal errors)."""
    args = build_parser().parse_args(argv)
    _set_up_process(args)
    if args.command == "ask" and not args.jsonl and not " ".join(args.question).strip():
        print("rag: error: the question is empty", file=sys.stderr)
        return 2
    try:
        return args.func(args)
    except _user_errors() as exc:
        print(f"rag: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        from .store.dirs import out_of_space

        if not out_of_space(exc):
            raise
        print(f"rag: error: no space left on the disk ({exc})", file=sys.stderr)  # what the build did not catch itself
        return 2
    except KeyboardInterrupt:
        print("rag: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
