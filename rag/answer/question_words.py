"""The words a question's analysis reads (rag/answer/analysis.py): ordinary English question and request words,
not words of any document, and the spaCy entity labels of each kind of answer."""

from __future__ import annotations

import re

from ..text.attribution import REPORTING_VERBS

# spaCy entity labels that count as each expected answer type
ANSWER_LABELS = {
    "PERSON": {"PERSON"},
    "AGENT": {"PERSON", "ORG", "NORP", "GPE"},  # "who": a person, or a body (a country) that acts like one
    "ORG": {"ORG"},
    "PLACE": {"GPE", "LOC", "FAC"},
    "DATE": {"DATE", "TIME", "EVENT"},
    "NUMBER": {"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "ORDINAL"},
}
# the head noun of "which/what N" -> the kind of answer
_NOUN_TYPES = {
    "PERSON": {
        "person",
        "people",
        "man",
        "woman",
        "official",
        "leader",
        "commander",
        "general",
        "minister",
        "president",
        "spokesman",
        "spokeswoman",
        "journalist",
        "reporter",
        "author",
        "writer",
        "host",
        "director",
        "king",
        "queen",
        "player",
        "scientist",
        "politician",
        "officer",
        "soldier",
        "member",
        "founder",
        "ruler",
    },
    "ORG": {
        "organization",
        "organisation",
        "company",
        "agency",
        "group",
        "party",
        "institution",
        "outlet",
        "newspaper",
        "network",
        "university",
        "body",
        "government",
        "army",
        "force",
        "team",
        "firm",
        "charity",
    },
    "PLACE": {
        "city",
        "country",
        "place",
        "town",
        "region",
        "state",
        "area",
        "location",
        "province",
        "nation",
        "continent",
        "village",
        "capital",
        "river",
        "island",
    },
    "DATE": {"year", "date", "day", "month", "time", "decade", "century", "period", "era", "season", "week"},
    "NUMBER": {
        "number",
        "amount",
        "percentage",
        "percent",
        "share",
        "proportion",
        "total",
        "cost",
        "price",
        "population",
        "size",
        "count",
    },
}
_HOW_NUMBER = {"many", "much", "old", "long", "far", "large", "big", "tall", "high", "often", "fast", "wide", "deep"}
SPEECH_LEMMAS = {*REPORTING_VERBS, "quote"}  # "Who is quoted?" asks for the speakers
_LIST_VERBS = {"mention", "name", "list", "cite", "quote", "reference", "include", "involve", "enumerate", "identify"}
_SUMMARY_VERBS = {"summarize", "summarise", "outline", "recap", "overview", "sum"}
_SUMMARY_NOUNS = {
    "summary",
    "overview",
    "gist",
    "rundown",
    "recap",
    "synopsis",
    "outline",
    "point",
    "highlight",
    "takeaway",
    "idea",
}
# summary nouns that ask for one only with a word of importance ("the main points", "key takeaways"): alone they
# are things a question asks about ("the boiling point", "whose idea was it")
_WEAK_SUMMARY_NOUNS = {"point", "highlight", "takeaway", "idea"}
_IMPORTANCE = {"main", "key", "important", "central", "major", "big", "general", "overall", "principal", "core"}
# the form an answer is asked in ("in a few sentences", "in one paragraph"): not what it is about
_FORM_NOUNS = {"sentence", "word", "paragraph", "line", "bullet", "point", "minute"}
_REQUEST_VERBS = {
    "tell",
    "give",
    "show",
    "find",
    "provide",
    "explain",
    "describe",
    "define",
    "compare",
    "contrast",
    "list",
    "name",
    "enumerate",
    "identify",
    *_SUMMARY_VERBS,
    "quote",
    "cite",
}
_COMPARE = {"differ", "compare", "contrast", "difference", "similar", "similarity", "distinguish"}
_AUX = {"be", "do", "have", "can", "could", "will", "would", "should", "may", "might", "must", "shall"}
# words that name the sources themselves ("in this article"), not what they are about
_DEFINITION_FRAME = {"stand", "mean", "abbreviation"}  # "what does X stand for / mean", "the abbreviation X"
_SOURCE_WORDS = {"article", "text", "document", "source", "passage", "story", "piece", "sources", "documents"}
# kinds of document: "summarize the report" asks for the sources as a whole, as "summarize the article" does
# (only there: elsewhere "the licence" or "the report" may be what a question is about)
_DOCUMENT_KINDS = {
    "report",
    "paper",
    "readme",
    "manual",
    "guide",
    "handbook",
    "licence",
    "license",
    "file",
    "page",
    "book",
    "chapter",
    "letter",
    "email",
    "memo",
    "transcript",
    "contract",
    "essay",
    "post",
    "pdf",
    "webpage",
    "specification",
    "spec",
    "documentation",
}
# the parts a heading starts: "the termination section" names its section by "termination", and a heading
# ("9. TERMINATION") seldom says that it heads a section
DIVISIONS = frozenset({"section", "subsection", "chapter", "part", "clause", "paragraph"})
_WH = {"what", "who", "whom", "whose", "which", "when", "where", "why", "how"}

# a quoted term of a question: straight quotes only where they open and close (not the apostrophes of
# "What's Croft's")
QUOTED = re.compile(r"(?<!\w)\"[^\"]+\"(?!\w)|“[^”]+”|(?<!\w)'[^']+'(?!\w)|‘[^’]+’(?!\w)")
