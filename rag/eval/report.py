"""The evaluation report (docs/EVALUATION.md): one section per evaluation that ran."""

from __future__ import annotations

import time

from ..settings import Settings

# -- report ---------------------------------------------------------------------------
# published SciFact test nDCG@10: the reference column of the report's SciFact table
PUBLISHED = {"bm25": 0.679, "dense": 0.645, "bge-small-en-v1.5": 0.713}


def _pct(value: float) -> str:
    return "–" if value != value else f"{value:.1%}"  # NaN: nothing to measure


def _render_dev(d: dict, off: dict | None) -> list[str]:
    """The dev section: totals (reader on, and off), a table per question type, every answer."""
    row = lambda name, x: (f"| {name} | {x['questions']} | {_pct(x['answer_accuracy'])} | {_pct(x['citation_accuracy'])} | "  # noqa: E731
                           f"{x['refusal_accuracy']:.1%} | {x['words_p50']:.0f} / {x['words_p90']:.0f} |")
    lines = ["## Dev questions (seed article)", "",
             "| reader | questions | answer accuracy | citation accuracy | refusal accuracy | words p50 / p90 |",
             "|---|---|---|---|---|---|", row("bundled", d)]
    if off:
        lines.append(row("off", off))
    lines += ["", f"Answer latency after load (reader on): p50 {d['latency_ms_p50']:.0f} ms, p95 {d['latency_ms_p95']:.0f} ms.", "",
              "By question type (reader on; answer and citation accuracy over the answerable questions of the type):", "",
              "| type | questions | answer accuracy | citation accuracy | refusal accuracy | words p50 / p90 |",
              "|---|---|---|---|---|---|"]
    lines += [row(t, x) for t, x in d["by_type"].items()]
    lines += ["", "| id | type | analysed as | facts | cited | refusal ok | words | answer |", "|---|---|---|---|---|---|---|---|"]
    mark = lambda v: "–" if v is None else ("yes" if v else "**no**")  # noqa: E731
    for r in d["rows"]:
        short = r["answer"].replace("\n", " ").replace("|", "\\|")
        short = short if len(short) < 160 else short[:157] + "..."
        lines.append(f"| {r['id']} | {r['type']} | {r['question_type'] or '–'} | {mark(r['facts'])} | {mark(r['cited'])} | "
                     f"{mark(r['refusal_ok'])} | {r['words']} | {short} |")
    return lines + [""]


def _render_checker(c: dict, settings: Settings) -> list[str]:
    """The citation check's calibration table."""
    lines = ["## Citation check calibration (dev questions)", "",
             f"How often the check (rag/answer/citecheck.py) keeps a citation, by support threshold. Backed: the "
             f"{c['positives']} sentences of the extractive answers, each with the passage it is quoted from, and the "
             f"first half of each of their sentences ({c['partial']}; a partial quote is still backed). "
             f"Unbacked: the same sentences cited to another retrieved passage ({c['wrong_passage']}), and with one "
             f"name or number swapped for another from the article, cited to their own passage ({c['swapped']}). "
             f"The engines use {settings.support_min}.", "",
             "| threshold | backed kept | partial quote kept | wrong passage kept | swapped name/number kept |",
             "|---|---|---|---|---|"]
    for t, kp, kh, kw, ks in c["table"]:
        bold = "**" if abs(t - settings.support_min) < 1e-9 else ""
        lines.append(f"| {bold}{t}{bold} | {kp:.0%} | {kh:.0%} | {kw:.0%} | {ks:.0%} |")
    lines.append("")
    return lines


def _render_generated(g: dict, settings: Settings) -> list[str]:
    """The LLM engine's figures and answers."""
    lines = [f"## Generated answers: {g['engine']}", "",
             "The dev questions through the LLM engine. Citation recall and precision are ALCE-style (Gao et al. 2023), "
             "with rag/answer/citecheck.py as the judge instead of an NLI model: *recall* = share of an answer's sentences backed "
             "by the citations the model wrote; *precision* = share of the model's citations that back their sentence "
             "(out-of-range numbers count as failures); both averaged over the generated answers. *Sentences supported* "
             "counts what the user sees after the check (uncited sentences a source backs get that source).", "",
             "| questions | generated | fell back to extractive | answer accuracy | citation accuracy | refusal accuracy | "
             "citations the model wrote | citation recall | citation precision | sentences supported | words p50 / p90 |",
             "|---|---|---|---|---|---|---|---|---|---|---|",
             f"| {g['questions']} | {g['generated']} | {g['fallbacks']} | {_pct(g['answer_accuracy'])} | {_pct(g['citation_accuracy'])} | "
             f"{g['refusal_accuracy']:.1%} | {g['citations_written']} | {_pct(g['citation_recall'])} | "
             f"{_pct(g['citation_precision'])} | {_pct(g['sentences_supported'])} | {g['words_p50']:.0f} / {g['words_p90']:.0f} |", "",
             "*Citation accuracy* here counts the citations shown after the check (a cited passage holds an evidence "
             "string); citation precision is undefined (–) when the model wrote no [n] at all.", "",
             "| id | facts | cited | refusal ok | recall | precision | answer (as shown, unsupported sentences included) |",
             "|---|---|---|---|---|---|---|"]
    for r in g["rows"]:
        mark = lambda v: "–" if v is None else ("yes" if v else "**no**")  # noqa: E731
        pct = lambda v: "–" if v is None else f"{v:.0%}"  # noqa: E731
        short = r["answer"].replace("\n", " ").replace("|", "\\|")
        short = short if len(short) < 140 else short[:137] + "..."
        lines.append(f"| {r['id']} | {mark(r['facts'])} | {mark(r['cited'])} | {mark(r['refusal_ok'])} | "
                     f"{pct(r['recall'])} | {pct(r['precision'])} | {short} |")
    lines.append("")
    return lines


