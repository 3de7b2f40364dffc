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

    def row(name, x):
        return (
            f"| {name} | {x['questions']} | {_pct(x['answer_accuracy'])} | {_pct(x['citation_accuracy'])} | "
            f"{x['refusal_accuracy']:.1%} | {x['words_p50']:.0f} / {x['words_p90']:.0f} |"
        )

    lines = [
        "## Dev questions (seed article)",
        "",
        "| reader | questions | answer accuracy | citation accuracy | refusal accuracy | words p50 / p90 |",
        "|---|---|---|---|---|---|",
        row("bundled", d),
    ]
    if off:
        lines.append(row("off", off))
    lines += [
        "",
        f"Answer latency after load (reader on): p50 {d['latency_ms_p50']:.0f} ms, p95 {d['latency_ms_p95']:.0f} ms.",
        "",
        "By question type (reader on; answer and citation accuracy over the answerable questions of the type):",
        "",
        "| type | questions | answer accuracy | citation accuracy | refusal accuracy | words p50 / p90 |",
        "|---|---|---|---|---|---|",
    ]
    lines += [row(t, x) for t, x in d["by_type"].items()]
    lines += [
        "",
        "| id | type | analysed as | facts | cited | refusal ok | words | answer |",
        "|---|---|---|---|---|---|---|---|",
    ]

    def mark(v):
        return "–" if v is None else ("yes" if v else "**no**")

    for r in d["rows"]:
        short = r["answer"].replace("\n", " ").replace("|", "\\|")
        short = short if len(short) < 160 else short[:157] + "..."
        lines.append(
            f"| {r['id']} | {r['type']} | {r['question_type'] or '–'} | {mark(r['facts'])} | {mark(r['cited'])} | "
            f"{mark(r['refusal_ok'])} | {r['words']} | {short} |"
        )
    return lines + [""]


def _render_checker(c: dict, settings: Settings) -> list[str]:
    """The citation check's calibration table."""
    lines = [
        "## Citation check calibration (dev questions)",
        "",
        f"How often the check (rag/answer/citecheck.py) keeps a citation, by support threshold. Backed: the "
        f"{c['positives']} sentences of the extractive answers, each with the passage it is quoted from, and the "
        f"first half of each of their sentences ({c['partial']}; a partial quote is still backed). "
        f"Unbacked: the same sentences cited to another retrieved passage ({c['wrong_passage']}), and with one "
        f"name or number swapped for another from the article, cited to their own passage ({c['swapped']}). "
        f"The engines use {settings.support_min}.",
        "",
        "| threshold | backed kept | partial quote kept | wrong passage kept | swapped name/number kept |",
        "|---|---|---|---|---|",
    ]
    for t, kp, kh, kw, ks in c["table"]:
        bold = "**" if abs(t - settings.support_min) < 1e-9 else ""
        lines.append(f"| {bold}{t}{bold} | {kp:.0%} | {kh:.0%} | {kw:.0%} | {ks:.0%} |")
    lines.append("")
    return lines


