"""Generated variants of answerable questions (CheckList-style): near-misses and off-topic questions
that must be refused, beside the originals that must still be answered.

A near-miss is an answerable question with one key name, number or noun replaced by one of the
same kind that the sources never mention: a person for a person, a year for a year, a noun for a
noun (as the SQuAD 2.0 paper's "entity swap" unanswerables, and Jia & Liang's distractors). The
replacements come from :class:`Pools` of names and nouns collected from other texts, and each is
checked absent from the index's vocabulary. Every choice is made by a seeded random generator, so
a suite is the same every run.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..answer.vocabulary import Vocabulary
from ..text import nlp

POOLS_FILE = Path(__file__).parent / "data" / "swap_pools.json"
OFF_TOPIC_FILE = Path(__file__).parent / "data" / "off_topic.jsonl"
# names the entity model gives kinds of things a question may be about
NAME_LABELS = ("PERSON", "ORG", "GPE", "LOC", "NORP", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT", "LAW", "LANGUAGE")
_NUMBER_WORDS = (
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "fifteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "hundred",
)
# words that name the sources themselves ("in this article"), not what they are about
_WORD = re.compile(r"[^\W_]+")  # a word of a phrase the sources are checked for
_NAME = re.compile(r"[A-Z][\w.'’-]*(?: (?:of |de |the )?[A-Z][\w.'’-]*){0,3}")
_SOURCE_WORDS = {"article", "text", "document", "source", "passage", "story", "piece", "sources", "documents", "page"}


@dataclass
class Pools:
    """Replacement candidates: names by entity label, common nouns by tag (NN singular, NNS plural)."""

    names: dict[str, list[str]] = field(default_factory=dict)
    nouns: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = POOLS_FILE) -> Pools:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return cls(data["names"], data["nouns"])

    def save(self, path: Path, source: str) -> None:
        data = {"source": source, "names": self.names, "nouns": self.nouns}
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")

    @classmethod
    def from_texts(cls, texts: list[str], per_kind: int = 400) -> Pools:
        """The most frequent names (by label) and nouns (by tag) of ``texts``."""
        names: dict[str, Counter] = {label: Counter() for label in NAME_LABELS}
        nouns: dict[str, Counter] = {"NN": Counter(), "NNS": Counter()}
        for text in texts:
            doc = nlp.parse(text)
            for ent in doc.ents:
                if ent.label_ in names and 1 <= len(ent) <= 4 and ent.text[:1].isupper():
                    names[ent.label_][re.sub(r"^the\s+|['’]s$", "", ent.text, flags=re.I)] += 1
            for t in doc:
                if t.tag_ in nouns and t.is_alpha and t.is_lower and len(t.text) > 3 and not t.ent_type_:
                    nouns[t.tag_][t.text] += 1

        def name_like(label: str, name: str) -> bool:  # capitalised words; a person by first and last name
            return bool(_NAME.fullmatch(name)) and (label != "PERSON" or " " in name)

        return cls(
            {k: [w for w, n in c.most_common() if n >= 2 and name_like(k, w)][:per_kind] for k, c in names.items()},
            {k: [w for w, n in c.most_common(per_kind * 3) if n >= 2] for k, c in nouns.items()},
        )


@dataclass(frozen=True)
class Swap:
    """A near-miss: the variant question, what was replaced and by what, and the kind of thing swapped."""

    question: str
    original: str
    replacement: str
    kind: str  # "name", "number" or "noun"


class Swapper:
    """Makes near-misses of questions for one index (its vocabulary says what the sources mention)."""

    def __init__(self, vocabulary: Vocabulary, pools: Pools, seed: int = 13):
        self.vocabulary = vocabulary
        self.pools = pools
        self.rng = random.Random(seed)

    def absent(self, phrase: str) -> bool:
        """Whether no word of ``phrase`` (or a near spelling of one) occurs in the sources."""
        words = _WORD.findall(phrase)
        return bool(words) and not any(self.vocabulary.contains(w) for w in words)

    def usable(self, phrase: str) -> bool:
        """Whether ``phrase`` may be swapped in: here, when the sources never mention it."""
        return self.absent(phrase)

    def near_miss(self, question: str) -> Swap | None:
        """``question`` with one name or number (else one noun) swapped for one the sources never mention."""
        doc = nlp.parse(question)
        targets = self._targets(doc)
        names = [t for t in targets if t[2] != "noun"]
        nouns = [t for t in targets if t[2] == "noun"]
        self.rng.shuffle(names)
        self.rng.shuffle(nouns)
        # names and numbers first (the key things a question asks about), nouns in about a third of cases
        preferred = nouns + names if nouns and self.rng.random() < 0.35 else names + nouns
        for start, end, kind, label in preferred:
            old = question[start:end]
            new = self._replacement(old, kind, label)
            if new is not None:
                return Swap(question[:start] + new + question[end:], old, new, kind)
        return None

    def _targets(self, doc) -> list[tuple[int, int, str, str]]:
        """(start, end, kind, label or tag) of what may be swapped: names, numbers, content nouns."""
        out: list[tuple[int, int, str, str]] = []
        taken: set[int] = set()
        for ent in doc.ents:
            kind = "name" if ent.label_ in NAME_LABELS else "number" if any(t.like_num for t in ent) else None
            if kind is None:
                continue
            toks = [t for t in ent if t.lower_ != "the"]
            if kind == "number":
                toks = [t for t in ent if t.like_num]
            out.append((toks[0].idx, toks[-1].idx + len(toks[-1].text), kind, ent.label_))
            taken.update(t.i for t in ent)
        wh_heads = {t.head.i for t in doc if t.lower_ in ("what", "which", "whose") and t.dep_ == "det"}
        for t in doc:
            if t.i in taken or t.i in wh_heads or t.lower_ in _SOURCE_WORDS:
                continue
            if t.like_num and not t.ent_type_:
                out.append((t.idx, t.idx + len(t.text), "number", "CARDINAL"))
            elif t.tag_ in ("NN", "NNS") and t.is_alpha and len(t.text) > 3:
                out.append((t.idx, t.idx + len(t.text), "noun", t.tag_))
        return out

    def _replacement(self, old: str, kind: str, label: str) -> str | None:
        if kind == "number":
            return self._number(old)
        pool = self.pools.names.get(label, []) if kind == "name" else self.pools.nouns.get(label, [])
        choices = [w for w in self.rng.sample(pool, min(len(pool), 60)) if w.lower() != old.lower() and self.usable(w)]
        if not choices:
            return None
        new = choices[0]
        if kind == "name" and label == "PERSON" and " " not in old:
            new = new.split()[-1]  # a surname for a surname
            if not self.usable(new):
                return None
        return new[:1].upper() + new[1:] if old[:1].isupper() and kind == "noun" else new

    def _number(self, old: str) -> str | None:
        """Another number of the same form (a year for a year, words for words) that the sources never mention."""
        if old.lower() in _NUMBER_WORDS:
            options = [w for w in _NUMBER_WORDS if w != old.lower() and self.usable(w)]
            return self.rng.choice(options) if options else None
        digits = old.replace(",", "")
        if not digits.isdigit():
            return None
        n = int(digits)
        if 1000 <= n <= 2100 and len(digits) == 4:  # a year
            numbers = [n + d for d in range(-40, 41) if abs(d) >= 3]
        else:
            numbers = [n * k for k in (2, 3, 5, 10)] + [n + k for k in (7, 13, 29)] if n else [3, 7, 12]
        self.rng.shuffle(numbers)
        for m in numbers:
            text = f"{m:,}" if "," in old else str(m)
            if self.usable(text) and self.usable(str(m)):
                return text
        return None


class PresentSwapper(Swapper):
    """Near-misses the other way round: swaps in a name or number the index mentions, but not where the question's
    answer is (near_miss_away_from), so the sources hold the name and not the answer."""

    def __init__(self, vocabulary: Vocabulary, names: Pools, seed: int = 13):
        super().__init__(vocabulary, Pools(names.names, {}), seed)  # no nouns: a noun swapped within one text
        self._avoid = ""  # is too often still answered there

    def near_miss_away_from(self, question: str, avoid: str) -> Swap | None:
        """``question`` with one name or number swapped for one of the sources' that ``avoid`` (lower case: where
        the question's answer is, where_answered) does not hold."""
        self._avoid = avoid
        return self.near_miss(question)

    def usable(self, phrase: str) -> bool:
        words = _WORD.findall(phrase)
        return bool(words) and phrase.lower() not in self._avoid and all(self.vocabulary.contains(w) for w in words)


