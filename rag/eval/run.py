"""`rag eval`: answer, citation and refusal accuracy on the dev questions; retrieval on
SciFact; answer quality and abstention on SQuAD 2.0. Writes docs/EVALUATION.md.

Every accuracy figure comes with the median and 90th-percentile answer length in
words, because a long answer that contains everything is not a good answer.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..settings import Settings
from .beir import eval_scifact
from .common import assistant_for
from .dev import calibrate_checker, eval_dev, eval_generated, load_dev_questions
from .report import render
from .squad import eval_squad


def main(args, settings: Settings) -> int:
    """Run the requested evaluations, print the report and write it to ``args.output``."""
    from ..ingest.sources import load_documents
    from ..search.onnx_embedding import describe_cpu

    results: dict = {}
    items = load_dev_questions(Path(args.dev) if args.dev else None)
    seeds = Path("seeds")
    if not seeds.exists():
        raise FileNotFoundError("the dev evaluation needs the seed article in ./seeds (run from the project folder)")
    docs, _ = load_documents([seeds], progress=False)
    engine = settings.engine
    with tempfile.TemporaryDirectory() as tmp:
        # the retrieval and extractive figures are the default engine's; an LLM engine gets its own section
        assistant = assistant_for(docs, settings.replace(engine="extractive"), Path(tmp))[0]
        # int8 vectors differ a little by CPU kind (docs/TUNING.md), so the report names both
        results["backend"], results["cpu"] = assistant.embedder.backend, describe_cpu()
        results["dev"] = eval_dev(assistant, items)
        if settings.reader != "off":
            from ..assistant import Assistant

            off = Assistant(assistant.settings.replace(reader="off"), embedder=assistant.embedder)
            results["dev_reader_off"] = eval_dev(off, items)
        results["checker"] = calibrate_checker(assistant, items)
        if engine != "extractive":
            llm_assistant = assistant_for(docs, settings, Path(tmp) / "llm")[0]
            results["generated"] = eval_generated(llm_assistant, items, engine)
    extractive = settings.replace(engine="extractive")  # the benchmarks measure retrieval and the default engine
    if args.scifact:
        results["scifact"] = eval_scifact(Path(args.scifact), extractive, limit=args.limit, work_dir=args.work_dir)
    if args.squad:
        results["squad"] = eval_squad(Path(args.squad), extractive, limit=args.limit, work_dir=args.work_dir)
    options = (("scifact", args.scifact), ("squad", args.squad), ("limit", args.limit), ("work-dir", args.work_dir),
               ("engine", getattr(args, "engine", None)), ("base-url", getattr(args, "base_url", None)),
               ("model", getattr(args, "model", None)), ("model-path", getattr(args, "model_path", None)))
    command = "rag eval" + "".join(f" --{k} {v}" for k, v in options if v) + (" --strict" if settings.strict else "")
    report = render(results, command, settings)
    print(report)
    if args.output and args.output != "-":
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(report + "\n", encoding="utf-8")
    return 0
