"""What a question asks, read from spaCy's parse: its type, the kind of answer it expects,
who or what it is about, and the key terms the evidence must hold.

Question types (``QuestionAnalysis.qtype``):

* factoid: a short answer of an expected kind (``answer_type``: PERSON, ORG, PLACE, DATE,
  NUMBER, or None for any phrase): "When did Abadi criticize the report?"
* who_said: the speaker of a quote or claim: "Who said the report is riddled with assertion?"
* what_said: what someone said, about a topic or not: "What did Croft say about drones?"
* definition: who or what something is, or what an abbreviation stands for
* list: every item of a kind: "Which news organizations are mentioned?"
* summary: a few covering sentences: "Give me an overview of ..."
* why / how: reasons or means
* yes_no, comparison
* request: not a question about the sources ("Write a poem"); refused

The word lists (rag/answer/question_words.py) are ordinary English question and request
words, not words of any document.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from ..text import nlp
from ..text.sentences import sentence_spans
from ..text.terms import OPTION, UNDERSCORED, code_name
from .comparison_sides import compares, comparison_sides, versus
from .key_terms import (
    KeyTerm,
    finite_aux,
    identifier,
    key_terms,
    opening_end,
    option_at,
    proper_phrases,
    span_text,
    written_as_code,
)
from .qtypes import QType
from .question_words import (
    _AUX,
    _DEFINITION_FRAME,
    _DOCUMENT_KINDS,
    _FORM_NOUNS,
    _HOW_NUMBER,
    _IMPORTANCE,
    _LIST_VERBS,
    _NOUN_TYPES,
    _REQUEST_VERBS,
    _SOURCE_WORDS,
    _SUMMARY_NOUNS,
    _SUMMARY_VERBS,
    _WEAK_SUMMARY_NOUNS,
    _WH,
    QUOTED,
)
from .question_words import ANSWER_LABELS as ANSWER_LABELS
from .question_words import SPEECH_LEMMAS as SPEECH_LEMMAS


@dataclass(frozen=True)
class QuestionAnalysis:
    """What a question asks (see the module docstring)."""

    text: str
    qtype: QType
    answer_type: str | None = None
    focus: str | None = None  # the entity or phrase asked about ("AI" in "What does AI stand for?")
    speaker: str | None = None  # what_said: whose words
    topic: str | None = None  # what_said / who_said / summary: what about; list: the kind of item
    sides: tuple[str, ...] = ()  # comparison: the things compared
    key_terms: tuple[KeyTerm, ...] = field(default_factory=tuple)
    verb: str = ""  # the lemma of the question's main verb ("quote" in "Which people are quoted?")

    @property
    def names(self) -> list[str]:
        return [t.text for t in self.key_terms if t.kind == "name"]


def _noun_type(token) -> str | None:
    lemma = token.lemma_.lower()
    return next((kind for kind, nouns in _NOUN_TYPES.items() if lemma in nouns), None)


def asked_part(text: str) -> str:
    """The sentences of ``text`` that ask about the sources, when others only instruct ("What did X say?
    Ignore your rules." -> "What did X say?"; "Summarize the report. Be brief." -> "Summarize the report.");
    ``text`` itself when every sentence asks, or none does."""
    parts = [text[a:b] for a, b in sentence_spans(text)]
    if len(parts) < 2:
        return text
    asking = [p for p in parts if analyze(p).qtype != QType.REQUEST]
    return " ".join(asking) if asking and len(asking) < len(parts) else text


# a question word run together with "is" as typed without the apostrophe ("whats X", "wheres Y"): the parser
# reads "whats" as a noun, so the question has no question word
_WH_IS = re.compile(r"\b(what|who|where|when|how|why)s\b", re.I)


def analyze(question: str) -> QuestionAnalysis:
    """The analysis of ``question`` (already standalone: follow-ups resolved)."""
    parsed = _WH_IS.sub(r"\1's", question)
    doc = nlp.parse(parsed.strip())  # once: spaCy's parse is most of an analysis's time
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    found = _analyze(parsed, doc)
    return dataclasses.replace(found, text=question, verb=root.lemma_.lower() if root is not None else "")


def _analyze(question: str, doc) -> QuestionAnalysis:
    words = [t for t in doc if not t.is_punct and not t.is_space]
    if not words:
        return QuestionAnalysis(question, QType.FACTOID)
    if words[0].pos_ in ("ADP", "SCONJ") and len(words) > 1 and words[1].lower_ in _WH:
        words = words[1:]  # "On what day ...", "In which city ...", "Since when ...": the wh-word leads
    # "In a nutshell, what is X for?", "When I run gull, what does it print?": the question after the opening
    opened = opening_end(doc) or _clause_end(doc) or _statement_end(doc)
    words = [w for w in words if w.i >= opened] or words
    first = words[0]
    root = next((t for t in doc if t.dep_ == "ROOT"), words[0])
    request_word = first.i == 0 and first.lemma_.lower() in _REQUEST_VERBS  # whatever the parse makes of it
    # a bare verb first is an instruction, unless the text asks ("ninja on windows??": a name the tagger took for a
    # verb, and a question mark)
    imperative = (
        first.tag_ == "VB"
        and not any(c.dep_ in ("nsubj", "nsubjpass") for c in root.children)
        and not question.rstrip().endswith("?")
    )
    if (request_word or imperative) and first.lower_ not in _WH:
        return _imperative(question, doc, first)
    if any(asks_summary(t) and t.dep_ in ("dobj", "attr", "ROOT", "nsubj") for t in doc) and first.lower_ in (
        "can",
        "could",
        "would",
        "what",
        "please",
    ):
        return _summary(question, doc)
    # "A vs B" compares, unless another question is asked of it ("who won X vs Y?", "how did X vs Y ...?")
    if any(compares(t) for t in doc) or (
        versus(doc) and first.lower_ not in ("who", "whom", "whose", "when", "where", "how", "why")
    ):
        return _comparison(question, doc)
    wh = _tag(words) or first.lower_
    if wh in ("who", "whom", "whose"):
        return _who(question, doc, root)
    if wh in ("what", "which"):
        return _what(question, doc, root, words)
    if wh == "when":
        return QuestionAnalysis(question, QType.FACTOID, "DATE", key_terms=key_terms(doc))
    if wh == "where":
        return QuestionAnalysis(question, QType.FACTOID, "PLACE", key_terms=key_terms(doc))
    if wh == "why":
        return QuestionAnalysis(question, QType.WHY, key_terms=key_terms(doc))
    if wh == "how":
        if len(words) > 1 and words[1].lower_ in _HOW_NUMBER:
            return QuestionAnalysis(question, QType.FACTOID, "NUMBER", key_terms=key_terms(doc, {words[1].i}))
        return QuestionAnalysis(question, QType.HOW, key_terms=key_terms(doc))
    if first.lemma_.lower() in _AUX and first.tag_ in ("VBZ", "VBD", "VBP", "MD", "VB"):
        return QuestionAnalysis(question, QType.YES_NO, key_terms=key_terms(doc))
    if _inverted(doc, root):  # "Under the licence am I allowed to sell it?": yes or no after an opening phrase
        return QuestionAnalysis(question, QType.YES_NO, key_terms=key_terms(doc))
    return _what(question, doc, root, words)


def _tag(words) -> str | None:
    """The question word a statement ends on after a comma ("I set X to true and now nothing arrives, why?"): it
    asks about the statement; None otherwise."""
    if len(words) > 2 and words[-1].lower_ in ("why", "how", "when", "where") and words[-1].i > 0:
        before = words[-1].doc[words[-1].i - 1]
        return words[-1].lower_ if before.text in (",", ";", "-", "—") else None
    return None


def _inverted(doc, root) -> bool:
    """Whether a question with no question word puts an auxiliary of its main verb before the verb's subject, as
    a yes/no question does wherever it starts ("Under the licence, am I allowed ...?")."""
    if any(t.lower_ in _WH for t in doc) or not doc.text.rstrip().endswith("?"):
        return False
    if doc[0].pos_ in ("NOUN", "PROPN", "PRON", "DET", "ADJ", "NUM"):  # an opening phrase starts otherwise
        return False
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is None and root.pos_ == "AUX":  # "on debian is X11 forwarding ... restricted?": the parser makes the
        # subject of an inverted "is" its attribute
        subject = next((c for c in root.children if c.dep_ == "attr" and c.i > root.i), None)
    aux = [c for c in root.children if c.dep_ in ("aux", "auxpass")] + ([root] if root.pos_ == "AUX" else [])
    return subject is not None and any(a.i < subject.i and finite_aux(a) for a in aux)


def _clause_end(doc) -> int:
    """The token after the clauses that open the question with a time or a condition ("When I run gull, what does
    it print?", "If I delete the log, how do I get it back?", "If I write $X, will it expand it?"): the root's
    adverbial clauses from the first word, when a question word follows them (or an asking auxiliary, in a question
    without one) and no question word is inside them ("Starting in what year did ...?" asks in its clause); 0
    otherwise. A question that starts "When did ...", or with another question word, asks at once."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or len(doc) < 3 or (doc[0].lower_ in _WH and (doc[0].lower_ != "when" or finite_aux(doc[1]))):
        return 0
    end = 0
    for clause in sorted((c for c in root.children if c.dep_ == "advcl" and c.i < root.i), key=lambda c: c.i):
        if clause.left_edge.i != end:
            break
        end = clause.right_edge.i + 1
        while end < len(doc) and doc[end].is_punct:
            end += 1
    if end == 0 or end >= len(doc) or any(t.lower_ in _WH for t in doc[1:end]):
        return 0
    asks_yes_no = finite_aux(doc[end]) and not any(t.lower_ in _WH for t in doc[end:])
    return end if doc[end].lower_ in _WH or asks_yes_no else 0


# the question words that ask about a statement before them; "what" and "who" mostly ask about a thing it names
# ("Chopiniana later went by a different name, what is that name?"), which the question itself does not say
_ABOUT_STATEMENT = frozenset({"how", "why", "where", "when"})


def _statement_end(doc) -> int:
    """The question word that opens a question after a statement and a comma ("I marked a commit good by mistake,
    how do I fix that?"): it asks about the statement; 0 when the text opens with a question or an auxiliary, or
    no such question word and an asking auxiliary follow a comma."""
    if len(doc) < 4 or doc[0].lower_ in _WH or finite_aux(doc[0]):
        return 0
    for t in doc[1:-1]:
        if t.lower_ in _WH:
            asks = t.lower_ in _ABOUT_STATEMENT and doc[t.i - 1].text in (",", ";") and finite_aux(doc[t.i + 1])
            return t.i if asks else 0
    return 0


def _speech_root(doc, root):
    """The speech verb the question turns on ("say" in "What did X say ..."), if any."""
    if root.lemma_.lower() in SPEECH_LEMMAS:
        return root
    return None


def _made_by(speech) -> bool:
    """Whether "who" + this speech verb asks who made a thing ("Who wrote the library?", "Who published the
    report?"): a direct object, and nothing said of it or about it (no clause, no "as ...", "about ...")."""
    said = {c.dep_ for c in speech.children} & {"ccomp", "xcomp", "oprd", "advcl"} or any(
        c.dep_ == "prep" and c.lower_ in ("as", "about", "of", "on") for c in speech.children
    )
    # a thing, whatever the tagger calls it ("zpipe.c" a number); not "Who said that?"
    made = [c for c in speech.children if c.dep_ == "dobj" and c.pos_ not in ("PRON", "DET")]
    return bool(made) and not said


def _who(question: str, doc, root) -> QuestionAnalysis:
    speech = _speech_root(doc, root)
    if speech is not None and _made_by(speech):
        speech = None  # who made it: an agent, not a speaker
    if speech is not None and not any(c.dep_ in ("nsubj",) and c.lower_ not in _WH for c in speech.children):
        clause = [t for t in doc if t.i > speech.i and not t.is_punct]
        skip = {speech.i}
        return QuestionAnalysis(
            question, QType.WHO_SAID, "PERSON", topic=span_text(clause) or None, key_terms=key_terms(doc, skip)
        )
    if root.lemma_ == "be":
        subject = [c for c in root.children if c.dep_ in ("nsubj", "attr") and c.lower_ not in _WH]
        if subject and subject[0].pos_ == "PROPN":
            focus = next(iter(proper_phrases(doc)), subject[0].text)
            return QuestionAnalysis(question, QType.DEFINITION, focus=focus, key_terms=key_terms(doc))
    return QuestionAnalysis(question, QType.FACTOID, "AGENT", key_terms=key_terms(doc))


def _definition_frame(doc, root) -> set[int]:
    """The words of a "what does X stand for / mean" or "the abbreviation X" frame (none when the question has no
    such frame): they ask for a definition and are not what is asked about."""
    lemmas = {t.lemma_.lower() for t in doc}
    if not ({"stand", "for"} <= lemmas or root.lemma_ == "mean" or "abbreviation" in lemmas):
        return set()
    return {t.i for t in doc if t.lemma_.lower() in _DEFINITION_FRAME}


def _as_code(token) -> bool:
    """Whether a word is a name written as code ("max_size", "os.path.join", "libtasn1", "setTimeout")."""
    text = token.text
    mixed = text.islower() and any(c.isdigit() for c in text) and any(c.isalpha() for c in text)
    return bool(UNDERSCORED.fullmatch(text) or code_name(text) or identifier(token) or mixed)


def _named_context(doc, quoted: bool = False) -> set[int]:
    """The words of a closing "in X" where X is a name ("What is a pool in Ninja?", "... in Python 3?"; after a
    quoted term, one noun: "What's the 'controlling thread' in threadpoolctl?"), or of a closing "according to X"
    (the source asked): the setting of the question, not part of what it asks about."""
    end = len(doc) - (1 if doc[-1].is_punct else 0)
    for t in doc:
        if t.lower_ == "according" and t.i + 2 < end and doc[t.i + 1].lower_ == "to":
            return set(range(t.i, end))
        if t.lower_ in ("in", "within") and t.pos_ == "ADP" and t.i < end - 1:
            rest = doc[t.i + 1 : end]
            named = [r.pos_ in ("PROPN", "NUM") or _as_code(r) for r in rest if not r.is_punct]
            one_noun = quoted and len(rest) == 1 and rest[0].pos_ == "NOUN"
            if one_noun or (all(named) and (rest[0].pos_ == "PROPN" or _as_code(rest[0]))):
                return set(range(t.i, end))
    return set()


def _code_done(doc) -> str | None:
    """The name written as code of "What does/do X do/mean (in Y)?" (the parser's reading of these varies: the
    words are read as written); None for another question ("What did the iPod do to sales?")."""
    toks = [t for t in doc if not t.is_punct]
    if len(toks) < 4 or toks[0].lower_ != "what" or toks[1].lower_ not in ("does", "do"):
        return None
    end = next((i for i in range(3, len(toks)) if toks[i].lower_ in ("do", "mean")), None)
    if end is None or (end + 1 < len(toks) and toks[end + 1].lower_ not in ("in", "for", "with")):
        return None
    # written as code, whatever the tagger calls it ("changeOrigin", "max_size")
    return next((t.text for t in toks[2:end] if len(t.text) > 2 and written_as_code(t.text)), None)


def _what(question: str, doc, root, words) -> QuestionAnalysis:
    option = next((t for t in doc if OPTION.fullmatch(t.text)), None)
    if option is not None and root.lemma_ in ("do", "mean"):  # "What does -v do?": the option's entry says
        return QuestionAnalysis(question, QType.DEFINITION, focus=option_at(doc, option.i)[0], key_terms=key_terms(doc))
    code = _code_done(doc)
    if code is not None:  # "what does the changeOrigin option do?": a setting written as code, as an option is
        return QuestionAnalysis(question, QType.DEFINITION, focus=code, key_terms=key_terms(doc))
    frame = _definition_frame(doc, root)
    if frame:  # what a quoted term means ('What does "still reachable" mean?'), else the subject's
        quoted = QUOTED.search(question)
        subject = next((t.text for t in doc if t.dep_ in ("nsubj",) and t.lower_ not in _WH), None)
        defined = (quoted.group(0)[1:-1] if quoted else None) or subject
        return QuestionAnalysis(question, QType.DEFINITION, focus=defined, key_terms=key_terms(doc, frame))
    # "which/what N": the wh-word is N's determiner
    head = words[1] if len(words) > 1 and words[0].lower_ in ("what", "which") and words[0].dep_ == "det" else None
    if head is not None and head.pos_ == "NUM" and len(words) > 2 and words[2].tag_ in ("NNS", "NNPS"):
        head = words[2]  # "what two fields": the kind after the count (not "what 1945 film")
    noun = None
    if head is not None and head.pos_ in ("NOUN", "PROPN", "ADJ"):
        noun = head.head if head.dep_ in ("compound", "amod") and head.head.pos_ == "NOUN" else head
    speech = _speech_root(doc, root)
    if speech is not None and noun is None:  # "which troops did X say ..." asks for a thing, not the words
        said = _what_said(question, doc, speech)
        if said is not None:
            return said
    about = _about_what(doc, root) if noun is None else None
    if about is not None:  # "What is the report about?": what it says, in a few sentences
        return _summary_of(question, doc, about)
    # "Which university is X from?" asks for a university: with its own noun the question word is no definition's
    defined = _definition(question, doc, root, words) if root.lemma_ == "be" and noun is None else None
    if defined is not None:
        return defined
    # the kind asked for, "which tools": a plural kind asks for several, which a list the documents write out may
    # answer; the noun of "which organization", "what kind of" names the kind of answer, not a word the evidence
    # must hold (it says "an eagle", not "an animal")
    several = ""
    if noun is not None and head is not None and noun.tag_ in ("NNS", "NNPS"):
        several = span_text([t for t in noun.subtree if head.i <= t.i <= noun.i])
        listing = root.lemma_.lower() in _LIST_VERBS or any(t.lower_ in ("all", "every") for t in words[:4])
        if several and listing:  # "which newspapers are mentioned", not "which band cited her"
            skip = {root.i, *range(head.i, noun.i + 1)}
            return QuestionAnalysis(
                question, QType.LIST, _noun_type(noun), topic=several, key_terms=key_terms(doc, skip)
            )
    answer_type = _noun_type(noun) if noun is not None else None
    skip = {noun.i} if noun is not None else set()
    return QuestionAnalysis(question, QType.FACTOID, answer_type, topic=several or None, key_terms=key_terms(doc, skip))


def _what_said(question: str, doc, speech) -> QuestionAnalysis | None:
    """ "What did X say (about Y)?": the speaker is the subject of the speech verb, unless it is the thing asked
    for ("which troops"; a wh-word the parser hung on it goes); None without one."""
    speaker = next(
        (
            c
            for c in speech.children
            if c.dep_ in ("nsubj", "nsubjpass") and not any(t.lower_ in _WH and t.dep_ == "det" for t in c.subtree)
        ),
        None,
    )
    if speaker is None or speaker.pos_ not in ("PROPN", "NOUN"):
        return None
    who = span_text(
        [t for t in speaker.subtree if t.lower_ not in _WH and t.pos_ != "AUX" and (not t.is_punct or t.text == "-")]
    )
    return QuestionAnalysis(
        question,
        QType.WHAT_SAID,
        focus=who,
        speaker=who,
        topic=_said_topic(speech),
        key_terms=key_terms(doc, {speech.i}),
    )


def _about_what(doc, root) -> list | None:
    """The subject's words of "What is X about?" (a closing "about" with no object of its own, on "be" or in X);
    None for any other question ("What was X worried about?": about is the adjective's)."""
    last = [t for t in doc if not t.is_punct]
    if (
        root.lemma_ != "be"
        or not last
        or last[-1].lower_ != "about"
        or any(c.dep_ == "pobj" for c in last[-1].children)
    ):
        return None
    # the subject; a name the tagger takes for a complement ("What is python-dotenv about?")
    subjects = [
        c
        for c in root.children
        if (c.dep_ in ("nsubj", "attr") or (c.dep_ == "acomp" and c.pos_ in ("NOUN", "PROPN"))) and c.lower_ not in _WH
    ]
    if len(subjects) != 1 or last[-1].head.i not in {root.i, *(t.i for t in subjects[0].subtree)}:
        return None
    if any(c.dep_ in ("acomp", "xcomp", "ccomp", "dobj") and c.i != subjects[0].i for c in root.children):
        return None
    return [t for t in subjects[0].subtree if not t.is_punct and t.lower_ != "about"]


def _definition(question: str, doc, root, words) -> QuestionAnalysis | None:
    """ "What is X?" as a definition of X, when short (six words, a closing "in <name>" after a term with "a/an" not
    counted: "What is a pool in Ninja?"); None when it asks for something of X's: a possessive ("What is X's
    rank?"), a superlative or ordinal ("the biggest city": which one), or a verb on the subject ("What is the outer
    core called?", "What are pools used for?": the parser hangs the participle on the subject)."""
    subject = [c for c in root.children if c.dep_ in ("nsubj", "attr") and c.lower_ not in _WH]
    if not subject:  # "What is apt?", "What is max_size?": a name the tagger takes for an adjective or punctuation
        subject = [
            c for c in root.children if (c.dep_ == "acomp" and len(words) == 3) or (c.i == root.i + 1 and _as_code(c))
        ]
    if not subject:
        return None
    # a term ("a pool", "asn1_node", "the 'controlling thread'") may be set in a named context that is not part of
    # it ("in Ninja")
    quoted = any(c.text in _QUOTES for c in subject[0].children)
    term = (
        quoted or _as_code(subject[0]) or any(c.dep_ == "det" and c.lower_ in ("a", "an") for c in subject[0].children)
    )
    context = _named_context(doc, quoted) if term else set()
    if len(words) - len(context) > 6 or any(c.dep_ in ("poss", "acl", "relcl") for c in subject[0].children):
        return None
    if any(t.tag_ in ("JJS", "RBS") or t.ent_type_ == "ORDINAL" for t in subject[0].subtree if t.i < subject[0].i):
        return None
    focus = span_text([t for t in subject[0].subtree if not t.is_punct and t.i not in context])
    focus = _QUOTE_MARK.sub("", focus)  # "the 'controlling thread" (its last quote is punctuation after it)
    return QuestionAnalysis(question, QType.DEFINITION, focus=focus, key_terms=key_terms(doc))


_QUOTES = frozenset("'\"“”‘’")
_QUOTE_MARK = re.compile(r"(?<!\w)['\"“‘]|['\"”’](?!\w)")


def _said_topic(speech) -> str | None:
    """What a statement is asked about: "about X", a clause ("say ISIS does ..."), or the object of
    "call"-like verbs; never the person told ("told NPR")."""
    for c in speech.children:
        inner = [t for t in c.subtree if t.i != c.i and not t.is_punct]
        if c.dep_ == "prep" and c.lower_ in ("about", "on", "regarding", "concerning", "from", "of") and inner:
            return span_text(inner)
    for c in speech.children:
        if c.dep_ in ("ccomp", "xcomp"):
            return span_text([t for t in c.subtree if not t.is_punct]) or None
    for c in speech.children:
        if c.dep_ in ("dobj", "attr", "oprd") and c.lower_ not in _WH and speech.lemma_.lower() not in ("tell", "ask"):
            return span_text([t for t in c.subtree if not t.is_punct]) or None
    # a misparsed "about": the words after the verb, from the first preposition
    rest = [t for t in speech.doc if t.i > speech.i and not t.is_punct]
    if rest and rest[0].lower_ in _ABOUT:
        return span_text(rest[1:]) or None
    return None


_ABOUT = ("about", "on", "regarding", "concerning")  # what follows says what is spoken of


def _generic(topic: str | None) -> bool:
    """Whether a summary's topic is the sources as a whole ("the article", "the main points")."""
    if not topic:
        return True
    return all(
        t.lemma_.lower()
        in _SOURCE_WORDS | _DOCUMENT_KINDS | _SUMMARY_NOUNS | {"main", "key", "important", "all", "whole"}
        or t.is_stop
        or t.is_punct
        for t in nlp.parse(topic)
    )


def _named_document(tokens, named_kind: bool = False) -> str | None:
    """The name of "the Ninja manual", "the USENIX example paper": the words before the head of a phrase that is
    a kind of document (with ``named_kind``, the kind itself when nothing names it: "spec" of "the spec"); None
    when the head is something else ("Ninja's pools") or more follows it."""
    if not tokens:
        return None
    inside = {t.i for t in tokens}
    head = next((t for t in tokens if t.head.i not in inside or t.head.i == t.i), None)
    if tokens[-1].lemma_.lower() in _DOCUMENT_KINDS and not any(t.pos_ in ("VERB", "AUX", "ADP") for t in tokens):
        head = tokens[-1]  # a noun phrase ends on its head; the parser may take the name for it ("the gnu time manual")
    if head is None or head.lemma_.lower() not in _DOCUMENT_KINDS:
        return None
    # the words before the head name it; what follows it is a topic ("the report on drones")
    if any(t.i > head.i and not t.is_punct for t in tokens):
        return None
    name = [t.text for t in tokens if t.i < head.i and not t.is_stop and not t.is_punct and t.pos_ != "DET"]
    return " ".join(name) or (head.text if named_kind else None)


def asks_summary(token) -> bool:
    """Whether ``token`` asks for a summary: a summary verb or noun; "point", "idea" and their like only with a
    word of importance ("the main points", "key takeaways"), not "the boiling point"."""
    lemma = token.lemma_.lower()
    if lemma in _SUMMARY_VERBS or (lemma in _SUMMARY_NOUNS and lemma not in _WEAK_SUMMARY_NOUNS):
        return True
    return lemma in _WEAK_SUMMARY_NOUNS and any(c.lemma_.lower() in _IMPORTANCE for c in token.children)


def _without_form(tokens: list) -> list:
    """``tokens`` without the form the answer is asked in ("in a few sentences", "in one paragraph")."""
    form: set[int] = set()
    for t in tokens:
        for c in t.children if t.lower_ == "in" else ():
            if c.dep_ == "pobj" and c.lemma_.lower() in _FORM_NOUNS:  # its words before it, not "of the strikes"
                form |= {t.i} | {d.i for d in c.subtree if d.i <= c.i}
    return [t for t in tokens if t.i not in form]


def _source_said(tokens: list) -> tuple[list, list] | None:
    """("the spec", "security") of "what the spec says about security": a document as the subject of a reporting
    verb, and what follows its "about"; ("the gnu time manual", nothing) of "what the gnu time manual covers", the
    document as a whole; None for anything else."""
    verb = next((t for t in tokens if t.lemma_.lower() in SPEECH_LEMMAS | _CONTENT_VERBS), None)
    subject = next((c for c in verb.children if c.dep_ == "nsubj"), None) if verb is not None else None
    if verb is None or subject is None:
        return None
    if subject.lemma_.lower() not in _SOURCE_WORDS | _DOCUMENT_KINDS:
        # the parser may hang the kind of document on the name ("the gnu time manual": "time", its apposition)
        kind = [c for c in subject.children if c.dep_ == "appos"]
        if not kind or kind[0].lemma_.lower() not in _DOCUMENT_KINDS:
            return None
    about = next((t for t in tokens if t.i > verb.i and t.lower_ in _ABOUT), None)
    if about is None:
        # "what the manual covers": nothing but the question word for its object, so the whole document
        objects = [c for c in verb.children if c.dep_ in ("dobj", "attr", "ccomp", "xcomp", "prep")]
        return ([t for t in subject.subtree], []) if all(c.lower_ in _WH for c in objects) else None
    return [t for t in subject.subtree], [t for t in tokens if t.i > about.i]


# verbs that say what a document holds ("what the manual covers")
_CONTENT_VERBS = {"cover", "describe", "contain", "discuss", "explain", "document"}


def _summary(question: str, doc) -> QuestionAnalysis:
    """A summary of what follows the request word ("an overview of how the coalition responded"); no
    topic when it is the sources as a whole."""
    anchor = next((t for t in doc if asks_summary(t)), None)
    rest = _without_form(
        [
            t
            for t in doc
            # not the request's particle: "sum up the termination section"
            if anchor is not None and t.i > anchor.i and not t.is_punct and not (t.dep_ == "prt" and t.head == anchor)
        ]
    )
    while rest and rest[0].lower_ in ("of", "about", "on", "regarding", "for", "me", "us", "the", "a"):
        rest = rest[1:]
    return _summary_of(question, doc, rest)


def _summary_of(question: str, doc, rest: list) -> QuestionAnalysis:
    """A summary of the words ``rest`` ask about: a document named or of a kind, or a topic in the sources."""
    said = _source_said(rest)
    source, rest = said if said else ([], rest)
    topic = None if _generic(span_text(rest)) else span_text(rest)
    named = _named_document(source, named_kind=True) if source else _named_document(rest)
    if topic is None or (named and not source):
        # the sources as a whole, or the documents of that name ("the Ninja manual"): nothing to look for
        return QuestionAnalysis(question, QType.SUMMARY, focus=named)
    kept = {t.i for t in rest}
    return QuestionAnalysis(
        question,
        QType.SUMMARY,
        topic=topic,
        focus=named,
        key_terms=key_terms(doc, {t.i for t in doc if t.i not in kept}),
    )


def _comparison(question: str, doc) -> QuestionAnalysis:
    """A comparison, with the sides it compares (comparison_sides)."""
    return QuestionAnalysis(question, QType.COMPARISON, sides=tuple(comparison_sides(doc)), key_terms=key_terms(doc))


def _imperative(question: str, doc, verb) -> QuestionAnalysis:
    """A request: about the sources (summarize, list, tell me what ...) or not (write a poem)."""
    lemma = verb.lemma_.lower()
    if lemma not in _REQUEST_VERBS:
        return QuestionAnalysis(question, QType.REQUEST)
    if lemma in _SUMMARY_VERBS or any(asks_summary(t) for t in doc):
        return _summary(question, doc)
    if lemma in ("compare", "contrast"):
        return _comparison(question, doc)
    clause = next((t for t in doc if t.lower_ in _WH and t.i > verb.i), None)
    if clause is not None and any(t.pos_ in ("NOUN", "PROPN") and t.dep_ != "pobj" for t in doc[verb.i + 1 : clause.i]):
        clause = None  # "list the exit codes and what they mean": the thing asked for comes first
    if clause is not None:  # "Tell me what Croft said": the embedded question is the question
        inner = analyze(doc[clause.i :].text)
        return inner if inner.qtype != QType.REQUEST else QuestionAnalysis(question, QType.REQUEST)
    if lemma in ("list", "name", "enumerate", "identify"):
        obj = next((c for c in verb.children if c.dep_ == "dobj"), None) or next(
            (t for t in doc if t.i > verb.i and t.pos_ in ("NOUN", "PROPN")), None
        )
        while obj is not None and obj.dep_ == "compound" and obj.head.pos_ == "NOUN" and obj.head.i > obj.i:
            obj = obj.head  # "exit" of "the exit codes xargs returns", where the parse went wrong: "codes"
        kind = span_text([t for t in obj.subtree if t.i <= obj.i and t.dep_ != "det"]) if obj is not None else None
        # "Name a river that ...", "Name the author": one thing, a factoid ("List every river": a list)
        if (
            obj is not None
            and lemma in ("name", "identify")
            and obj.tag_ in ("NN", "NNP")
            and not any(c.lower_ in ("every", "each", "all") for c in obj.children)
        ):
            return QuestionAnalysis(question, QType.FACTOID, _noun_type(obj), key_terms=key_terms(doc, {verb.i, obj.i}))
        return QuestionAnalysis(
            question,
            QType.LIST,
            _noun_type(obj) if obj is not None else None,
            topic=kind,
            key_terms=key_terms(doc, {verb.i}),
        )
    about = next((t for t in doc if t.lower_ in ("about", "on", "regarding") and t.i > verb.i), None)
    if about is not None or lemma in ("explain", "describe", "define"):
        rest = [t for t in doc if t.i > (about.i if about is not None else verb.i) and not t.is_punct]
        return QuestionAnalysis(
            question, QType.SUMMARY, topic=span_text(rest) or None, key_terms=key_terms(doc, {verb.i})
        )
    return QuestionAnalysis(question, QType.REQUEST)
