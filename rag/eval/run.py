"""`rag eval`: the dev questions, the frozen set over other documents, the perturbation suites, SciFact
retrieval and SQuAD 2.0 answers and abstention. Writes docs/EVALUATION.md.

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
from .frozen import eval_frozen, load_frozen
from .perturb import where_answered
from .report import render
from .squad import eval_squad, load_squad, split_questions
from .suite import eval_suite, make_suite, passage_texts


def _dev_part(settings: Settings, items: list[dict], off_topic: list[list[str]], results: dict) -> None:
    """The dev questions (reader on and off), their perturbation suite, the citation check, an LLM engine."""
    from ..assistant import Assistant
    from ..ingest.sources import load_documents
    from ..search.onnx_embedding import describe_cpu

    seeds = Path("seeds")
    if not seeds.exists():
        raise FileNotFoundError("the dev evaluation needs the seed article in ./seeds (run from the project folder)")
    docs, _ = load_documents([seeds], progress=False)
    with tempfile.TemporaryDirectory() as tmp:
        # the retrieval and extractive figures are the default engine's; an LLM engine gets its own section
        assistant = assistant_for(docs, settings.replace(engine="extractive"), Path(tmp))[0]
        # int8 vectors differ a little by CPU kind (docs/TUNING.md), so the report names both
        results["backend"], results["cpu"] = assistant.embedder.backend, describe_cpu()
        results["dev"] = eval_dev(assistant, items)
        if settings.reader != "off":
            off = Assistant(assistant.settings.replace(reader="off"), embedder=assistant.embedder)
            results["dev_reader_off"] = eval_dev(off, items)
        texts = passage_texts(assistant.index)
        lowered = [t.lower() for t in texts]
        originals = [
            {**i, "type": i.get("type", "factoid"), "avoid": where_answered("", lowered, i.get("evidence") or [])}
            for i in items
            if i["answerable"]
        ]
        made = make_suite(originals, assistant.index.surface_words, off_topic, texts=texts)
        results["dev_suite"] = {
            **eval_suite(assistant, made["variants"]),
            "off_topic_dropped": made["off_topic_dropped"],
        }
        results["checker"] = calibrate_checker(assistant, items)
        if settings.engine != "extractive":
            llm_assistant = assistant_for(docs, settings, Path(tmp) / "llm")[0]
            results["generated"] = eval_generated(llm_assistant, items, settings.engine)


def main(args, settings: Settings) -> int:
    """Run the requested evaluations, print the report and write it to ``args.output``."""
    results: dict = {}
    items = load_dev_questions(Path(args.dev) if args.dev else None)
    frozen = [q["question"] for q in load_frozen() if q["answerable"]]
    dev_answerable = [i["question"] for i in items if i["answerable"] and not i.get("history")]
    squad_questions: list[str] = []
    if args.squad:
        squad_questions = [
            q.question for q in split_questions(load_squad(Path(args.squad))[1], "test") if not q.impossible
        ]
    _dev_part(settings, items, [frozen, squad_questions], results)
    extractive = settings.replace(engine="extractive")  # the other evaluations measure the default engine
    results["frozen"] = eval_frozen(extractive, work_dir=args.work_dir)
    if args.scifact:
        results["scifact"] = eval_scifact(Path(args.scifact), extractive, limit=args.limit, work_dir=args.work_dir)
    if args.squad:
        results["squad"] = eval_squad(
            Path(args.squad),
            extractive,
            limit=args.limit,
            work_dir=args.work_dir,
            suite_off_topic=[dev_answerable, frozen],
        )
    options = (
        ("scifact", args.scifact),
        ("squad", args.squad),
        ("limit", args.limit),
        ("work-dir", args.work_dir),
        ("engine", getattr(args, "engine", None)),
        ("base-url", getattr(args, "base_url", None)),
        ("model", getattr(args, "model", None)),
        ("model-path", getattr(args, "model_path", None)),
    )
    command = "rag eval" + "".join(f" --{k} {v}" for k, v in options if v) + (" --strict" if settings.strict else "")
    report = render(results, command, settings)
    print(report)
    if args.output and args.output != "-":
        Path(args.output).parent.mkdir(parents=True, exist_ok=True)
        Path(args.output).write_text(report + "\n", encoding="utf-8")
    return 0
