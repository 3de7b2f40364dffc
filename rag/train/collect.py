"""The training data of the learned ranker and decision: indexes of training articles, questions made
for each (rag/train/questions.py), and the features the engine computes for them.

Indexes come at two scales, because whether a word occurs *anywhere* in the sources means more
in one article than in twenty: each article alone (as a user's single report), and each file's
articles together (as a corpus, with distractors). ``train`` indexes hold only training articles;
``tune`` indexes hold the tune articles of the split file (rag/eval/squad.py), alone and inside
the whole file (as `rag eval` asks the test articles). Test articles are never used.

Collection runs in two passes over the same retrieval and reader work: the first keeps each
question's stage outputs and the candidate features the ranker learns from; after the ranker is
trained, the second ranks, composes and computes the decision features with it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..answer.analysis import analyze
from ..answer.asked import Asked
from ..answer.extractive import ExtractiveEngine
from ..answer.models import DecisionModels, TreeModel
from ..answer.rank import candidate_features
from ..answer.reader import load_reader
from ..answer.types import Answer
from ..answer.vocabulary import Vocabulary
from ..eval.perturb import Pools, PresentSwapper, Swapper
from ..eval.squad import SquadQuestion, article_splits, load_squad
from ..ingest.build import write_index
from ..search.embedding import Embedder
from ..search.retrieval import Retriever
from ..settings import Settings
from ..store.documents import Document
from ..store.index import load_index
from .masked import masked_article
from .questions import (
    TrainQuestion,
    casual,
    near_misses,
    near_misses_present,
    off_topic,
    real_questions,
    templates,
)

NEAR_MISS_SHARE = 0.5  # of a setting's answerable questions, a near-miss is tried for this share
# and a near-miss with a name or number the index mentions elsewhere for this share (about half as many)
PRESENT_NEAR_MISS_SHARE = 0.25
CASUAL_SHARE = 0.15
# of an article's answerable questions, the sentences answering this share are taken out in each masked copy (a
# fifth: about a quarter of a SQuAD article's text, whose sentences each answer several questions)
MASKED_SHARE = 0.2
OFF_TOPIC_SHARE = 0.12  # off-topic questions, as a share of a setting's own questions


@dataclass
class Setting:
    """One training or tune index: its documents and the questions asked of it."""

    name: str
    split: str  # "train" or "tune"
    docs: list[Document]
    own: list[SquadQuestion]  # the SQuAD questions of its articles that are asked (train: all; tune: tune articles')
    others: list[SquadQuestion]  # answerable questions of articles outside it, for off-topic questions
    questions: list[TrainQuestion] = field(default_factory=list)
    made: list[TrainQuestion] | None = None  # the questions asked, when made with the index (a masked article's)


@dataclass
class Collected:
    """What pass 1 keeps of one question: its label, kind, setting, and its stage outputs (None when the
    engine refused before ranking: a request, or no evidence)."""

    question: TrainQuestion
    setting: str
    split: str
    asked: Asked | None


def settings_of(squad_train: Path, squad_split: Path, seed: int = 13, masked_copies: int = 0) -> list[Setting]:
    """The train and tune settings of two SQuAD files: every article of ``squad_train`` and the train
    articles of ``squad_split`` (split by title) to train, the tune articles of ``squad_split`` to tune; and
    ``masked_copies`` masked copies of each article, in its article's split."""
    t_docs, t_questions = load_squad(squad_train)
    s_docs, s_questions = load_squad(squad_split)
    which = article_splits(sorted({q.title.replace(" ", "_") for q in s_questions}))

    def split_of(q):
        return which[q.title.replace(" ", "_")]

    def by_title(docs, qs):
        return {
            t: ([d for d in docs if d.title == t], [q for q in qs if q.title == t])
            for t in sorted({q.title for q in qs})
        }

    train_b = [q for q in s_questions if split_of(q) == "train"]
    tune_q = [q for q in s_questions if split_of(q) == "tune"]
    b_titles = {q.title for q in train_b}
    out = [
        Setting("train-file", "train", t_docs, t_questions, train_b),
        Setting("split-train", "train", [d for d in s_docs if d.title in b_titles], train_b, t_questions),
        Setting("split-all", "tune", s_docs, tune_q, t_questions),
    ]
    for title, (docs, qs) in {**by_title(t_docs, t_questions), **by_title(s_docs, train_b)}.items():
        out.append(
            Setting(f"article:{title}", "train", docs, qs, [q for q in t_questions + train_b if q.title != title])
        )
    for title, (docs, qs) in by_title(s_docs, tune_q).items():
        out.append(Setting(f"article:{title}", "tune", docs, qs, train_b))
    return out + masked_settings([s for s in out if s.name.startswith("article:")], seed, masked_copies)


