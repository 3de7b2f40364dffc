"""`rag train-reader`: fine-tune the bundled MiniLM into the reader rag/answer/reader.py runs.

The model reads "[CLS] question [SEP] passage [SEP]" and gives, per token, a start and
an end score for the answer (the [CLS] token's pair is the "no answer" score, as in
SQuAD 2.0 readers), and from [CLS] a relevance score ("this passage answers it").
Training: cross-entropy on the answer's first and last token (the [CLS] token when
the window holds no answer) plus a weighted binary cross-entropy on relevance.
The word embeddings stay frozen (they hold half the weights and the small data would
only blur them). Deterministic for a seed; a checkpoint is written every few minutes
and a re-run with the same arguments continues from it. The result is an int8 ONNX
graph, its tokenizer and a model card (rag/train/reader_export.py); with a split SQuAD
file, also the answerable head on the new graph's [CLS] vectors (rag/train/reader_head.py).

Needs torch and transformers (installed with sentence-transformers); reading needs
neither.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..answer.reader_features import Window, answer_tokens, make_tokenizer, pad, windows
from .reader_data import Example

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that shapes a training run (recorded in the model card)."""

    base_model: str
    out_dir: Path
    epochs: float = 2.0
    lr: float = 1e-4
    batch_size: int = 16
    max_length: int = 256
    stride: int = 96
    warmup: float = 0.1
    weight_decay: float = 0.01
    relevance_weight: float = 0.5
    seed: int = 13
    checkpoint_minutes: float = 5.0

    def to_json(self) -> dict:
        return {k: str(v) if isinstance(v, Path) else v for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True)
class Feature:
    """A window with its labels: answer start/end token (0, 0: no answer), relevance, and whether spans are trained."""

    window: Window
    start: int
    end: int
    relevant: float
    spans: bool


def featurize(examples: list[Example], tok) -> list[Feature]:
    """Every window of every example, labelled."""
    out: list[Feature] = []
    for ex in examples:
        for w in windows(tok, ex.question, [ex.context]):
            pos = None
            for text, start in ex.answers[:1]:
                pos = answer_tokens(w, start, start + len(text))
            if pos is not None:
                out.append(Feature(w, pos[0], pos[1], 1.0, ex.spans))
            else:
                # an answerable question's window that cuts its answer off is a window without it
                out.append(Feature(w, 0, 0, float(ex.relevant and not ex.spans), ex.spans))
    return out


def batches(features: list[Feature], size: int, seed: int, epoch: int) -> list[list[int]]:
    """Batches of similar length (little padding), in an order fixed by ``seed`` and ``epoch``."""
    rng = random.Random(seed * 1000 + epoch)
    order = list(range(len(features)))
    rng.shuffle(order)
    # sort within chunks of 50 batches by length, then shuffle the batches
    chunk = size * 50
    out: list[list[int]] = []
    for i in range(0, len(order), chunk):
        part = sorted(order[i : i + chunk], key=lambda j: len(features[j].window.ids))
        out.extend(part[k : k + size] for k in range(0, len(part), size))
    rng.shuffle(out)
    return out


def make_net(base_model: str):
    """The encoder of ``base_model`` with a span head (start, end per token) and a relevance head ([CLS])."""
    import torch
    from transformers import AutoModel

    class ReaderNet(torch.nn.Module):
        def __init__(self, encoder):
            super().__init__()
            self.encoder = encoder
            hidden = encoder.config.hidden_size
            self.span = torch.nn.Linear(hidden, 2)
            self.relevance = torch.nn.Linear(hidden, 1)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
            logits = self.span(h)
            return logits[..., 0], logits[..., 1], self.relevance(h[:, 0]).squeeze(-1)

    encoder = AutoModel.from_pretrained(base_model, attn_implementation="eager")
    encoder.embeddings.word_embeddings.weight.requires_grad = False
    return ReaderNet(encoder)