def _render_scifact(s: dict, settings: Settings) -> list[str]:
    """Retrieval on SciFact."""
    sc = s["scores"]
    lines = [f"## SciFact ({s['split']} split: {s['queries']} queries, {s['documents']} abstracts, {s['passages']} passages)", "",
             "| retrieval | nDCG@10 | recall@100 | published nDCG@10 |", "|---|---|---|---|",
             f"| BM25 (bm25s, Snowball stems) | {sc['bm25']['ndcg@10']:.3f} | {sc['bm25']['recall@100']:.3f} | "
             f"{PUBLISHED['bm25']:.3f} (Anserini BM25) |",
             f"| dense ({settings.embed_model}) | {sc['dense']['ndcg@10']:.3f} | {sc['dense']['recall@100']:.3f} | "
             f"{PUBLISHED['dense']:.3f} (all-MiniLM-L6-v2) |",
             f"| hybrid ({settings.fusion}) | {sc['hybrid']['ndcg@10']:.3f} | {sc['hybrid']['recall@100']:.3f} | "
             f"{PUBLISHED['bge-small-en-v1.5']:.3f} (bge-small-en-v1.5, for scale) |",
             *([f"| hybrid, top 20 reordered by the reader's relevance | {sc['hybrid + reader']['ndcg@10']:.3f} | "
                 f"{sc['hybrid + reader']['recall@100']:.3f} | |"] if "hybrid + reader" in sc else []),
             "", f"Documents are ranked by their best passage; the hybrid fuses min-max normalised dense and BM25 "
             f"scores of the top 300 passages of each. Index build: {s['build_seconds']:.0f} s "
             f"({s['embedded']} passages embedded; the rest reused from a kept index).", ""]
    return lines


def _render_squad(q: dict, settings: Settings) -> list[str]:
    """Answers and refusals on the SQuAD test articles, per reader setting."""
    first = next(iter(q["runs"].values()))
    lines = [f"## SQuAD 2.0 dev, part A: the {q['split']} articles ({q['articles']} articles, {first['questions']} "
             f"questions; the index holds all {q['paragraphs']} paragraphs)", "",
             "Nothing was trained or tuned on these articles (rag/eval/squad.py; docs/TUNING.md).", "",
             "| reader | answer contains gold | first citation on gold paragraph | false refusals (answerable) | "
             "refusals on unanswerable | words p50 / p90 | latency p50 / p95 |",
             "|---|---|---|---|---|---|---|"]
    for reader, r in q["runs"].items():
        lines.append(f"| {reader} | {r['answer_contains_gold']:.1%} | {r['first_citation_gold']:.1%} | "
                     f"{r['false_refusal_rate']:.1%} | {r['refusal_rate_unanswerable']:.1%} | "
                     f"{r['words_p50']:.0f} / {r['words_p90']:.0f} | {r['latency_ms_p50']:.0f} ms / {r['latency_ms_p95']:.0f} ms |")
    lines += ["", f"{first['answerable']} answerable and {first['unanswerable']} unanswerable questions; the first "
              "two columns count answerable questions only (a refusal is a miss).", ""]
    return lines


def render(results: dict, command: str, settings: Settings) -> str:
    lines = ["# Evaluation", "", f"Produced by `{command}` on {time.strftime('%Y-%m-%d')}, "
             f"embedding backend `{results['backend']}` on {results['cpu']}.", "",
             f"Settings: model `{settings.embed_model}`, fusion `{settings.fusion}` "
             f"(weights dense {settings.dense_weight} / BM25 {settings.bm25_weight}), passages of at most "
             f"{settings.max_passage_words} words, reader `{settings.reader}` reading the top "
             f"{settings.scoring.reader_passages} passages (weight {settings.scoring.reader_weight}, refusing below "
             f"{settings.scoring.reader_min}), key-term coverage at least {settings.scoring.coverage_min}. How these were "
             "chosen (fusion on SciFact train queries; the answer engine's on the tune articles of SQuAD part A): "
             "docs/TUNING.md.", "",
             "Metrics. Dev: *answer accuracy* = every must_include group matched in the answer; *citation accuracy* = "
             "a cited passage contains an evidence string; *refusal accuracy* over all questions (unanswerable ones must "
             "be refused, answerable ones must not). SQuAD: *answer contains gold* = a gold answer string inside the "
             "answer text; *first citation on gold paragraph* = citation [1] is the question's paragraph; refusals count "
             "as misses. Answer lengths are in words, citation markers not counted.", ""]
    if "dev" in results:
        lines += _render_dev(results["dev"], results.get("dev_reader_off"))
    for key, part in (("checker", _render_checker), ("generated", _render_generated), ("scifact", _render_scifact),
                      ("squad", _render_squad)):
        if key in results:
            lines += part(results[key], settings)
    return "\n".join(lines)

