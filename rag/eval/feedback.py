"""`rag eval --feedback FILE`: the chat's thumbs-down records (ui/feedback.py) as a question set.

Each answer marked wrong (and not taken back) becomes one question in the format of the
dev questions (rag/eval/data/dev_questions.jsonl), with what the user saw and said kept
beside it: ``wrong_answer``, ``comment``, ``engine``, ``documents``, ``history``. What the
right answer is, nobody has said yet: ``answerable``, ``must_include`` and ``evidence`` are
left for a person to fill in (``answerable`` is true when the marked answer was a refusal,
since the user expected an answer; otherwise null). `rag ask --jsonl FILE` asks them again
of the index (each limited to its ``documents``), to see whether a change fixed them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

REFUSED_PREFIX = "Not answered."  # how the chat shows a refusal (ui/render.py)


def read_feedback(path: Path) -> list[dict]:
    """The standing records of a feedback file, oldest first: the last line of each id, unless it is a retraction.
    A line that is not a JSON object with an id is a ValueError naming the line."""
    last: dict[str, dict] = {}
    for lineno, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
        if not isinstance(record, dict) or not record.get("id"):
            raise ValueError(f"{path}:{lineno}: a feedback record needs an id")
        last.pop(record["id"], None)  # re-inserted: the order is that of the latest event
        last[record["id"]] = record
    return [r for r in last.values() if not r.get("retracted") and r.get("question")]


def question_item(record: dict) -> dict:
    """One feedback record as a question of the dev format, its judgement left to fill in."""
    refused = str(record.get("answer", "")).startswith(REFUSED_PREFIX)
    return {
        "id": f"feedback-{record['id']}",
        "question": record["question"],
        "history": record.get("history") or [],
        "answerable": True if refused else None,
        "must_include": [],
        "evidence": [],
        "documents": record.get("documents") or [],
        "wrong_answer": record.get("answer", ""),
        "comment": record.get("comment", ""),
        "engine": record.get("engine", ""),
        "marked_at": record.get("time"),
    }


def main(path: str, output: str | None = None) -> int:
    """Write the question set of feedback file ``path`` to ``output`` (default: stdout); a count goes to stderr."""
    items = [question_item(r) for r in read_feedback(Path(path))]
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if output and output != "-":
        Path(output).write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(
        f"{len(items)} question(s) from {path}: answerable, must_include and evidence are yours to fill in; "
        "rag ask --jsonl asks them again",
        file=sys.stderr,
    )
    return 0
