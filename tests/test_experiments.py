"""The helpers the experiments (experiments/) and benchmarks (benchmarks/) share, on small inputs."""

from __future__ import annotations

import math
import os
import shutil
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "experiments"), str(ROOT / "benchmarks")]

import bench_common
import common
import corpora
import roofline
import tune_fusion

from rag.eval.squad import SquadQuestion  # noqa: E402
from rag.settings import Settings  # noqa: E402


def _question(answer: str, doc_id: str = "gold", impossible: bool = False) -> SquadQuestion:
    return SquadQuestion("q1", "Who challenged Amnesty?", doc_id, "Article", impossible, ((answer, 0),))


def test_write_section_replaces_between_markers_and_appends_when_absent(tmp_path):
    doc = tmp_path / "TUNING.md"
    doc.write_text("# Tuning\n\nprose\n<!-- a -->\nold\n<!-- /a -->\nmore prose\n", encoding="utf-8")
    common.write_section("a", "new table", doc)
    common.write_section("b", "other", doc)
    assert doc.read_text(encoding="utf-8") == ("# Tuning\n\nprose\n<!-- a -->\nnew table\n<!-- /a -->\nmore prose\n\n"
                                               "<!-- b -->\nother\n<!-- /b -->\n")


def test_document_figures_rank_documents_at_their_best_passage():
    passages = [SimpleNamespace(doc_id=d) for d in ("da", "da", "db", "dc")]
    id_map = {"da": "A", "db": "B", "dc": "C"}
    qrels = {"q": {"B": 1}}
    # passages 0 and 1 are one document: B is the second document, not the third
    ndcg, recall = corpora.document_figures({"q": [(0, 0.9), (1, 0.8), (2, 0.7)]}, passages, id_map, qrels)
    assert ndcg == pytest.approx(1 / math.log2(3))
    assert recall == 1.0
    assert corpora.document_figures({"q": [(3, 0.9)]}, passages, id_map, qrels) == (0.0, 0.0)


def test_fusion_grid_ranks_with_the_products_fuse():
    cands = {"q": ({1: 1.0, 2: 0.9, 3: 0.0}, {3: 10.0, 2: 9.0, 4: 0.0})}
    top = lambda setting: tune_fusion.fused(cands, Settings(), setting)["q"][0][0]  # noqa: E731
    assert (top(tune_fusion.DENSE_ONLY), top(tune_fusion.BM25_ONLY)) == (1, 3)
    assert top(("convex", 0.5, 0)) == 2  # close behind the best in both lists
    assert tune_fusion.label(("convex", 0.3, 0)) == "convex, min-max normalised, dense 0.3 / BM25 0.7"
    assert tune_fusion.label(("rrf", 0.4, 60)) == "RRF, dense weight 0.4, k = 60"


def test_fusion_table_bolds_the_pick_and_leaves_unjudged_test_cells_empty():
    pick, product = ("convex", 0.4, 0), ("convex", 0.5, 0)
    lines = tune_fusion.table({pick: 0.7251, product: 0.72}, {pick: (0.73, 0.95)}, pick, product, [pick, product])
    assert lines[2] == "| **convex, min-max normalised, dense 0.4 / BM25 0.6** | 0.725 | 0.730 | 0.950 |"
    assert lines[3] == "| convex, min-max normalised, dense 0.5 / BM25 0.5 (the product's) | 0.720 | – | – |"


def test_kept_assistant_loads_the_index_it_finds(seed_index_dir, tmp_path):
    shutil.copytree(seed_index_dir, tmp_path / "index", symlinks=True)
    kept = corpora.kept_assistant([], Settings(), tmp_path)  # no documents: it must not build
    assert len(kept.index.passages) > 0


def test_memory_figures_of_this_process_and_of_one_gone():
    assert bench_common.peak_rss_mb() >= bench_common.status_mb("VmRSS") > 0
    assert bench_common.peak_rss_mb(os.getpid()) > 0
    assert bench_common.status_mb("VmHWM", 2**22 + 1) is None  # above Linux's largest pid


def test_keep_sections_puts_other_scripts_blocks_in_place_of_placeholders():
    old = "# B\n<!-- api -->\nmeasured table\n<!-- /api -->\n<!-- extra -->\nx\n<!-- /extra -->\n"
    new = "# B\n## API\n<!-- api -->\nNot measured yet.\n<!-- /api -->\ntail\n"
    kept = bench_common.keep_sections(new, old)
    assert kept.startswith("# B\n## API\n<!-- api -->\nmeasured table\n<!-- /api -->\ntail\n")
    assert "Not measured yet" not in kept and kept.rstrip().endswith("<!-- extra -->\nx\n<!-- /extra -->")
    assert bench_common.keep_sections(new, "") == new