def _tensors(features: list[Feature], rows: list[int]):
    import torch

    batch = [features[r] for r in rows]
    ids, mask, types = (torch.from_numpy(a) for a in pad([f.window for f in batch]))
    allowed = torch.zeros_like(mask, dtype=torch.bool)
    for j, f in enumerate(batch):
        allowed[j, : len(f.window.ids)] = torch.from_numpy(f.window.context)
    allowed[:, 0] = True  # [CLS]: no answer
    labels = {
        "start": torch.tensor([f.start for f in batch]),
        "end": torch.tensor([f.end for f in batch]),
        "relevant": torch.tensor([f.relevant for f in batch]),
        "spans": torch.tensor([f.spans for f in batch]),
    }
    return ids, mask, types, allowed, labels


def loss_of(net, features: list[Feature], rows: list[int], relevance_weight: float):
    """The batch's loss: span cross-entropy (rows that train spans) + weighted relevance BCE."""
    import torch.nn.functional as F

    ids, mask, types, allowed, y = _tensors(features, rows)
    start, end, rel = net(ids, mask, types)
    start = start.masked_fill(~allowed, -1e4)
    end = end.masked_fill(~allowed, -1e4)
    loss = relevance_weight * F.binary_cross_entropy_with_logits(rel, y["relevant"].float())
    if y["spans"].any():
        s = y["spans"]
        loss = loss + (F.cross_entropy(start[s], y["start"][s]) + F.cross_entropy(end[s], y["end"][s])) / 2
    return loss


def _schedule(step: int, total: int, warmup: float) -> float:
    w = max(1, int(total * warmup))
    return step / w if step < w else max(0.0, (total - step) / max(1, total - w))


def train(config: TrainConfig, examples: list[Example], progress: bool = True) -> Path:
    """Train (or continue a killed run of) the reader; returns the folder with the trained weights."""
    import torch
    from tqdm import tqdm

    out = Path(config.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    random.seed(config.seed)
    np.random.seed(config.seed)
    torch.manual_seed(config.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    tok = make_tokenizer(str(Path(config.base_model) / "tokenizer.json"), config.max_length, config.stride)
    features = featurize(examples, tok)
    per_epoch = math.ceil(len(features) / config.batch_size)
    total = int(per_epoch * config.epochs)
    net = make_net(config.base_model)
    params = [p for p in net.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() > 1]
    rest = [p for p in params if p.dim() <= 1]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": config.weight_decay}, {"params": rest, "weight_decay": 0.0}], lr=config.lr
    )
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: _schedule(s, total, config.warmup))
    step, seconds = _resume(out, config, net, opt, sched)
    log.info("reader training: %d examples, %d windows, %d steps (%d done)", len(examples), len(features), total, step)
    net.train()
    bar = tqdm(total=total, initial=step, desc="training reader", unit="step", disable=not progress)
    last_save, started = time.monotonic(), time.monotonic() - seconds
    losses: list[float] = []
    order: tuple[int, list[list[int]]] = (-1, [])
    while step < total:
        epoch, k = divmod(step, per_epoch)
        if order[0] != epoch:
            order = (epoch, batches(features, config.batch_size, config.seed, epoch))
        rows = order[1][k]
        loss = loss_of(net, features, rows, config.relevance_weight)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        losses.append(loss.item())
        bar.update(1)
        bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
        if time.monotonic() - last_save > 60 * config.checkpoint_minutes or step == total:
            _save(out, config, net, opt, sched, step, time.monotonic() - started)
            last_save = time.monotonic()
    bar.close()
    return _save_trained(out, config, net, len(examples), len(features), total, started, losses)


