"""The frozen question set over documents of other kinds (rag/eval/data/frozen/): written before any
tuning, never changed, and never tuned on. Its four documents are indexed together, as a user's
uploads would be, and every question is judged as a dev question is, with SQuAD exact match and F1
of the short answer where the set gives one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from ..settings import Settings
from .common import percentile, workdir
from .dev import accuracies, ask_and_judge
from .metrics import exact_match, token_f1

FROZEN_DIR = Path(__file__).parent / "data" / "frozen"
DOCUMENT_SUFFIXES = (".pdf", ".html", ".md", ".txt")


def load_frozen(folder: Path = FROZEN_DIR) -> list[dict]:
    """The frozen questions, one dict each (the dev questions' fields, plus "doc" and optional "short")."""
    text = (folder / "questions.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def frozen_documents(folder: Path = FROZEN_DIR) -> list[Path]:
    """The documents to index (the PDF's generating script is not one)."""
    return sorted(p for p in (folder / "docs").iterdir() if p.suffix in DOCUMENT_SUFFIXES)


def predicted_short(ans) -> str:
    """What a short-answer metric compares: the short answer, else the first sentence of the answer."""
    if ans.refused:
        return ""
    return ans.short_answer or (ans.sentences[0].text if ans.sentences else ans.answer)


def judge_short(item: dict, ans) -> dict:
    """Exact match and F1 of the short answer against the set's ``short`` answers (None where it gives none)."""
    gold = item.get("short")
    if not item["answerable"] or not gold:
        return {"em": None, "f1": None}
    text = predicted_short(ans)
    return {"em": exact_match(text, gold), "f1": token_f1(text, gold)}


def eval_frozen(settings: Settings, work_dir: Path | None = None) -> dict:
    """Index the frozen documents, ask every question (with its history), judge each answer."""
    from ..assistant import Assistant
    from ..ingest.build import build_index

    items = load_frozen()
    with workdir(work_dir, "frozen") as tmp:
        sources = Path(tmp) / "docs"
        shutil.rmtree(sources, ignore_errors=True)
        sources.mkdir(parents=True)
        for doc in frozen_documents():
            shutil.copy(doc, sources / doc.name)
        settings = settings.replace(index_dir=Path(tmp) / "index")
        build_index([sources], settings, show_progress=False)
        assistant = Assistant(settings)
        rows, latencies = [], []
        for item in items:
            row, ans, ms = ask_and_judge(assistant, item)
            rows.append({**row, "doc": item["doc"], **judge_short(item, ans)})
            latencies.append(ms)
    return {
        **accuracies(rows),
        **short_figures(rows),
        "by_type": {t: {**accuracies(rs), **short_figures(rs)} for t, rs in _by(rows, "type").items()},
        "by_doc": {d: {**accuracies(rs), **short_figures(rs)} for d, rs in _by(rows, "doc").items()},
        "latency_ms_p50": percentile(latencies, 50),
        "rows": rows,
    }


def short_figures(rows: list[dict]) -> dict:
    """Mean exact match and F1 over the rows that have a gold short answer."""
    scored = [r for r in rows if r.get("f1") is not None]
    nothing = float("nan")
    return {
        "short_questions": len(scored),
        "short_em": sum(r["em"] for r in scored) / len(scored) if scored else nothing,
        "short_f1": sum(r["f1"] for r in scored) / len(scored) if scored else nothing,
    }


def _by(rows: list[dict], key: str) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r[key], []).append(r)
    return dict(sorted(out.items()))
