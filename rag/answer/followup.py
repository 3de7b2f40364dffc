"""Turn a follow-up question into a standalone one, from the entities of the earlier turns.

"What did he challenge Amnesty to do?" after a question about Townsend becomes "What
did Townsend challenge Amnesty to do?": he/she/him/his/her take the most recent person
(the user's own questions first, then the answers), they/them/their the most recent
organisation or group, it/its the thing the user last asked about ("What license is it
under?" after "What is Faiss?"). "And what about drones?" after "What did Croft say?" becomes
"What did Croft say about drones?"; a name, person or number asked about stands in for the
one of its kind in the question before ("What about Jones?" -> "What did Jones say?"), a
quoted term for the quoted term, a command-line option for the option. After a "who" question, a pronoun stands for whom its answer
names. People are spaCy PERSON entities, or names the index knows as people (``is_person``),
since the entity model misses some in questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..text import nlp
from ..text.terms import OPTION, OPTION_IN_TEXT, written_as_code
from .question_words import _AUX, _WH, QUOTED

_PERSON_PRONOUNS = {"he", "him", "his", "she", "her", "hers"}
_GROUP_PRONOUNS = {"they", "them", "their", "theirs"}
_POSSESSIVE = {"his", "hers", "their", "theirs"}
_THING_PRONOUNS = {"it", "its"}
_NUMBER_LABELS = {"DATE", "TIME", "CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"}
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
    # capitalised names the entity model missed (the tagger takes some for nouns, even verbs: "Who is Townsend?")
    for t in [*doc, None]:
        if (
            t is not None
            and t.text[:1].isupper()
            and t.pos_ in ("PROPN", "NOUN", "VERB", "ADJ")
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


def _thing(text: str, is_person: Callable[[str], bool]) -> str | None:
    """What "it" can stand for in ``text`` (an earlier question): its first singular noun phrase outside the
    wh-phrase that names no person ("the phony rule" of "What is the phony rule in Ninja used for?")."""
    return _phrase(nlp.parse(text), is_person, ("NN", "NNP"))


def _things_asked(text: str, is_person: Callable[[str], bool]) -> str | None:
    """What "they" can stand for in ``text``: its first plural noun phrase outside the wh-phrase ("pools" of "What
    are pools in Ninja?"), else the plural noun the wh-phrase asks about ("authentication methods" of "What
    authentication methods are available?")."""
    doc = nlp.parse(text)
    return _phrase(doc, is_person, ("NNS", "NNPS")) or next(
        (c[1:].text for c in doc.noun_chunks if c.root.tag_ in ("NNS", "NNPS") and c[0].lower_ in _WH), None
    )


def _phrase(doc, is_person: Callable[[str], bool], tags: tuple[str, ...]) -> str | None:
    chunks = [
        c
        for c in _noun_phrases(doc)
        if c.root.tag_ in tags
        # the wh-phrase: "which version", though the parser may cut it into "which" and "version"
        and not any(
            t.lower_ in _WH or (t.pos_ == "PRON" and t.dep_ != "poss") or _person_word(t)
            for t in doc[max(c.start - 1, 0) : c.end]
        )
        and not is_person(c.text)
    ]
    return chunks[0].text if chunks else None


def _noun_phrases(doc) -> list:
    """The parse's noun chunks, and each noun or name in no chunk (the parser leaves out some subjects: "tqdm"
    of "What does tqdm do?"), in order."""
    chunks = list(doc.noun_chunks)
    inside = {i for c in chunks for i in range(c.start, c.end)}
    lone = [doc[t.i : t.i + 1] for t in doc if t.pos_ in ("NOUN", "PROPN") and t.i not in inside]
    return sorted([*chunks, *lone], key=lambda sp: sp.start)


def _person_word(t) -> bool:
    """Whether ``t`` is a word of a person's name: tagged so, and capitalised as names are (the entity model takes
    unknown lower-case words, "orjson", for people)."""
    return t.ent_type_ == "PERSON" and t.text[:1].isupper()


def _stands_for_nothing(t) -> bool:
    """ "it" as a placeholder for a clause after it: "Is it true that ...?", "Is it possible to ...?"."""
    if t.dep_ == "expl":
        return True
    return t.dep_ == "nsubj" and any(
        c.dep_ in ("ccomp", "xcomp", "csubj")
        and c.i > t.i
        and any(m.dep_ in ("mark", "aux") and m.lower_ in ("that", "to") for m in c.children)
        for c in t.head.children
    )


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


def _kind(span, is_person: Callable[[str], bool]) -> str | None:
    """What a phrase names, judged by its head word: "person", "number" (dates too), "name" (tagged, or capitalised
    inside the sentence: the tagger takes a lone unknown name for a noun), or None (a thing)."""
    root = span.root
    if root.ent_type_ == "PERSON" or is_person(span.text):
        return "person"
    if root.ent_type_ in _NUMBER_LABELS or root.like_num:
        return "number"
    if root.pos_ == "PRON":  # "I", capitalised, is no name
        return None
    named = root.pos_ == "PROPN" or root.ent_type_ or (root.i > 0 and root.text[:1].isupper())
    return "name" if named else None


def _swapped(topic, previous: str, is_person: Callable[[str], bool]) -> str | None:
    """``previous`` with ``topic`` (a parsed span) in place of its first phrase of the same kind ("What about Jones?"
    after "What did Croft say?": "What did Jones say"), or None when the topic names no person, name or number,
    or the question before has none of its kind. A quoted term stands in for the quoted term before it ('And
    "still reachable"?' after 'What does "definitely lost" mean?')."""
    quoted = QUOTED.fullmatch(topic.text.strip())
    before = QUOTED.search(previous)
    if quoted and before:
        return previous[: before.start()] + topic.text.strip() + previous[before.end() :]
    # an option for an option ("And -B?" after "What does grep -A do?"): the parser tags options as symbols
    option = OPTION_IN_TEXT.search(previous)
    if OPTION.fullmatch(topic.text.strip()) and option:
        return previous[: option.start()] + topic.text.strip() + previous[option.end() :]
    if len(topic) > 1 and topic[0].pos_ == "ADP":  # "and in 1991?": the earlier question has its own "in"
        topic = topic[1:]
    kind = _kind(topic, is_person)
    if kind is None:
        return None
    doc = nlp.parse(previous)
    phrases = sorted([*doc.noun_chunks, *doc.ents], key=lambda sp: (sp.start, -len(sp)))
    for sp in phrases:
        if not any(t.lower_ in _WH for t in sp) and _kind(sp, is_person) == kind:
            return previous[: sp.start_char] + topic.text + previous[sp.end_char :]
    return None


def _elided(question: str, previous: str, is_person: Callable[[str], bool]) -> str | None:
    """ "What about X?", "And X?" as a whole question, from the question before it; None if not that form."""
    for pattern in _ELLIPSIS:
        m = pattern.match(question)
        if m is None or not re.search(r"\w", m.group("topic")):  # a topic of words, not "?" or "' '"
            continue
        topic = nlp.parse(question).char_span(*m.span("topic"), alignment_mode="expand")
        if topic is not None and _asks(topic):
            continue
        base = previous.rstrip(" ?")
        swapped = _swapped(topic, base, is_person) if topic is not None else None
        return f"{swapped}?" if swapped else f"{_TOPIC_TAIL.sub('', base)} about {m.group('topic').strip()}?"
    return None


def _asks(topic) -> bool:
    """Whether an ellipsis's topic is a question of its own ("And does it support PyPy?", "And why?"), asked as it
    is: it opens with a question word or an auxiliary verb, as a question does (rag/answer/analysis.py)."""
    first = topic[0]
    return first.lower_ in _WH or (first.lemma_.lower() in _AUX and first.tag_ in ("VBZ", "VBD", "VBP", "MD", "VB"))


def _refers(t) -> bool:
    """Whether token ``t`` is a pronoun that stands for someone or something named earlier."""
    if t.lower_ in _PERSON_PRONOUNS | _GROUP_PRONOUNS and t.pos_ == "PRON":
        return True
    if t.lower_ in _POSSESSIVE | {"her", "its"} and t.tag_ == "PRP$":
        return True
    if t.lower_ == "there" and t.dep_ == "advmod":  # "what's the limit there?"; not "is there a limit?"
        return True
    return t.lower_ == "it" and t.pos_ == "PRON" and not _stands_for_nothing(t) and not _named_before(t)


def _named_before(t) -> bool:
    """Whether "it" stands for a thing its own question names in a clause before its own ("what is the limit,
    and can I turn it off?", "in what order are they tried and can I change it?"): a singular noun phrase of the
    clause that its clause is joined to."""
    verb = t.head
    while verb.dep_ not in ("conj", "ROOT"):
        verb = verb.head
    if verb.dep_ != "conj":
        return False
    first = {w.i for w in verb.head.subtree} - {w.i for w in verb.subtree}
    return any(
        c.root.tag_ in ("NN", "NNP") and c.root.i in first and c.root.lower_ not in _WH for c in t.doc.noun_chunks
    )


def _referent(t, resolved: list[str], answers: list[str], is_person: Callable[[str], bool]) -> str | None:
    """Who or what pronoun ``t`` stands for: a thing from the user's last few questions; after a "who" question,
    the person or group its answer names first ("Who publishes the licence?" - "Can they ...?"); else a group
    from the user's own questions (answers name many bodies in passing), a person from the questions, else the
    answers."""
    if t.lower_ in _THING_PRONOUNS:  # else the code the last answer names: "It is controlled by FC_DEBUG"
        return _recent(resolved, lambda q: _thing(q, is_person)) or (_code_in(answers[-1]) if answers else None)
    if t.lower_ == "there":  # the place the user last asked about, else the thing
        thing = _recent(resolved, _place) or _recent(resolved, lambda q: _thing(q, is_person))
        return f"in {thing}" if thing else None
    group = t.lower_ in _GROUP_PRONOUNS
    # not after "Who is Townsend?": that answer is about the person named, and names others in passing (after
    # "Who is Parata's son?" it names whom was asked for)
    asks_who = re.match(r"\s*(?:who|whom|whose)\b", resolved[-1], re.I)
    named = re.match(r"\s*(?i:who\s+(?:is|are|was|were))\s+([A-Z][^?]*)", resolved[-1])
    if answers and asks_who and not (named and not re.search(r"['’]s\b|\bof\b", named.group(1))):
        people, groups = _referents(answers[-1], is_person)
        lead = _short_answer(answers[-1])
        if lead and not group:  # the answer's own first line, "Te Kaurinui:", is whom the question asked for
            people = [lead, *people]
        if groups if group else people:
            return (groups if group else people)[0]
    if group:  # a body the user named, else the plural thing they asked about
        return _last(resolved, is_person, True) or _recent(resolved, lambda q: _things_asked(q, is_person))
    return _last(resolved, is_person, False) or _last(answers, is_person, False)


def _recent(resolved: list[str], find: Callable[[str], str | None]) -> str | None:
    """What ``find`` finds in the user's last few questions, the latest first."""
    return next((x for q in reversed(resolved[-3:]) if (x := find(q))), None)


def _code_in(answer: str) -> str | None:
    """The first name written as code in ``answer`` (a variable, an option, a path: rag/text/terms.py), when the
    user's questions named no thing: what a technical answer hands the user to act on."""
    words = (w.strip(".,;:!?()[]'\"“”‘’`") for w in answer.split())
    return next((w for w in words if w and written_as_code(w)), None)


def _place(text: str) -> str | None:
    """The first place ``text`` names (a country, city, region or building)."""
    return next((e.text for e in nlp.parse(text).ents if e.label_ in ("GPE", "LOC", "FAC")), None)


def _short_answer(answer: str) -> str | None:
    """The short answer an extractive answer leads with ("Te Kaurinui:" on a line of its own, or before the
    quote), when it is a capitalised name of a few words; None otherwise."""
    m = re.match(r"\s*([A-Z][\w'’.-]*(?:\s+[A-Z][\w'’.-]*){0,4}):\s", answer)
    return m.group(1) if m else None


def _resolve(question: str, resolved: list[str], answers: list[str], is_person: Callable[[str], bool]) -> str:
    elided = _elided(question, resolved[-1], is_person)
    if elided:
        return elided
    doc = nlp.parse(question)
    pronouns = [t for t in doc if _refers(t)]
    if not pronouns:
        return _with_context(question, doc, resolved[-1], is_person)
    out, pos = [], 0
    for t in pronouns:
        name = _referent(t, resolved, answers, is_person)
        if not name:
            continue
        out.append(question[pos : t.idx])
        out.append(f"{name}’s" if t.lower_ in _POSSESSIVE or t.tag_ == "PRP$" else name)
        pos = t.idx + len(t.text)
    return "".join(out) + question[pos:]