def masked_settings(articles: list[Setting], seed: int, copies: int) -> list[Setting]:
    """Each article's masked copies (rag/train/masked.py), asked only the questions they no longer answer."""
    out = []
    for a in articles:
        for n in range(1, copies + 1):
            rng = random.Random(f"{seed}:masked{n}:{a.name}")
            docs, made = masked_article(a.docs, a.own, MASKED_SHARE, rng)
            out.append(Setting(a.name.replace("article:", f"masked{n}:", 1), a.split, docs, [], [], made=made))
    return out


def make_questions(setting: Setting, index, seed: int) -> list[TrainQuestion]:
    """The questions asked of one setting's index (see rag/train/questions.py), or those made with it."""
    if setting.made is not None:
        return list(setting.made)
    rng = random.Random(f"{seed}:{setting.name}")
    swapper = Swapper(Vocabulary(index.surface_words), Pools.load(), seed)
    made = real_questions(setting.own)
    made += near_misses(setting.own, swapper, NEAR_MISS_SHARE, rng)
    made += off_topic(setting.others, int(OFF_TOPIC_SHARE * len(setting.own)) + 5, rng)
    made += templates(index, swapper, rng, {q.title for q in setting.own})
    made += casual(setting.own, CASUAL_SHARE, rng)
    # a generator of their own, so that the kinds above are the same questions as before these were added
    texts = {d.doc_id: d.text for d in setting.docs}
    present = PresentSwapper(swapper.vocabulary, Pools.from_texts(list(texts.values())), seed)
    own_rng = random.Random(f"{seed}:{setting.name}:present")
    return made + near_misses_present(setting.own, texts, present, PRESENT_NEAR_MISS_SHARE, own_rng)


def build_engine(setting: Setting, settings: Settings, embedder: Embedder, work_dir: Path) -> ExtractiveEngine:
    """An engine over the setting's index (built once under ``work_dir``, reused by a re-run)."""
    folder = work_dir / "indexes" / setting.name.replace(":", "_").replace(" ", "_")
    s = settings.replace(index_dir=folder, decision_model="off")
    if not (folder / "current").exists():
        write_index(setting.docs, [], s, embedder=embedder, show_progress=False)
    return engine_over(s, embedder)


def engine_over(s: Settings, embedder: Embedder) -> ExtractiveEngine:
    """An engine over the index of ``s`` (built already), with the bundled reader and no decision models."""
    return ExtractiveEngine(Retriever(load_index(s), embedder, s), s, load_reader(s.reader))


def settings_embedder(settings: Settings) -> Embedder:
    """The embedding model the settings name, loaded once for every training index."""
    return Embedder(
        settings.embed_model, settings.embed_batch_size, backend=settings.embed_backend, cache_dir=settings.cache_dir
    )


# what the first pass's results depend on: when none of these changed, a re-run reuses them (work_dir/pass1.pkl)
PASS1_SOURCES = (
    "answer/analysis.py",
    "answer/qtypes.py",  # which types the reader reads
    "answer/read.py",
    "answer/reader.py",
    "answer/reader_features.py",
    "answer/extractive.py",
    "reader_model/model.onnx",
    "search",
    "store",
    "text",
    "eval/perturb.py",
    "eval/data/swap_pools.json",
    "train/questions.py",
    "train/collect.py",
    "train/masked.py",
)