def _render_generated(g: dict, settings: Settings) -> list[str]:
    """The LLM engine's figures and answers."""
    lines = [
        f"## Generated answers: {g['engine']}",
        "",
        "The dev questions through the LLM engine. Citation recall and precision are ALCE-style (Gao et al. 2023), "
        "with rag/answer/citecheck.py as the judge instead of an NLI model: *recall* = share of an answer's sentences backed "
        "by the citations the model wrote; *precision* = share of the model's citations that back their sentence "
        "(out-of-range numbers count as failures); both averaged over the generated answers. *Sentences supported* "
        "counts what the user sees after the check (uncited sentences a source backs get that source).",
        "",
        "| questions | generated | fell back to extractive | answer accuracy | citation accuracy | refusal accuracy | "
        "citations the model wrote | citation recall | citation precision | sentences supported | words p50 / p90 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {g['questions']} | {g['generated']} | {g['fallbacks']} | {_pct(g['answer_accuracy'])} | {_pct(g['citation_accuracy'])} | "
        f"{g['refusal_accuracy']:.1%} | {g['citations_written']} | {_pct(g['citation_recall'])} | "
        f"{_pct(g['citation_precision'])} | {_pct(g['sentences_supported'])} | {g['words_p50']:.0f} / {g['words_p90']:.0f} |",
        "",
        "*Citation accuracy* here counts the citations shown after the check (a cited passage holds an evidence "
        "string); citation precision is undefined (–) when the model wrote no [n] at all.",
        "",
        "| id | facts | cited | refusal ok | recall | precision | answer (as shown, unsupported sentences included) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in g["rows"]:

        def mark(v):
            return "–" if v is None else ("yes" if v else "**no**")

        def pct(v):
            return "–" if v is None else f"{v:.0%}"

        short = r["answer"].replace("\n", " ").replace("|", "\\|")
        short = short if len(short) < 140 else short[:137] + "..."
        lines.append(
            f"| {r['id']} | {mark(r['facts'])} | {mark(r['cited'])} | {mark(r['refusal_ok'])} | "
            f"{pct(r['recall'])} | {pct(r['precision'])} | {short} |"
        )
    lines.append("")
    return lines


def _render_scifact(s: dict, settings: Settings) -> list[str]:
    """Retrieval on SciFact."""
    sc = s["scores"]
    lines = [
        f"## SciFact ({s['split']} split: {s['queries']} queries, {s['documents']} abstracts, {s['passages']} passages)",
        "",
        "| retrieval | nDCG@10 | recall@100 | published nDCG@10 |",
        "|---|---|---|---|",
        f"| BM25 (bm25s, Snowball stems) | {sc['bm25']['ndcg@10']:.3f} | {sc['bm25']['recall@100']:.3f} | "
        f"{PUBLISHED['bm25']:.3f} (Anserini BM25) |",
        f"| dense ({settings.embed_model}) | {sc['dense']['ndcg@10']:.3f} | {sc['dense']['recall@100']:.3f} | "
        f"{PUBLISHED['dense']:.3f} (all-MiniLM-L6-v2) |",
        f"| hybrid ({settings.fusion}) | {sc['hybrid']['ndcg@10']:.3f} | {sc['hybrid']['recall@100']:.3f} | "
        f"{PUBLISHED['bge-small-en-v1.5']:.3f} (bge-small-en-v1.5, for scale) |",
        *(
            [
                f"| hybrid, top 20 reordered by the reader's relevance | {sc['hybrid + reader']['ndcg@10']:.3f} | "
                f"{sc['hybrid + reader']['recall@100']:.3f} | |"
            ]
            if "hybrid + reader" in sc
            else []
        ),
        "",
        f"Documents are ranked by their best passage; the hybrid fuses min-max normalised dense and BM25 "
        f"scores of the top 300 passages of each. Index build: {s['build_seconds']:.0f} s "
        f"({s['embedded']} passages embedded; the rest reused from a kept index).",
        "",
    ]
    return lines


def _render_squad(q: dict, settings: Settings) -> list[str]:
    """Answers, short answers and refusals on the SQuAD test articles, in all and per wh-class; the suite."""
    lines = [
        f"## SQuAD 2.0 dev, part A: the {q['split']} articles ({q['articles']} articles, {q['questions']} "
        f"questions; the index holds all {q['paragraphs']} paragraphs)",
        "",
        "Nothing was trained or tuned on these articles (rag/eval/squad.py). Three of the six (Black_Death, "
        "Huguenot, Normans) were in an earlier tune half when older evidence weights and refusal rules were "
        "chosen, so these figures are not fully clean: the frozen set and the perturbation suites are.",
        "",
        "Short answers: SQuAD exact match and F1 of the answer's short answer (else its first sentence) against "
        "the gold answers, over answerable questions, a refusal scoring 0.",
        "",
        "| questions | answer contains gold | first citation on gold paragraph | exact match | F1 | "
        "answerable refused | unanswerable refused | words p50 / p90 | latency p50 / p95 |",
        "|---|---|---|---|---|---|---|---|---|",
        _squad_row(f"{q['answerable']} + {q['unanswerable']}", q)
        + f" {q['latency_ms_p50']:.0f} ms / {q['latency_ms_p95']:.0f} ms |",
        "",
        "By the question's wh-class (rag/eval/metrics.py `wh_class`):",
        "",
        "| class | answerable + unanswerable | answer contains gold | first citation on gold paragraph | exact match "
        "| F1 | answerable refused | unanswerable refused | words p50 / p90 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    lines += [_squad_row(f"{c} | {x['answerable']} + {x['unanswerable']}", x) for c, x in q["by_class"].items()]
    lines.append("")
    if "suite" in q:
        lines += _render_suite("Perturbation suite over the SQuAD index", q["suite"])
    return lines


def _squad_row(label: str, x: dict) -> str:
    return (
        f"| {label} | {_pct(x['answer_contains_gold'])} | {_pct(x['first_citation_gold'])} | {_pct(x['exact_match'])} | "
        f"{x['f1']:.3f} | {_pct(x['false_refusal_rate'])} | {_pct(x['refusal_rate_unanswerable'])} | "
        f"{x['words_p50']:.0f} / {x['words_p90']:.0f} |"
    )


def _render_suite(title: str, s: dict) -> list[str]:
    """A perturbation suite: refusals per kind of variant, and per type of the original."""
    n, r = s["counts"], s["refused"]
    lines = [
        f"### {title}",
        "",
        "Generated (rag/eval/perturb.py, seeded): each answerable original; its near-miss (one name, number or "
        "noun swapped for one the index never mentions); where made, its near-miss by a name or number the index "
        "has, but not where the answer is; off-topic questions (about other sources, or none). "
        f"{s['off_topic_dropped']} off-topic questions whose every key term the index holds were left out.",
        "",
        "| variants | questions | refused | should be |",
        "|---|---|---|---|",
        f"| originals | {n['original']} | {_pct(r['original'])} | answered (refused at most 5%) |",
        f"| near-misses | {n['near_miss']} | {_pct(r['near_miss'])} | refused (at least 90%) |",
        f"| off-topic | {n['off_topic']} | {_pct(r['off_topic'])} | refused (at least 90%) |",
    ]
    if n.get("near_miss_present"):  # suites of runs before these lack them
        lines.append(
            f"| near-misses with a name the sources have elsewhere | {n['near_miss_present']} | "
            f"{_pct(r['near_miss_present'])} | refused (measured; no target) |"
        )
    lines += [
        "",
        "| type of the original | originals refused | near-misses refused |",
        "|---|---|---|",
    ]
    for t, d in s["by_type"].items():
        if t == "off_topic":
            continue
        (no, ro), (nn, rn) = d["original"], d["near_miss"]
        lines.append(f"| {t} | {_pct(ro)} of {no} | {_pct(rn)} of {nn} |")
    wrong = [x for x in s["rows"] if not x["ok"]]
    if wrong:
        lines += [
            "",
            "<details><summary>What the suite got wrong</summary>",
            "",
            "| id | kind | question | answer |",
            "|---|---|---|---|",
        ]
        for x in wrong:
            text = x["answer"].replace("\n", " ").replace("|", "\\|")
            lines.append(
                f"| {x['id']} | {x['kind']} | {x['question'].replace('|', '/')} | "
                f"{text if len(text) < 120 else text[:117] + '...'} |"
            )
        lines += ["", "</details>"]
    return lines + [""]


def _render_frozen(f: dict, settings: Settings) -> list[str]:
    """The frozen set: totals, per type, per document, every answer."""
    head = (
        "| {} | questions | answer accuracy | citation accuracy | unanswerable refused | answerable refused | "
        "short EM / F1 | words p50 / p90 |"
    )

    def row(name, x):
        return (
            f"| {name} | {x['questions']} | {_pct(x['answer_accuracy'])} | {_pct(x['citation_accuracy'])} | "
            f"{_pct(x['refused_unanswerable'])} | {_pct(x['refused_answerable'])} | "
            f"{_pct(x['short_em'])} / {x['short_f1']:.2f} | {x['words_p50']:.0f} / {x['words_p90']:.0f} |"
        )

    lines = [
        "## Frozen set over other documents (frozen, untuned)",
        "",
        "rag/eval/data/frozen/: 71 questions over four documents of other kinds (a 13-page PDF report, an HTML and a "
        "Markdown manual page, a hard-wrapped licence), written before any tuning by someone who had not read the "
        "engine, and never changed or tuned on. The four are indexed together.",
        "",
        head.format("set"),
        "|---|---|---|---|---|---|---|---|",
        row("all", f),
        "",
        head.format("type"),
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [row(t, x) for t, x in f["by_type"].items()]
    lines += ["", head.format("document"), "|---|---|---|---|---|---|---|---|"]
    lines += [row(d, x) for d, x in f["by_doc"].items()]
    lines += ["", "| id | type | analysed as | facts | cited | refusal ok | answer |", "|---|---|---|---|---|---|---|"]

    def mark(v):
        return "–" if v is None else ("yes" if v else "**no**")

    for r in f["rows"]:
        text = r["answer"].replace("\n", " ").replace("|", "\\|")
        lines.append(
            f"| {r['id']} | {r['type']} | {r['question_type'] or '–'} | {mark(r['facts'])} | {mark(r['cited'])} | "
            f"{mark(r['refusal_ok'])} | {text if len(text) < 140 else text[:137] + '...'} |"
        )
    return lines + [""]


def render(results: dict, command: str, settings: Settings) -> str:
    lines = [
        "# Evaluation",
        "",
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d')}, "
        f"embedding backend `{results['backend']}` on {results['cpu']}.",
        "",
        f"Settings: model `{settings.embed_model}`, fusion `{settings.fusion}` "
        f"(weights dense {settings.dense_weight} / BM25 {settings.bm25_weight}), passages of at most "
        f"{settings.max_passage_words} words, reader `{settings.reader}` reading the top "
        f"{settings.scoring.reader_passages} passages, decision model `{settings.decision_model}` answering at a "
        f"probability of at least {settings.scoring.answer_min:.3f} (types the reader reads) or "
        f"{settings.scoring.answer_min_unread:.3f} (the rest). How these were chosen (fusion on SciFact train "
        "queries; the ranker, the decision and its threshold on the tune articles of SQuAD part A): docs/TUNING.md.",
        "",
        "Metrics. Dev: *answer accuracy* = every must_include group matched in the answer; *citation accuracy* = "
        "a cited passage contains an evidence string; *refusal accuracy* over all questions (unanswerable ones must "
        "be refused, answerable ones must not). SQuAD: *answer contains gold* = a gold answer string inside the "
        "answer text; *first citation on gold paragraph* = citation [1] is the question's paragraph; refusals count "
        "as misses. Answer lengths are in words, citation markers not counted.",
        "",
    ]
    if "dev" in results:
        lines += _render_dev(results["dev"], results.get("dev_reader_off"))
    if "dev_suite" in results:
        lines += _render_suite(
            "Perturbation suite over the seed article (from the dev questions)", results["dev_suite"]
        )
    for key, part in (
        ("frozen", _render_frozen),
        ("checker", _render_checker),
        ("generated", _render_generated),
        ("scifact", _render_scifact),
        ("squad", _render_squad),
    ):
        if key in results:
            lines += part(results[key], settings)
    return "\n".join(lines)
