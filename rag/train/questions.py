"""Training questions for the answer engine's learned decisions, made from training articles only.

For one index (a set of SQuAD articles, each paragraph a document) the questions are:

* ``real``: the articles' own SQuAD 2.0 questions, answerable or not as the data says;
* ``near_miss``: answerable questions with one name, number or noun swapped for one of the same
  kind the index never mentions (rag/eval/perturb.py), which must be refused;
* ``near_miss_present``: answerable questions with one name or number swapped for one of the same kind the
  index does mention, but not in the question's paragraph nor in any paragraph holding its answer (the near-miss
  users ask: "... in 2021?" of a report that gives 2023's figure and names 2021 elsewhere), which must be refused;
* ``off_topic``: answerable questions of articles outside the index, which must be refused;
* ``template``: questions of the kinds users ask that SQuAD lacks, made from the index's own
  notes and sentences: what an abbreviation stands for, who a person is, what someone said, who is
  quoted, whether a statement of the text holds (yes/no), a summary (answerable), and their
  near-misses (not);
* ``casual``: answerable questions typed carelessly (lower case, no question mark, a letter
  dropped from a long word), which must still be answered.

Every choice is made by a seeded random generator: the same articles and seed give the same set.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from ..eval.perturb import PresentSwapper, Swapper, where_answered
from ..eval.squad import SquadQuestion
from ..store.index import Index
from ..text import nlp
from ..text.sentences import sentence_spans

PRESENT = "near_miss_present"  # the kind of the near-misses with a name the index has
KINDS = ("real", "near_miss", PRESENT, "off_topic", "template", "casual")


@dataclass(frozen=True)
class TrainQuestion:
    """A question with its label: ``answerable`` or not; for real answerable SQuAD questions, the gold
    paragraph (a document id) and answers (text, offset in the paragraph) the ranker learns from."""

    qid: str
    question: str
    answerable: bool
    kind: str
    doc_id: str = ""
    answers: tuple[tuple[str, int], ...] = ()


def real_questions(questions: list[SquadQuestion]) -> list[TrainQuestion]:
    return [TrainQuestion(q.qid, q.question, not q.impossible, "real", q.doc_id, q.answers) for q in questions]


def near_misses(
    questions: list[SquadQuestion], swapper: Swapper, share: float, rng: random.Random
) -> list[TrainQuestion]:
    """Near-misses of a ``share`` of the answerable questions (those a swap can be made for)."""
    out = []
    for q in questions:
        if q.impossible or rng.random() >= share:
            continue
        swap = swapper.near_miss(q.question)
        if swap is not None:
            out.append(TrainQuestion(f"{q.qid}~{swap.kind}", swap.question, False, "near_miss"))
    return out


def near_misses_present(
    questions: list[SquadQuestion], docs: dict[str, str], swapper: PresentSwapper, share: float, rng: random.Random
) -> list[TrainQuestion]:
    """Near-misses of a ``share`` of the answerable questions whose swapped-in name or number the index mentions
    elsewhere (``docs``: paragraph id -> text): not in the question's paragraph, nor where its answer is."""
    out = []
    lowered = [t.lower() for t in docs.values()]
    for q in questions:
        if q.impossible or rng.random() >= share:
            continue
        avoid = where_answered(docs.get(q.doc_id, ""), lowered, [a for a, _ in q.answers])
        swap = swapper.near_miss_away_from(q.question, avoid)
        if swap is not None:
            out.append(TrainQuestion(f"{q.qid}~present", swap.question, False, PRESENT))
    return out


def off_topic(others: list[SquadQuestion], count: int, rng: random.Random) -> list[TrainQuestion]:
    """``count`` answerable questions of articles outside the index."""
    pool = [q for q in others if not q.impossible]
    return [
        TrainQuestion(f"{q.qid}~off", q.question, False, "off_topic") for q in rng.sample(pool, min(count, len(pool)))
    ]


def casual(questions: list[SquadQuestion], share: float, rng: random.Random) -> list[TrainQuestion]:
    """Carelessly typed copies of a ``share`` of the answerable questions (still answerable)."""
    out = []
    for q in questions:
        if q.impossible or rng.random() >= share:
            continue
        text = q.question.lower().rstrip(" ?")
        long_words = [w for w in re.findall(r"[a-z]{7,}", text)]
        if long_words and rng.random() < 0.5:
            w = rng.choice(long_words)
            i = rng.randrange(1, len(w) - 1)
            text = text.replace(w, w[:i] + w[i + 1 :], 1)
        out.append(TrainQuestion(f"{q.qid}~casual", text, True, "casual", q.doc_id, q.answers))
    return out