def pass1_fingerprint(seed: int, names: list[str] | None = None) -> str:
    """A digest of the code and data the first pass depends on, the seed, and the settings' ``names`` (masked
    copies or none)."""
    root = Path(__file__).parents[1]
    digest = hashlib.sha1(f"{seed}:{names or []}".encode())
    for name in PASS1_SOURCES:
        for path in sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]:
            digest.update(path.read_bytes())
    return digest.hexdigest()


def first_pass(
    settings_list: list[Setting], settings: Settings, work_dir: Path, seed: int = 13, progress: bool = True
) -> tuple[list[Collected], dict[str, ExtractiveEngine]]:
    """Every question of every setting through analyse, retrieve and read; the engines, by setting name.
    Reused from ``work_dir`` when the code and data it depends on are unchanged (pass1_fingerprint)."""
    embedder = settings_embedder(settings)
    engines = {s.name: build_engine(s, settings, embedder, work_dir) for s in settings_list}
    cache, fingerprint = work_dir / "pass1.pkl", pass1_fingerprint(seed, [s.name for s in settings_list])
    if cache.exists():
        with open(cache, "rb") as fh:
            saved = pickle.load(fh)
        if saved["fingerprint"] == fingerprint:
            return saved["collected"], engines
    collected: list[Collected] = []
    for n, setting in enumerate(settings_list, 1):
        engine = engines[setting.name]
        setting.questions = make_questions(setting, engine.index, seed)
        for tq in setting.questions:
            asked = engine.prepare(tq.question)
            collected.append(Collected(tq, setting.name, setting.split, None if isinstance(asked, Answer) else asked))
        if progress:
            print(f"[{n}/{len(settings_list)}] {setting.name}: {len(setting.questions)} questions", file=sys.stderr)
    with open(cache, "wb") as fh:
        pickle.dump({"fingerprint": fingerprint, "collected": collected}, fh)
    return collected, engines


def gold_labels(asked: Asked, tq: TrainQuestion, engine: ExtractiveEngine) -> np.ndarray:
    """1 for each evidence sentence of the gold paragraph that holds a gold answer, else 0."""
    labels = []
    for ev in asked.evidence:
        doc = engine.index.passages[ev.pid].doc_id
        labels.append(
            float(
                doc == tq.doc_id
                and any(ev.start <= start and start + len(text) <= ev.end for text, start in tq.answers)
            )
        )
    return np.asarray(labels, dtype=np.float32)


def ranker_rows(collected: list[Collected], engines: dict[str, ExtractiveEngine]):
    """(features, labels, group sizes, split per group) of the answerable questions whose gold sentence is a candidate."""
    xs, ys, groups, splits = [], [], [], []
    for c in collected:
        if c.asked is None or not c.question.answerable or not c.question.answers:
            continue
        engine = engines[c.setting]
        labels = gold_labels(c.asked, c.question, engine)
        if not labels.any():
            continue  # retrieval missed the gold paragraph: nothing to rank
        xs.append(candidate_features(c.asked, engine.view))
        ys.append(labels)
        groups.append(len(labels))
        splits.append(c.split)
    return np.concatenate(xs), np.concatenate(ys), np.asarray(groups), splits


def second_pass(
    collected: list[Collected], engines: dict[str, ExtractiveEngine], ranker: TreeModel, progress: bool = True
) -> list[dict]:
    """Rank, compose and compute the decision features of every question with ``ranker``."""
    from tqdm import tqdm

    models = DecisionModels(ranker, None, {}, None)
    rows = []
    for c in tqdm(collected, desc="pass 2: decision features", unit="q", disable=not progress, mininterval=5):
        engine = engines[c.setting]
        engine.models = models
        row = {
            "qid": c.question.qid,
            "kind": c.question.kind,
            "setting": c.setting,
            "split": c.split,
            "label": int(c.question.answerable),
            "question": c.question.question,
        }
        if c.asked is None:
            rows.append({**row, "features": None, "qtype": "request"})
            continue
        # the analysis again: what the first pass kept may predate a change of it (the search itself did not change)
        assessed = engine.assess(dataclasses.replace(c.asked, analysis=analyze(c.asked.query)))
        rows.append(
            {
                **row,
                "features": assessed.decision.features,
                "qtype": str(c.asked.analysis.qtype),
                "composed": assessed.composed is not None,
            }
        )
    return rows
