"""The `rag` subcommands: each ``cmd_*`` runs one from its parsed arguments (rag/cli.py builds the parser)."""

from __future__ import annotations

import argparse
import gc
import json
import os
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
    # The start creates well over a million objects that live as long as the server (classes, pydantic schemas, the
    # models' tables), and the cyclic collector would scan them over and over while they are made, finding almost no
    # garbage: it is off until the server listens, where rag_ui.app.serve freezes them and turns it on again.
    gc.disable()
    # Gradio sets matplotlib's backend around every event when matplotlib is installed; with none chosen,
    # finding the default imports pyplot on the first answer (docs/TUNING.md, "Cold start"). A server draws
    # off-screen, so Agg is the backend it would choose anyway.
    os.environ.setdefault("MPLBACKEND", "agg")

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


def cmd_train_decision(args: argparse.Namespace) -> int:
    from .train.decision import DecisionConfig, retrain_decision, train

    weights = {"other_kinds_weight": args.other_kinds_weight, "present_near_miss_weight": args.present_near_miss_weight}
    cfg = DecisionConfig(
        seed=args.seed,
        masked_copies=args.masked_copies,
        keep_ranker=args.keep_ranker,
        **{k: v for k, v in weights.items() if v is not None},  # else DecisionConfig's defaults
    )
    missing = [f for f in ("ranker.onnx", "decision.json") if not (Path(args.out) / f).is_file()]
    if (args.decision_only or args.keep_ranker) and missing:
        raise ValueError(
            f"{' and '.join(missing)} not in {args.out}: --decision-only and --keep-ranker take the ranker there "
            "(copy rag/decision_model/ for the shipped one)"
        )
    if args.decision_only:
        report = retrain_decision(
            Path(args.squad_train), Path(args.squad), Path(args.out), Path(args.work_dir), _settings(args), cfg
        )
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