def templates(
    index: Index, swapper: Swapper, rng: random.Random, titles: set[str], per_kind: int = 25
) -> list[TrainQuestion]:
    """Questions of the kinds SQuAD lacks, from the links and statements of the index's documents titled
    ``titles`` (a setting's own articles, never the distractors beside them), each with a near-miss."""
    own = {d.doc_id for d in index.documents.values() if d.title in titles}
    links = {doc_id: lk for doc_id, lk in index.links.items() if doc_id in own}
    acronyms = sorted({k for lk in links.values() for k, v in lk.acronyms.items() if v and len(k) >= 2})
    people = sorted({full for lk in links.values() for full in lk.names.values() if len(full.split()) >= 2})
    speakers = sorted(
        {
            full
            for doc_id, sts in index.statements.items()
            if doc_id in links
            for st in sts
            for w in st.speaker
            if (full := links[doc_id].names.get(w))
        }
    )
    made: list[tuple[str, str]] = []
    for kind, names, forms in (
        ("acronym", acronyms, ("What does {} stand for?", "What is {}?")),
        ("person", people, ("Who is {}?", "Who was {}?")),
        ("speaker", speakers, ("What did {} say?", "What did {} tell reporters?")),
    ):
        for name in rng.sample(names, min(per_kind, len(names))):
            made.append((kind, rng.choice(forms).format(name)))
    for title in rng.sample(sorted(titles), min(3, len(titles))):
        made.append(("summary", f"Give me an overview of {title}."))
    made.append(("list", rng.choice(("Which people are mentioned?", "Which organizations are mentioned?"))))
    made += [("yes_no", q) for q in yes_no_questions(index, own, per_kind)]
    out = []
    for i, (kind, question) in enumerate(made):
        out.append(TrainQuestion(f"t{i}-{kind}", question, True, "template"))
        swap = swapper.near_miss(question)
        if swap is not None and kind not in ("summary", "list"):
            out.append(TrainQuestion(f"t{i}-{kind}~", swap.question, False, "template"))
    return out


_BE_HAVE_MODAL = {"is", "are", "was", "were", "has", "have", "had", "can", "could", "will", "would", "may", "might"}
_NO_QUESTION = re.compile(r"[\"“”;:()]")


def yes_no_questions(index: Index, own: set[str], count: int) -> list[str]:
    """Up to ``count`` yes/no questions made from sentences of the documents ``own`` (drawn by a generator
    seeded with the documents, apart from the caller's, so adding these left the other questions as they were)."""
    statements = [t for d in index.documents.values() if d.doc_id in own for t in _sentences(d.text)]
    random.Random(" ".join(sorted(own))).shuffle(statements)
    asked = [q for q in (yes_no_question(t) for t in statements[: 4 * count]) if q]
    return asked[:count]


def _sentences(text: str) -> list[str]:
    """The document's sentences of 6 to 25 words."""
    out = [text[a:b].strip() for a, b in sentence_spans(text)]
    return [t for t in out if 6 <= len(t.split()) <= 25]


def yes_no_question(sentence: str) -> str | None:
    """The yes/no question whether ``sentence`` holds ("The bridge was built in 1932." → "Was the bridge built
    in 1932?"): its first be/have/modal auxiliary moved before the subject, or "did/does/do" and the
    verb's lemma; None unless the sentence is one plain statement that starts with its subject."""
    if _NO_QUESTION.search(sentence) or not sentence.endswith("."):
        return None
    doc = nlp.parse(sentence)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    subj = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None) if root else None
    if root is None or subj is None or subj.left_edge.i != 0 or subj.right_edge.i >= root.i:
        return None
    after = doc[subj.right_edge.i + 1 :]
    aux = next((t for t in after if t.i <= root.i and t.lower_ in _BE_HAVE_MODAL and t.pos_ == "AUX"), None)
    head = doc[: subj.right_edge.i + 1].text
    head = head if doc[0].pos_ == "PROPN" or doc[0].text.isupper() else head[:1].lower() + head[1:]
    if any(c.dep_ == "conj" and c.pos_ in ("VERB", "AUX") for c in root.children):
        return None  # two statements
    if aux is not None:
        front = aux.text
    elif root.pos_ == "VERB" and root.tag_ in ("VBD", "VBZ", "VBP"):
        front = {"VBD": "did", "VBZ": "does", "VBP": "do"}[root.tag_]
    else:
        return None
    rest = [t for t in after if t.i != (aux.i if aux else -1) and not (t.is_punct and t.i == len(doc) - 1)]
    body = "".join((root.lemma_ + t.whitespace_ if aux is None and t.i == root.i else t.text_with_ws) for t in rest)
    return f"{front.capitalize()} {head} {body.strip()}?"