def test_benchmark_report_lists_targets_met_and_missed_above_its_sections():
    import bench_scale

    latency = {"n": 230, "items": 46, "passages": 24, "load_s": 1.0, "retrieval_p50": 2.0, "retrieval_p95": 3.0,
               "answer_p50": 60.0, "answer_p95": 80.0}
    res = {"when": "2026-01-01", "cpu": "x86_64, 2 cores", "mem_gb": 8, "latency_article": latency,
           "coldstart": {"auto": {"listening_s": 2.0, "first_answer_s": 3.0, "peak_rss_mb": 500}}, "coldstart_auto": "onnx"}
    text = bench_scale.render(res, "python benchmarks/bench_scale.py", plotted=False)
    assert text.index("## Targets") < text.index("## Query latency") < text.index("## Cold start")
    assert ("| Article end-to-end answer p50 unchanged or better (9.3 ms before; within 10% for noise) | 60.0 ms | "
            "**missed** |") in text
    assert "| Cold start of `rag serve` to its first answer ≤ 4 s | 3.0 s | **met** |" in text
    assert "| auto (onnx here) | 2.0 s | 3.0 s | 500 MB |" in text and "46 questions" in text
    assert "in one run on 2026-01-01" in text and "<!-- openai_concurrency -->" in text


def test_benchmark_report_holds_the_rebuild_to_5_percent_and_the_embedding_to_the_roofline():
    import bench_scale

    top = {"op": "MatMulInteger", "m": 256, "k": 0, "n": 0, "gops": 400.0}
    res = {"when": "2026-01-01", "cpu": "AMD EPYC (x86_64), 2 cores", "mem_gb": 8,
           "roofline": {"rates": [], "peak": top, "cores": 2, "tokens_per_core_s": 20_000.0, "ops_per_token": 21_233_664},
           "scifact": {"documents": 10, "passages": 20, "tokens": 40_000, "queries": 5},
           "backends": [{"backend": b, "load_s": 0.1, "embed_s": 4.0, "embed_cpu_s": 8.0, "build_s": 5.0, "docs_per_s": 2.5,
                         "tokens_per_s": 10_000.0, "ndcg_dense": 0.65, "ndcg_hybrid": 0.73, "delta_vs_fp32": 0.001}
                        for b in ("torch", "onnx", "onnx-int8")],
           "ingest": {"first": {"seconds": 100.0, "output": "first"}, "rebuild": {"seconds": 6.0, "output": "again"},
                      "passages": 20, "sentences": 50, "backend": "onnx-int8", "ratio": 0.06,
                      "rebuild_parts": {"parts": {"start Python": 0.05, "hash the build's files (SHA-1: intact?)": 0.2},
                                        "files": 10, "build_mb": 1.0}}}
    text = bench_scale.render(res, "python benchmarks/bench_scale.py", plotted=False)
    assert "| Unchanged rebuild ≤ 5% of the first build (SciFact, whole process) | 6.0% | **missed** |" in text
    assert "5,000 tokens per CPU-second = 25% of 20,000" in text  # 40,000 tokens in 8 CPU-seconds, per core
    assert "| hash the build's files (SHA-1: intact?) | 0.200 |" in text and "| **sum** | **0.250** |" in text
    assert "**400 GOPS per core**" in text and "40,000 tokens/s on 2 cores" in text


def test_roofline_counts_the_int8_ops_of_minilms_quantised_matmuls():
    # 6 layers x (query, key, value, output: 384 x 384; FFN: 384 x 1536 and back), 2 ops per multiply-add
    assert roofline.int8_ops_per_token() == 6 * 2 * (4 * 384 * 384 + 2 * 384 * 1536) == 21_233_664


def test_roofline_peak_weighs_each_shape_by_its_share_of_the_ops():
    rates = [roofline.GemmRate("MatMulInteger", 256, k, n, g) for (k, n), g in
             (((384, 384), 100.0), ((384, 1536), 400.0), ((1536, 384), 400.0))]
    rates += [roofline.GemmRate("QLinearMatMul", 256, k, n, 50.0) for k, n in set(roofline.LAYER_SHAPES)]
    top = roofline.peak(rates)
    # 4 square MatMuls of 384 x 384 ops at 100, 2 of 4 x that at 400: time 4 / 100 + 8 / 400 per 12 units
    assert (top.op, top.m) == ("MatMulInteger", 256)
    assert top.gops == pytest.approx(12 / (4 / 100 + 8 / 400))
    assert roofline.tokens_per_core_second(top) == pytest.approx(top.gops * 1e9 / 21_233_664)


def test_measure_gemm_times_a_real_int8_gemm_on_one_core():
    rate = roofline.measure_gemm("MatMulInteger", 64, 384, 384, repeats=1, seconds=0.05)
    assert (rate.op, rate.m, rate.k, rate.n) == ("MatMulInteger", 64, 384, 384)
    assert 1 < rate.gops < 10_000  # billions of int8 ops per CPU-second of one core
    assert roofline.measure_gemm("QLinearMatMul", 64, 384, 1536, repeats=1, seconds=0.05).gops > 1
