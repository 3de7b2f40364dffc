"""Sentences as a reader sees them: how many cited sentences of hard-wrapped texts carry a line break
mid-sentence, before (breaks kept, Punkt alone) and after (wraps joined, breaks as boundaries:
rag/ingest/wrapping.py, rag/text/sentences.py). On Debian's licence texts (/usr/share/common-licenses),
except MPL-2.0, which is a document of the frozen question set. Writes the table into docs/TUNING.md.

    python experiments/wrapped_text.py
"""

from __future__ import annotations

import re
from pathlib import Path

from common import write_section

from rag.ingest.sources import normalize_text
from rag.text.sentences import paragraph_spans, punkt_english, sentence_spans

LICENCES = Path("/usr/share/common-licenses")
SKIP = {"MPL-2.0"}  # in rag/eval/data/frozen


def _kept_breaks(text: str) -> str:
    """The text cleaned as before: every line break kept, runs of blank lines one paragraph break."""
    lines = [" ".join(line.split()) for line in normalize_text(text).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _broken(text: str, spans: list[tuple[int, int]]) -> tuple[int, int]:
    """(sentences, sentences of more than three words with a line break inside)."""
    return len(spans), sum(1 for s, e in spans if "\n" in text[s:e] and len(text[s:e].split()) > 3)


def measure(path: Path) -> tuple[int, int, int, int, int | None]:
    raw = path.read_text(encoding="utf-8", errors="replace")
    before = _kept_breaks(raw)
    old = [(ps + s, ps + e) for ps, pe in paragraph_spans(before) for s, e in punkt_english().span_tokenize(before[ps:pe])]
    from rag.ingest.sources import clean_text
    from rag.ingest.wrapping import wrap_width

    after = clean_text(raw)
    new = [s for ps, pe in paragraph_spans(after) for s in sentence_spans(after[ps:pe], ps)]
    width = wrap_width([len(line.expandtabs().rstrip()) for line in normalize_text(raw).split("\n")])
    return (*_broken(before, old), *_broken(after, new), width)


def main() -> None:
    lines = ["| text | wrap width found | sentences before | with a line break inside | sentences after | with a line break inside |",
             "|---|---|---|---|---|---|"]
    for path in sorted(p for p in LICENCES.iterdir() if p.is_file() and p.name not in SKIP and not p.is_symlink()):
        n0, b0, n1, b1, width = measure(path)
        lines.append(f"| {path.name} | {width or '–'} | {n0} | {b0} ({b0 / max(1, n0):.0%}) | {n1} | {b1} ({b1 / max(1, n1):.0%}) |")
    lines += ["", "Measured by `python experiments/wrapped_text.py` (Debian's /usr/share/common-licenses). A sentence "
              "with a line break inside is one a quote would show broken mid-line (heading and list lines kept apart "
              "by the author's own breaks are not counted: three words or fewer)."]
    write_section("wrapped_text", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
