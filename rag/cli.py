"""The `rag` command: ingest, ask, info, config, eval, train-reader, train-decision, serve, mcp. A thin layer over the library.

The CLI sets up its own process: logging (-v/-q) and offline model loading. The library only logs.
"""

from __future__ import annotations

import argparse
import logging
import sys

from .cli_commands import (
    REPORT,
    cmd_ask,
    cmd_config,
    cmd_eval,
    cmd_info,
    cmd_ingest,
    cmd_mcp,
    cmd_serve,
    cmd_train_decision,
    cmd_train_reader,
)
from .cli_commands import _settings as _settings  # tests build settings from parsed arguments as the commands do
from .cli_commands import limit_malloc_arenas as limit_malloc_arenas


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
    p.add_argument(
        "--masked-copies",
        type=int,
        default=0,
        metavar="N",
        help="also train on N copies of each article with the sentences answering some of its questions taken out "
        "(rag/train/masked.py; default 0: measured worse, docs/TUNING.md 'Masked articles')",
    )
    p.add_argument(
        "--other-kinds-weight",
        type=float,
        metavar="W",
        help="train the decision on the questions about documents of other kinds (rag/train/data/rounds/), each "
        "row weighing W SQuAD rows, their out-of-fold scores choosing thresholds of their own (default: "
        "DecisionConfig's, 30; 0: only scored, in the card; docs/TUNING.md 'A threshold for documents of other kinds')",
    )
    p.add_argument(
        "--present-near-miss-weight",
        type=float,
        metavar="W",
        help="weight of the near-misses whose swapped-in name or number the index mentions elsewhere (default: "
        "DecisionConfig's, 0: left out)",
    )
    p.add_argument(
        "--keep-ranker",
        action="store_true",
        help="collect with the ranker already in --out (and its decision.json) instead of training one",
    )
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