def where_answered(own: str, lowered: list[str], answers: list[str]) -> str:
    """The text a present near-miss must not take its name from, lower case: ``own`` (the question's paragraph,
    or "") and each of the ``lowered`` texts that holds one of ``answers``."""
    wanted = [a.lower() for a in answers if a.strip()]
    return "\n".join([own.lower(), *(t for t in lowered if any(a in t for a in wanted))])


@dataclass(frozen=True)
class Variant:
    """One question of a perturbation suite: ``kind`` is "original" (must be answered), "near_miss",
    "near_miss_present" or "off_topic" (must be refused); ``qtype`` the original's type, for figures per type."""

    id: str
    question: str
    kind: str
    qtype: str
    history: tuple = ()
    swapped: tuple[str, str] | None = None

    def to_json(self) -> dict:
        return asdict(self)


def build_suite(
    originals: list[dict],
    swapper: Swapper,
    off_topic: list[str],
    seed: int = 13,
    present: PresentSwapper | None = None,
) -> list[Variant]:
    """Each answerable original, its near-miss (when one can be made), and the off-topic questions; with a
    ``present`` swapper, also each original's near-miss by a name or number the sources have elsewhere.

    ``originals``: dicts with "id", "question", "type" and optional "history" (dev questions' form), and for
    ``present`` an "avoid" text (where the original's answer is, lower case).
    """
    out: list[Variant] = []
    for item in originals:
        history = tuple(tuple(h) for h in item.get("history") or ())
        out.append(Variant(item["id"], item["question"], "original", item["type"], history))
        swaps = [("near_miss", "~", swapper.near_miss(item["question"]))]
        if present is not None and item.get("avoid"):
            swaps.append(("near_miss_present", "~p", present.near_miss_away_from(item["question"], item["avoid"])))
        for kind, suffix, swap in swaps:
            if swap is not None:
                variant = Variant(
                    f"{item['id']}{suffix}",
                    swap.question,
                    kind,
                    item["type"],
                    history,
                    (swap.original, swap.replacement),
                )
                out.append(variant)
    rng = random.Random(seed)
    for i, q in enumerate(off_topic):
        out.append(Variant(f"off{i:03d}", q, "off_topic", "off_topic"))
    rng.shuffle(out)
    return sorted(out, key=lambda v: v.id)


def generic_off_topic(path: Path = OFF_TOPIC_FILE) -> list[str]:
    """Questions and requests about no source at all (recipes, trivia, poems), shipped with the suite."""
    return [json.loads(line)["question"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    """``python -m rag.eval.perturb SQUAD.json`` writes the pools from a SQuAD file of training articles."""
    import argparse

    from .squad import load_squad

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("squad", help="a SQuAD-format file of training articles (squad-v2-train-part.json)")
    parser.add_argument("--out", default=str(POOLS_FILE))
    args = parser.parse_args(argv)
    docs, _ = load_squad(Path(args.squad))
    Pools.from_texts([d.text for d in docs]).save(Path(args.out), f"{Path(args.squad).name}, every article")
    print(f"wrote {args.out} from {len(docs)} paragraphs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
