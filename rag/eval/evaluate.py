"""`rag eval`: answer, citation and refusal accuracy on the dev questions; retrieval on
SciFact; answer quality and abstention on SQuAD 2.0. Writes docs/EVALUATION.md.

Every accuracy figure comes with the median and 90th-percentile answer length in
words, because a long answer that contains everything is not a good answer.
"""

from __future__ import annotations

import json
import math
import re
import sys
import tarfile
import tempfile
import time
from importlib import resources
from pathlib import Path

import numpy as np

from ..answer.reader import load_reader
from ..settings import Settings
from ..store.documents import Document, content_id, passage_text_for_search
from .squad import SquadQuestion, article_splits, load_squad


# -- shared ------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def answer_words(text: str) -> int:
    """Words of an answer, citation markers and bullets not counted."""
    return len(re.sub(r"\[\d+\]|^- ", " ", text, flags=re.M).split())


def _norm(text: str) -> str:
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text)


def _assistant_for(docs: list[Document], settings: Settings, workdir: Path, with_sentences: bool = True):
    from ..assistant import Assistant
    from ..ingest.build import write_index

    settings = settings.replace(index_dir=workdir / "index")
    report = write_index(docs, [], settings, show_progress=sys.stderr.isatty(), with_sentences=with_sentences)
    return Assistant(settings), report


# -- dev questions -------------------------------------------------------------
def bundled_dev_questions() -> Path:
    return Path(str(resources.files("rag.eval") / "data" / "dev_questions.jsonl"))


def load_dev_questions(path: Path | None = None) -> list[dict]:
    """The dev questions of a JSON-lines file, one dict each (default: the bundled ones)."""
    text = (path or bundled_dev_questions()).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def judge(item: dict, ans) -> dict:
    """One dev answer judged: every must_include group matched (facts), an evidence string in a
    cited passage (cited), and the refusal right; facts and cited are None for unanswerable items."""
    if not item["answerable"]:
        return {"facts": None, "cited": None, "refusal_ok": ans.refused}
    text = _norm(ans.answer)
    return {"facts": all(any(_norm(s) in text for s in group) for group in item["must_include"]),
            "cited": any(_norm(ev) in _norm(c.text) for c in ans.citations for ev in item["evidence"]),
            "refusal_ok": not ans.refused}


def _accuracies(rows: list[dict]) -> dict:
    """Answer, citation and refusal accuracy and answer lengths over judged rows."""
    answerable = [r for r in rows if r["facts"] is not None]
    words = [r["words"] for r in rows if not r["refused"]]
    nothing = float("nan")  # no answerable question (a type of refusals only): nothing to measure
    return {
        "questions": len(rows),
        "answer_accuracy": sum(r["facts"] for r in answerable) / len(answerable) if answerable else nothing,
        "citation_accuracy": sum(r["cited"] for r in answerable) / len(answerable) if answerable else nothing,
        "refusal_accuracy": sum(r["refusal_ok"] for r in rows) / max(1, len(rows)),
        "words_p50": percentile(words, 50),
        "words_p90": percentile(words, 90),
    }


def eval_dev(assistant, items: list[dict]) -> dict:
    """Answer, citation and refusal accuracy; answer lengths; latency per question."""
    rows, latencies = [], []
    for item in items:
        t = time.perf_counter()
        ans = assistant.ask(item["question"], [tuple(h) for h in item.get("history") or []])
        latencies.append((time.perf_counter() - t) * 1000)
        rows.append({"id": item["id"], "type": item.get("type", "factoid"), "question": item["question"],
                     "answer": ans.answer, "refused": ans.refused, "question_type": ans.question_type,
                     **judge(item, ans), "words": answer_words(ans.answer)})
    types = sorted({r["type"] for r in rows})
    return {
        **_accuracies(rows),
        "by_type": {t: _accuracies([r for r in rows if r["type"] == t]) for t in types},
        "latency_ms_p50": percentile(latencies, 50),
        "latency_ms_p95": percentile(latencies, 95),
        "rows": rows,
    }


