"""The perturbation suites `rag eval` runs: near-misses and off-topic questions that must be refused,
beside the answerable originals they come from, which must still be answered.

Two suites: one from the dev questions over the seed article, one from a sample of the SQuAD
test articles' answerable questions over the SQuAD index. Off-topic questions for an index are
questions about other sources (the other suite's, the frozen set's) and the shipped questions
about no source at all; one whose every key term the index holds is left out, since it might
be answerable there.
"""

from __future__ import annotations

from ..answer.analysis import analyze
from ..answer.vocabulary import Vocabulary
from .perturb import Pools, PresentSwapper, Swapper, Variant, build_suite, generic_off_topic

# at most this many off-topic questions from each other source, so no one source dominates
OFF_TOPIC_PER_SOURCE = 40


def off_topic_for(vocabulary: Vocabulary, sources: list[list[str]]) -> tuple[list[str], int]:
    """Off-topic questions for an index: from each source (every n-th, up to OFF_TOPIC_PER_SOURCE) and the
    shipped ones, minus those whose key terms the index all holds; and how many were left out so."""
    picked: list[str] = []
    for questions in [*sources, generic_off_topic()]:
        step = max(1, len(questions) // OFF_TOPIC_PER_SOURCE)
        picked += questions[::step][:OFF_TOPIC_PER_SOURCE]
    kept = [q for q in picked if not _all_held(q, vocabulary)]
    return kept, len(picked) - len(kept)


def _all_held(question: str, vocabulary: Vocabulary) -> bool:
    terms = analyze(question).key_terms
    return bool(terms) and all(vocabulary.contains(t.text) for t in terms)


def make_suite(
    originals: list[dict],
    surface_words,
    off_topic_sources: list[list[str]],
    seed: int = 13,
    texts: list[str] | None = None,
) -> dict:
    """The suite for one index: variants, and how many off-topic questions were left out as possibly answerable.
    With the index's passage ``texts``, originals with an "avoid" text also get a near-miss by a name or number
    of those texts (PresentSwapper)."""
    vocabulary = Vocabulary(surface_words)
    off_topic, dropped = off_topic_for(vocabulary, off_topic_sources)
    present = PresentSwapper(vocabulary, Pools.from_texts(texts), seed) if texts else None
    variants = build_suite(originals, Swapper(vocabulary, Pools.load(), seed), off_topic, seed, present)
    return {"variants": variants, "off_topic_dropped": dropped}


def passage_texts(index) -> list[str]:
    """Every passage's text of a loaded index (rag/store/index.py), in order."""
    return [index.passages[i].text for i in range(len(index.passages))]


def eval_suite(assistant, variants: list[Variant]) -> dict:
    """Refusals per kind of variant and per original type: near-misses and off-topic questions must be
    refused, originals answered."""
    rows = []
    for v in variants:
        ans = assistant.ask(v.question, [tuple(h) for h in v.history])
        rows.append(
            {
                "id": v.id,
                "kind": v.kind,
                "qtype": v.qtype,
                "question": v.question,
                "refused": ans.refused,
                "ok": ans.refused != (v.kind == "original"),
                "answer": ans.answer,
                "swapped": v.swapped,
            }
        )
    kinds = ("original", "near_miss", "near_miss_present", "off_topic")
    by_type: dict[str, dict] = {}
    for r in rows:
        by_type.setdefault(r["qtype"], {k: [] for k in kinds})[r["kind"]].append(r["refused"])

    def share(xs):
        return sum(xs) / len(xs) if xs else float("nan")

    return {
        "counts": {k: sum(r["kind"] == k for r in rows) for k in kinds},
        "refused": {k: share([r["refused"] for r in rows if r["kind"] == k]) for k in kinds},
        "by_type": {t: {k: (len(xs), share(xs)) for k, xs in d.items()} for t, d in sorted(by_type.items())},
        "rows": rows,
    }
