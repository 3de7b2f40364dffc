"""Turn a follow-up question into a standalone one using the conversation so far.

"What did he challenge Amnesty to do?" after a question about Townsend becomes
"What did Townsend challenge Amnesty to do?"; "And what about drones?" after
"What did Croft say?" becomes "What did Croft say about drones?".
"""

from __future__ import annotations

import re

from .attribution import TITLES

_PRONOUNS = re.compile(r"\b(he|she|him|her|his|hers|they|them|their)\b", re.I)
_POSSESSIVE = {"his", "her", "hers", "their"}
_ELLIPSIS = [
    re.compile(r"^(?:and\s+|but\s+|so\s+)?(?:what|how)\s+about\s+(?P<topic>.+?)\s*\??$", re.I),
    re.compile(r"^(?:and|also)\s+(?:about\s+|on\s+)?(?P<topic>[^?]{1,60}?)\s*\??$", re.I),
]
_NAME = re.compile(r"\b(?:[A-Z][a-z]+(?:[-'][A-Za-z]+)?|al-[A-Z][a-z]+)(?:\s+(?:[A-Z][a-z]+(?:[-'][A-Za-z]+)?|al-[A-Z][a-z]+))*")
_NOT_NAMES = {
    "What", "Who", "Whom", "Which", "When", "Where", "Why", "How", "Did", "Does", "Do", "Is", "Are", "Was", "Were",
    "And", "But", "So", "The", "A", "An", "In", "On", "Of", "I", "It", "He", "She", "They", "Tell", "Please", "Can",
    "Could", "Would", "Should", "Also", "According", "If", "This", "That", "These", "Those", "There", "Yes", "No",
}
_GROUP_WORDS = {"amnesty", "international", "coalition", "organization", "organizations", "government", "forces", "state"}


def _last_person(texts: list[str]) -> str | None:
    """The most recent name-like phrase in ``texts`` (newest text last), preferring people over groups."""
    for text in reversed(texts):
        candidates = []
        for m in _NAME.finditer(text):
            toks = [t for t in m.group(0).split() if t not in _NOT_NAMES and t.lower() not in TITLES]
            if toks:
                candidates.append(" ".join(toks))
        people = [c for c in candidates if not set(c.lower().split()) & _GROUP_WORDS]
        if people:
            return people[-1] if len(people) == 1 else people[0]
    return None


def standalone_question(question: str, history: list[tuple[str, str]] | None) -> str:
    """``question`` rewritten to stand alone, using earlier (user, assistant) turns; unchanged without history."""
    question = question.strip()
    if not history:
        return question
    # Earlier user turns are resolved in order, each against the ones before it (already
    # resolved), so a chain of follow-ups works in time linear in the turns.
    resolved: list[str] = []
    for i, (user, _) in enumerate(history):
        resolved.append(_resolve(user.strip(), resolved, [a for _, a in history[:i]]) if resolved else user.strip())
    return _resolve(question, resolved, [a for _, a in history])


def _resolve(question: str, resolved: list[str], answers: list[str]) -> str:
    """``question`` given the earlier user turns ``resolved`` (already standalone) and the answers."""
    previous = resolved[-1]
    for pattern in _ELLIPSIS:
        m = pattern.match(question)
        if m and not re.match(r"^(what|who|when|where|why|how|which)\b", m.group("topic"), re.I):
            topic = m.group("topic").strip()
            base = re.sub(r"\s+(?:about|on|regarding|concerning)\s+.*$", "", previous.rstrip(" ?"))
            return f"{base} about {topic}?"
    if _PRONOUNS.search(question):
        # a person asked about by the user is the likeliest referent; then the answer's people
        name = _last_person(resolved) or _last_person(answers)
        if name:
            def swap(m: re.Match) -> str:
                word = m.group(0)
                if word.lower() in ("they", "them", "their"):
                    return word  # plural pronouns rarely mean the person; leave them
                return f"{name}'s" if word.lower() in _POSSESSIVE else name
            return _PRONOUNS.sub(swap, question)
    return question