def eval_generated(assistant, items: list[dict], engine: str) -> dict:
    """The dev questions through LLM engine ``engine``: the dev measures plus ALCE-style citation
    recall (share of answer sentences backed by the citations the model wrote) and precision
    (share of the model's citations that back their sentence), averaged over generated answers."""
    rows, recalls, precisions, sentences, supported, fallbacks, written = [], [], [], 0, 0, 0, 0
    for item in items:
        ans = assistant.ask(item["question"], [tuple(h) for h in item.get("history") or []], engine=engine)
        generated = ans.check is not None
        if generated and ans.check.claims:
            recalls.append(ans.check.citation_recall)
            written += sum(len(c.cited) for c in ans.check.claims)
            if any(c.cited for c in ans.check.claims):
                precisions.append(ans.check.citation_precision)
            sentences += len(ans.sentences)
            supported += sum(s.supported for s in ans.sentences)
        elif not ans.refused:
            fallbacks += 1
        rows.append({"id": item["id"], "answer": ans.answer, "refused": ans.refused, **judge(item, ans),
                     "generated": generated,
                     "recall": ans.check.citation_recall if generated and ans.check.claims else None,
                     "precision": ans.check.citation_precision if generated else None,
                     "words": answer_words(ans.answer)})
    return {
        "engine": assistant.describe(engine), **_accuracies(rows),
        "citation_recall": float(np.mean(recalls)) if recalls else float("nan"),
        "citation_precision": float(np.mean(precisions)) if precisions else float("nan"),
        "generated": len(recalls), "fallbacks": fallbacks, "citations_written": written,
        "sentences_supported": supported / sentences if sentences else float("nan"),
        "rows": rows,
    }


