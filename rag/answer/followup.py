"""Turn a follow-up question into a standalone one, from the entities of the earlier turns.

"What did he challenge Amnesty to do?" after a question about Townsend becomes "What
did Townsend challenge Amnesty to do?": he/she/him/his/her take the most recent person
(the user's own questions first, then the answers), they/them/their the most recent
organisation or group. "And what about drones?" after "What did Croft say?" becomes
"What did Croft say about drones?". People are spaCy PERSON entities, or names the
index knows as people (``is_person``), since the entity model misses some in questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..text import nlp

_PERSON_PRONOUNS = {"he", "him", "his", "she", "her", "hers"}
_GROUP_PRONOUNS = {"they", "them", "their", "theirs"}
_POSSESSIVE = {"his", "hers", "their", "theirs"}
_ELLIPSIS = [
    re.compile(r"^(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)\s*\??$", re.I),
    re.compile(r"^(?:and|also)\s+(?:about\s+|on\s+)?(?P<topic>[^?]{1,60}?)\s*\??$", re.I),
]
_TOPIC_TAIL = re.compile(r"\s+(?:about|on|regarding|concerning)\s+.*$")


def _referents(text: str, is_person: Callable[[str], bool]) -> tuple[list[str], list[str]]:
    """(people, groups) named in ``text``, in order of mention."""
    doc = nlp.parse(text)
    people: list[tuple[int, str]] = []
    groups: list[str] = []
    for ent in doc.ents:
        name = ent.text[4:] if ent.text.lower().startswith("the ") else ent.text
        if ent.label_ == "PERSON" or (ent.label_ in ("ORG", "GPE", "NORP") and is_person(name)):
            people.append((ent.start_char, name))
        elif ent.label_ in ("ORG", "NORP"):
            groups.append(name)
    named = {w for ent in doc.ents for w in ent.text.split()}
    run: list = []
    for t in [*doc, None]:  # capitalised names the entity model missed (it tags some as common nouns)
        if (
            t is not None
            and t.text[:1].isupper()
            and t.pos_ in ("PROPN", "NOUN")
            and t.text not in named
            and (t.i > 0 or t.pos_ == "PROPN")
        ):
            run.append(t)
            continue
        if run and is_person(name := " ".join(r.text for r in run)):
            people.append((run[0].idx, name))
        run = []
    return [name for _, name in sorted(people, key=lambda p: p[0])], groups


def _last(texts: list[str], is_person: Callable[[str], bool], group: bool) -> str | None:
    """The most recent person (or group) of ``texts``, newest text last; within a text, the first named."""
    for text in reversed(texts):
        people, groups = _referents(text, is_person)
        found = groups if group else people
        if found:
            return found[0]
    return None


def _with_context(question: str, doc, previous: str, is_person: Callable[[str], bool]) -> str:
    """A very short follow-up that names nothing ("Who was the host?") carries the names of the question
    before it, in parentheses, so retrieval and the checks look in the same place. A longer question
    that names nothing is taken as a new question."""
    words = [t for t in doc if not t.is_punct]
    if len(words) > 5 or any(t.text[:1].isupper() and t.i > 0 for t in doc) or doc.ents:
        return question
    people, groups = _referents(previous, is_person)
    names = list(dict.fromkeys(people + groups))
    return f"{question.rstrip(' ?')} ({', '.join(names)})?" if names else question


def standalone_question(
    question: str, history: list[tuple[str, str]] | None, is_person: Callable[[str], bool] = lambda name: False
) -> str:
    """``question`` rewritten to stand alone, using earlier (user, assistant) turns; unchanged without history."""
    question = question.strip()
    if not history:
        return question
    # earlier user turns are resolved in order, each against the ones before it (linear in the turns)
    resolved: list[str] = []
    for i, (user, _) in enumerate(history):
        user = user.strip()
        resolved.append(_resolve(user, resolved, [a for _, a in history[:i]], is_person) if resolved else user)
    return _resolve(question, resolved, [a for _, a in history], is_person)


def _resolve(question: str, resolved: list[str], answers: list[str], is_person: Callable[[str], bool]) -> str:
    for pattern in _ELLIPSIS:
        m = pattern.match(question)
        if m and not re.match(r"^(what|who|when|where|why|how|which)\b", m.group("topic"), re.I):
            base = _TOPIC_TAIL.sub("", resolved[-1].rstrip(" ?"))
            return f"{base} about {m.group('topic').strip()}?"
    doc = nlp.parse(question)
    pronouns = [
        t
        for t in doc
        if t.lower_ in _PERSON_PRONOUNS | _GROUP_PRONOUNS
        and t.pos_ == "PRON"
        or t.lower_ in _POSSESSIVE | {"her"}
        and t.tag_ == "PRP$"
    ]
    if not pronouns:
        return _with_context(question, doc, resolved[-1], is_person)
    out, pos = [], 0
    for t in pronouns:
        group = t.lower_ in _GROUP_PRONOUNS
        # a group is taken from the user's own questions only: answers name many bodies in passing
        name = _last(resolved, is_person, group) or (None if group else _last(answers, is_person, group))
        if not name:
            continue
        out.append(question[pos : t.idx])
        out.append(f"{name}’s" if t.lower_ in _POSSESSIVE or t.tag_ == "PRP$" else name)
        pos = t.idx + len(t.text)
    return "".join(out) + question[pos:]