def _save_trained(
    out: Path, config: TrainConfig, net, examples: int, windows: int, total: int, started: float, losses: list[float]
) -> Path:
    """The trained weights (encoder and heads) into ``out/weights``, and the run's record as ``out/training.json``."""
    import torch

    weights = out / "weights"
    net.encoder.save_pretrained(weights)
    torch.save({"span": net.span.state_dict(), "relevance": net.relevance.state_dict()}, weights / "heads.pt")
    (out / "training.json").write_text(
        json.dumps(
            {
                "config": config.to_json(),
                "examples": examples,
                "windows": windows,
                "steps": total,
                "seconds": round(time.monotonic() - started),
                "final_loss": float(np.mean(losses[-200:])) if losses else None,
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    return weights


def _save(out: Path, config: TrainConfig, net, opt, sched, step: int, seconds: float) -> None:
    import torch

    tmp = out / "checkpoint.pt.tmp"
    torch.save(
        {
            "config": config.to_json(),
            "step": step,
            "seconds": seconds,
            "model": net.state_dict(),
            "opt": opt.state_dict(),
            "sched": sched.state_dict(),
            "torch_rng": torch.get_rng_state(),
        },
        tmp,
    )
    os.replace(tmp, out / "checkpoint.pt")


def _resume(out: Path, config: TrainConfig, net, opt, sched) -> tuple[int, float]:
    """Load the checkpoint of an earlier run with the same config: (steps done, seconds spent)."""
    import torch

    path = out / "checkpoint.pt"
    if not path.exists():
        return 0, 0.0
    state = torch.load(path, weights_only=False)
    if state["config"] != config.to_json():
        raise ValueError(f"{path} was written by a run with other settings; remove it or use another --out")
    net.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    torch.set_rng_state(state["torch_rng"])
    return int(state["step"]), float(state["seconds"])


def train_reader(
    config: TrainConfig,
    squad_train: list[Path],
    squad_split: list[Path],
    beir: list[Path],
    model_dir: Path,
    progress: bool = True,
) -> Path:
    """Train on every article of ``squad_train``, the *train* articles of ``squad_split`` and BEIR train qrels;
    export to ``model_dir``; measure on the *tune* articles; write the model card; train the answerable head."""
    import shutil

    from ..answer.reader import Reader
    from .reader_data import beir_examples, squad_examples
    from .reader_eval import evaluate_reader
    from .reader_export import export_reader, write_card

    data: dict[str, int] = {}
    examples: list[Example] = []
    for path in squad_train:
        part = squad_examples(path, None, config.seed)
        data[f"{Path(path).name}, all articles (examples with hard negatives)"] = len(part)
        examples += part
    for path in squad_split:
        part = squad_examples(path, ("train",), config.seed)
        data[f"{Path(path).name}, train articles (examples with hard negatives)"] = len(part)
        examples += part
    for path in beir:
        part = beir_examples(path, "train", config.seed)
        data[f"{Path(path).name}, train qrels (relevance only)"] = len(part)
        examples += part
    if not examples:
        raise ValueError("no training data: give --squad-train, --squad or --beir")
    weights = train(config, examples, progress)
    export_reader(weights, model_dir, config.max_length, config.stride, config.base_model)
    tune = [ex for path in squad_split for ex in squad_examples(path, ("tune",), config.seed)]
    metrics = fp32 = None
    if tune:
        metrics = evaluate_reader(Reader(model_dir, head=False), tune)
        fp32 = evaluate_reader(Reader(model_dir, graph=weights / "model.fp32.onnx", head=False), tune)
    training = json.loads((Path(config.out_dir) / "training.json").read_text(encoding="utf-8"))
    training["metrics"] = {"int8": metrics, "fp32": fp32}
    (Path(config.out_dir) / "training.json").write_text(json.dumps(training, indent=1), encoding="utf-8")
    write_card(model_dir, training, data, metrics, fp32)
    shutil.copy(Path(config.out_dir) / "training.json", Path(model_dir) / "training.json")
    if squad_split:  # the answerable head reads this graph's [CLS] vectors: train it anew (rag/train/reader_head.py)
        from .reader_head import train_head

        train_head(
            [(Path(p), None) for p in squad_train] + [(Path(p), ("train",)) for p in squad_split],
            [(Path(p), ("tune",)) for p in squad_split],
            model_dir,
            config.seed,
            progress=progress,
        )
    return model_dir