def calibrate_checker(assistant, items: list[dict], thresholds=(0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)) -> dict:
    """How well the citation check separates backed from unbacked claims, on the dev questions.

    Positives: each sentence of the extractive answers with the passage it was quoted from,
    and the first half of each (at least six words): a partial quote, still backed.
    Negatives: the same sentence cited to another retrieved passage that does not hold it,
    and the sentence with one name or number swapped for another from the sources, cited
    to its own passage (a misattribution or wrong figure). Reports the share of each kept
    at several support thresholds; the engine uses ``settings.support_min``.
    """
    from ..answer import citecheck

    retriever = assistant._engine.retriever
    index = retriever.index
    names = sorted({w for p in index.passages for w in citecheck.names_and_numbers(p.text)})
    pos, partial, neg_passage, neg_swap = [], [], [], []

    def score(text: str, pid: int, question: str) -> float:
        """The support passage ``pid`` gives ``text``: its weakest sentence's (0 when a name or number is missing)."""
        scores = []
        for claim, _ in citecheck.split_claims(text):
            checked = citecheck.check(claim + " [1]", [pid], retriever, -1.0, question=question)
            support = checked.claims[0].supports.get(1) if len(checked.claims) == 1 else None
            scores.append(support.score if support is not None else 0.0)
        return min(scores, default=0.0)

    for item in items:
        if not item["answerable"]:
            continue
        ans = assistant.ask(item["question"], [tuple(h) for h in item.get("history") or []])
        if ans.refused:
            continue
        hits = retriever.search(ans.standalone_question, k=5)
        for sent in ans.sentences:
            if sent.text.rstrip(" \"'”’").endswith("?"):
                continue  # a quoted question asserts nothing a source could back
            c = ans.citations[sent.citations[0] - 1]
            pid = index.passages.at(c.doc_id, c.start)
            pos.append(score(sent.text, pid, ans.standalone_question))
            for claim, _ in citecheck.split_claims(sent.text):
                half = claim.split()[: max(6, len(claim.split()) // 2)]
                partial.append(score(" ".join(half).rstrip(",;:") + ".", pid, ans.standalone_question))
            other = next((h.pid for h in hits if h.pid != pid and sent.text not in index.passages[h.pid].text), None)
            if other is not None:
                neg_passage.append(score(sent.text, other, ans.standalone_question))
            own = [w for w in citecheck.names_and_numbers(sent.text) if re.search(rf"\b{re.escape(w)}\b", sent.text)]
            if own:
                swap = next(w for w in names if w not in own and w[:1].isdigit() == own[0][:1].isdigit())
                swapped = re.sub(rf"\b{re.escape(own[0])}\b", swap, sent.text, count=1)
                neg_swap.append(score(swapped, pid, ans.standalone_question))
    kept = lambda scores, t: sum(s >= t for s in scores) / len(scores) if scores else float("nan")  # noqa: E731
    return {"positives": len(pos), "partial": len(partial), "wrong_passage": len(neg_passage), "swapped": len(neg_swap),
            "table": [(t, kept(pos, t), kept(partial, t), kept(neg_passage, t), kept(neg_swap, t)) for t in thresholds]}


# -- SciFact ---------------------------------------------------------------------
def load_beir(tar_path: Path, split: str = "test") -> tuple[list[Document], dict[str, str], dict[str, dict[str, int]], dict[str, str]]:
    """Documents, queries, qrels and the doc_id -> BEIR id map from a BEIR tarball."""
    corpus, queries, qrels = [], {}, {}
    with tarfile.open(tar_path) as tar:
        for member in tar.getmembers():
            name = member.name
            if not member.isfile():
                continue
            data = tar.extractfile(member).read().decode("utf-8")
            if name.endswith("corpus.jsonl"):
                corpus = [json.loads(line) for line in data.splitlines() if line.strip()]
            elif name.endswith("queries.jsonl"):
                queries = {q["_id"]: q["text"] for q in map(json.loads, filter(str.strip, data.splitlines()))}
            elif name.endswith(f"qrels/{split}.tsv"):
                for line in data.splitlines()[1:]:
                    qid, did, score = line.split("\t")[:3]
                    qrels.setdefault(qid, {})[did] = int(score)
    docs, id_map = [], {}
    for rec in corpus:
        text = (rec.get("text") or "").strip()
        if not text:
            continue
        doc = Document(content_id(rec["_id"] + "\0" + text), rec.get("title") or rec["_id"], f"scifact:{rec['_id']}", text)
        docs.append(doc)
        id_map[doc.doc_id] = rec["_id"]
    return docs, {q: queries[q] for q in qrels if q in queries}, qrels, id_map


def ndcg_at(ranked: list[str], rel: dict[str, int], k: int = 10) -> float:
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:k]))
    ideal = sorted(rel.values(), reverse=True)[:k]
    idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[str], rel: dict[str, int], k: int = 100) -> float:
    relevant = {d for d, r in rel.items() if r > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def doc_ranking(pids_scores: list[tuple[int, float]], index, id_map: dict[str, str]) -> list[str]:
    """Passage ranking -> document ranking (a document ranks at its best passage)."""
    seen, out = set(), []
    for pid, _ in pids_scores:
        did = id_map[index.passages[pid].doc_id]
        if did not in seen:
            seen.add(did)
            out.append(did)
    return out


def rank_all(retriever, queries: dict[str, str], id_map: dict[str, str], depth: int = 300,
             reader=None, rerank: int = 20) -> dict[str, dict[str, list[str]]]:
    """Dense, BM25 and hybrid document rankings for every query; with a reader, also the hybrid
    ranking with its top ``rerank`` passages reordered by the reader's relevance score."""
    from ..text.terms import terms

    index = retriever.index
    out: dict[str, dict[str, list[str]]] = {"dense": {}, "bm25": {}, "hybrid": {}}
    qids = list(queries)
    qvecs = retriever.embedder.encode([queries[q] for q in qids])
    for qid, qvec in zip(qids, qvecs):
        q = queries[qid]
        dense = retriever.dense_scores(qvec, depth)
        bm25 = retriever.bm25_scores(terms(q), depth)
        out["dense"][qid] = doc_ranking(sorted(dense.items(), key=lambda x: -x[1]), index, id_map)
        out["bm25"][qid] = doc_ranking(sorted(bm25.items(), key=lambda x: -x[1]), index, id_map)
        hits = retriever.fused_hits(dense, bm25, k=depth)  # the candidates above, not searched again
        out["hybrid"][qid] = doc_ranking([(h.pid, h.score) for h in hits], index, id_map)
        if reader is not None:
            top = hits[:rerank]
            readings = reader.read(q, [passage_text_for_search(index.passages[h.pid], index.documents[index.passages[h.pid].doc_id],
                                                               retriever.settings) for h in top])
            order = sorted(range(len(top)), key=lambda i: -readings[i].relevance)
            reranked = [(top[i].pid, 0.0) for i in order] + [(h.pid, h.score) for h in hits[rerank:]]
            out.setdefault("hybrid + reader", {})[qid] = doc_ranking(reranked, index, id_map)
    return out


def score_rankings(rankings: dict[str, dict[str, list[str]]], qrels: dict[str, dict[str, int]]) -> dict[str, dict[str, float]]:
    return {
        name: {
            "ndcg@10": float(np.mean([ndcg_at(r[q], qrels[q]) for q in r])),
            "recall@100": float(np.mean([recall_at(r[q], qrels[q]) for q in r])),
        }
        for name, r in rankings.items()
    }


def _workdir(work_dir: Path | None, name: str):
    """A kept folder under ``work_dir`` (its index doubles as the embedding cache) or a temporary one."""
    if work_dir:
        path = Path(work_dir) / name
        path.mkdir(parents=True, exist_ok=True)
        import contextlib

        return contextlib.nullcontext(str(path))
    return tempfile.TemporaryDirectory()


def eval_scifact(tar_path: Path, settings: Settings, split: str = "test", limit: int | None = None,
                 work_dir: Path | None = None) -> dict:
    """nDCG@10 and recall@100 for dense, BM25 and hybrid retrieval on a BEIR split."""
    docs, queries, qrels, id_map = load_beir(Path(tar_path), split)
    if limit:
        queries = dict(list(queries.items())[:limit])
    with _workdir(work_dir, "scifact") as tmp:
        # deeper candidate lists than the product's, for recall@100
        assistant, build = _assistant_for(docs, settings.replace(dense_k=300, bm25_k=300), Path(tmp), with_sentences=False)
        retriever = assistant._engine.retriever
        rankings = rank_all(retriever, queries, id_map, reader=load_reader(settings.reader))
    result = score_rankings(rankings, qrels)
    return {"split": split, "queries": len(queries), "documents": len(docs),
            "passages": len(retriever.index.passages), "build_seconds": build.seconds, "embedded": build.embedded,
            "scores": result}


# -- SQuAD 2.0 ---------------------------------------------------------------------
def judge_squad(q: SquadQuestion, ans) -> dict:
    """One SQuAD answer judged: refused, gold answer inside the answer text, first citation on the gold paragraph."""
    text = _norm(ans.answer)
    return {"impossible": q.impossible, "refused": ans.refused, "words": answer_words(ans.answer),
            "contains": not ans.refused and any(_norm(a) in text for a in q.answer_texts),
            "first_gold": not ans.refused and bool(ans.citations) and ans.citations[0].doc_id == q.doc_id}


def squad_figures(rows: list[dict]) -> dict:
    """Aggregates of judged SQuAD rows (the first two over answerable questions, refusals count as misses)."""
    answerable = [r for r in rows if not r["impossible"]]
    unanswerable = [r for r in rows if r["impossible"]]
    words = [r["words"] for r in answerable if not r["refused"]]
    share = lambda rs, key: sum(r[key] for r in rs) / max(1, len(rs))  # noqa: E731
    return {"questions": len(rows), "answerable": len(answerable), "unanswerable": len(unanswerable),
            "answer_contains_gold": share(answerable, "contains"), "first_citation_gold": share(answerable, "first_gold"),
            "false_refusal_rate": share(answerable, "refused"), "refusal_rate_unanswerable": share(unanswerable, "refused"),
            "words_p50": percentile(words, 50), "words_p90": percentile(words, 90)}


def eval_squad(path: Path, settings: Settings, limit: int | None = None, work_dir: Path | None = None,
               split: str = "test", readers: tuple[str, ...] = ("bundled", "off")) -> dict:
    """Gold answer inside the answer, first citation on the gold paragraph, refusals, latency: for the
    questions of the ``split`` articles (rag/eval/squad.py), over an index of every paragraph of the file,
    once per reader setting."""
    from ..assistant import Assistant

    docs, questions = load_squad(Path(path))
    which = article_splits(sorted({q.title.replace(" ", "_") for q in questions}))
    questions = [q for q in questions if which[q.title.replace(" ", "_")] == split]
    if limit:
        # every n-th question, so a quick run still spans all articles
        questions = questions[:: max(1, len(questions) // limit)][:limit]
    out: dict = {"paragraphs": len(docs), "split": split, "articles": len({q.title for q in questions}), "runs": {}}
    with _workdir(work_dir, "squad") as tmp:
        base, _ = _assistant_for(docs, settings, Path(tmp))
        for reader in readers:
            assistant = Assistant(base.settings.replace(reader=reader), embedder=base.embedder)
            rows, latencies = [], []
            for q in questions:
                t = time.perf_counter()
                ans = assistant.ask(q.question)
                latencies.append((time.perf_counter() - t) * 1000)
                rows.append(judge_squad(q, ans))
            out["runs"][reader] = {**squad_figures(rows), "latency_ms_p50": percentile(latencies, 50),
                                   "latency_ms_p95": percentile(latencies, 95)}
    return out


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
        assistant = _assistant_for(docs, settings.replace(engine="extractive"), Path(tmp))[0]
        # int8 vectors differ a little by CPU kind (docs/TUNING.md), so the report names both
        results["backend"], results["cpu"] = assistant.embedder.backend, describe_cpu()
        results["dev"] = eval_dev(assistant, items)
        if settings.reader != "off":
            from ..assistant import Assistant

            off = Assistant(assistant.settings.replace(reader="off"), embedder=assistant.embedder)
            results["dev_reader_off"] = eval_dev(off, items)
        results["checker"] = calibrate_checker(assistant, items)
        if engine != "extractive":
            llm_assistant = _assistant_for(docs, settings, Path(tmp) / "llm")[0]
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
