"""Word-level text processing shared by BM25, evidence scoring and refusal checks."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

# bm25s's English stop words (STOPWORDS_EN, Lucene's classic list), written out so that splitting words
# does not import bm25s and scipy (0.2 s) where no BM25 index is made or read (tests/test_terms.py keeps them equal)
STOPWORDS_EN = (
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "but",
    "by",
    "for",
    "if",
    "in",
    "into",
    "is",
    "it",
    "no",
    "not",
    "of",
    "on",
    "or",
    "such",
    "that",
    "the",
    "their",
    "then",
    "there",
    "these",
    "they",
    "this",
    "to",
    "was",
    "will",
    "with",
)
STOPWORDS = frozenset(STOPWORDS_EN) | {
    "what",
    "who",
    "whom",
    "which",
    "when",
    "where",
    "why",
    "how",
    "did",
    "does",
    "do",
    "say",
    "said",
    "says",
    "tell",
    "about",
    "according",
    "would",
    "could",
    "should",
    "also",
    "many",
    "much",
    "whose",
}
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


# a command-line option ("-k", "--verbose"): a name that counts only as written, case and dashes included; in a
# text, one that stands alone (not inside a longer word or option; its match runs to the option's end)
OPTION = re.compile(r"--?[A-Za-z][\w-]*")
OPTION_IN_TEXT = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")


# a name written as code, its parts joined by a dot or a slash ("audio/mpeg", "user.mime_type", "os.path.join"):
# each part two characters or more ("e.g.", "km/h" are not), a lower-case letter in it ("U.S." is not); in a text,
# one that stands alone. It counts as written, as an option does.
CODE_NAME = re.compile(r"(?=[^\s]*[a-z])/?[A-Za-z_][\w+-]+(?:[./][\w+-]{2,})+")
CODE_NAME_IN_TEXT = re.compile(r"(?<![\w./+-])(?=[^\s]*[a-z])/?[A-Za-z_][\w+-]+(?:[./][\w+-]{2,})+")

# a place in a file system or on the web ("/usr/lib/python3/dist-packages", "~/.config", "https://pypi.org/"):
# what "where" asks for in a manual as a city is in a news article
PATH_IN_TEXT = re.compile(r"(?<![\w./+~-])(?:https?://|~/|/)[\w.+-]+(?:/[\w.+*-]*)*(?<![.,])")


# a name joined to a number by "/" or "-" ("HTTP/3", "COVID-19"), or a dotted number; the sources' words split it
JOINED = re.compile(r"([^\W\d_][\w.]*)(?:[/-][\w.]+)+|\d+(?:\.\d+)+")


def as_written(word: str) -> bool:
    """Whether ``word`` names a thing only as written: a dotted number ("3.7.0"), or a name joined to a number
    ("HTTP/3", "COVID-19", "F-35"), whose number tells it from its siblings (HTTP/2, F-16). A lower-case
    letter alone before the number is algebra ("p-1"), written with or without spaces: not a name."""
    m = JOINED.fullmatch(word)
    if m is None:
        return False
    head = m.group(1)
    return head is None or (any(c.isdigit() for c in word) and (len(head) > 1 or head.isupper()))


def code_name(text: str) -> bool:
    """Whether ``text`` is a name written as code (CODE_NAME), not two ordinary words ("and/or") nor names given
    as alternatives ("June/July": a slash joins code only between lower-case starts, "text/plain")."""
    if CODE_NAME.fullmatch(text) is None or any(p[:1].isupper() for p in text.split("/")[1:]):
        return False
    return not all(p.lower() in STOPWORDS for p in re.split(r"[./]", text) if p)


# a file name's extension (".zip", ".tar.gz", ".Z"): a name that counts only as written, in any case; in a text, alone
# (".zip archives") or ending a file's name ("data.zip")
EXTENSION = re.compile(r"(?:\.[A-Za-z][A-Za-z0-9]{0,4})+")
EXTENSION_IN_TEXT = re.compile(r"(?:\.[A-Za-z][A-Za-z0-9]{0,4})+(?!\w)")


# a name with an underscore ("uid_t", "Z_BUF_ERROR", "max_size"): a word the text's words split; in a text, as a whole
UNDERSCORED = re.compile(r"(?=\w*_)(?=\w*[^\W_])\w+")
UNDERSCORED_IN_TEXT = re.compile(r"(?<!\w)(?=\w*_)(?=\w*[^\W_])\w+")


# a name with its version glued on ("GPLv3", "gplv3", "v3" of "GPL v3"): the name and "version 3", as a text
# writes them ("GNU General Public License, Version 3"); in a text, a number after "version" or "v"
VERSIONED = re.compile(r"([^\W\d_]*?)v(\d+(?:\.\d+)*)", re.I)
VERSION_IN_TEXT = re.compile(r"\b(?:version|v)\s?(\d+(?:\.\d+)*)", re.I)


def version_numbers(text: str) -> list[str]:
    """The numbers of the versions ``text`` writes ("Version 3, 29 June 2007" -> ["3"])."""
    return [m.group(1) for m in VERSION_IN_TEXT.finditer(text)]


# a conversion of a format string ("%e", "%M" of time(1), date(1), printf): a letter after "%", case as written;
# in a text, not a percent after a number ("8%CPU"), and written onto what follows it ("%Mmax", "\t%E")
FORMAT = re.compile(r"%[A-Za-z]")
FORMAT_IN_TEXT = re.compile(r"(?<![\d%])%[A-Za-z]")


def mentions_format(conversion: str, text: str) -> bool:
    """Whether ``text`` writes the format conversion ("%G"), as written."""
    return conversion in FORMAT_IN_TEXT.findall(text)


def written_as_code(name: str) -> bool:
    """Whether ``name`` is written as code: an option ("--max-depth"), an identifier with an underscore, a file
    extension (".rar"), a format conversion ("%G"), a dotted name or a path ("os.path.join", "/etc/passwd").
    Such a name is one thing, spelt one way: sources that never write it say nothing of it. Not two words joined
    by a slash ("speed/size", and so "audio/mpeg"), nor a version ("python3.11": "Python 3.11" may be how the
    sources write it), nor a word after a stray dash ("best -selling": an option of one dash has one letter)."""
    if OPTION.fullmatch(name):
        return name.startswith("--") or len(name) == 2
    if UNDERSCORED.fullmatch(name) or EXTENSION.fullmatch(name) or FORMAT.fullmatch(name):
        return True
    dotted = "." in name or name.startswith("/")
    return dotted and code_name(name) and not any(p.isdigit() for p in re.split(r"[./]", name) if p)


def exact_mention(name: str) -> Callable[[str, str], bool] | None:
    """How a text is checked for ``name`` when only that form of it counts: an option, a file extension or a
    format conversion (``mentions_option`` and its like: "-k" is not "-K", ".rar" not the word "rar"); None for
    any other name."""
    for pattern, mentions in ((OPTION, mentions_option), (EXTENSION, mentions_extension), (FORMAT, mentions_format)):
        if pattern.fullmatch(name):
            return mentions
    return None


def mentions_extension(extension: str, text: str) -> bool:
    """Whether ``text`` holds the file ``extension`` as written (any case), not inside a longer one."""
    return re.search(rf"{re.escape(extension)}(?!\w|\.\w)", text, re.I) is not None


def writes(name: str, text: str) -> bool:
    """Whether ``text`` writes ``name`` (one counted only as written: ``code_name`` or ``as_written``), in any
    case, alone or as the end of a longer one ("path.join" of "os.path.join"), not as its start."""
    return re.search(rf"(?<!\w){re.escape(name)}(?![\w+]|[./-][\w+])", text, re.I) is not None


def mentions_option(option: str, text: str) -> bool:
    """Whether ``text`` holds the command-line ``option`` as written (not inside a longer word or option)."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


# a run of capitalised words, with the small words names contain ("Bank of England", "al-Abadi")
CAPITALIZED_RUN = re.compile(
    r"(?:[A-Z][\w.’'-]*|al-[A-Z][\w-]*)(?:\s+(?:(?:of|for|the|de|van|von|al|bin)\s+)*(?:[A-Z][\w.’'-]*|al-[A-Z][\w-]*))*"
)
_DIGIT_GROUP = re.compile(r"(?<=\d),(?=\d{3})")
_HYPHEN = re.compile(r"[-'’]")


def words(text: str) -> list[str]:
    """Surface words (case kept), with digit groups joined ("3,706" -> "3706") and possessives dropped."""
    # str methods, not a regex per word: this runs over every passage at build
    return [w[:-2] if w.endswith(("'s", "’s")) else w for w in _WORD.findall(_DIGIT_GROUP.sub("", text))]


def terms(text: str) -> list[str]:
    """Index terms: lower-cased, stop words removed, stemmed; hyphenated words also give their parts; and each
    command-line option as written ("-v", "--verbose": a word alone drops the dash, or is one letter)."""
    return index_terms(text, words(text.lower()))


def index_terms(text: str, lower_words: list[str]) -> list[str]:
    """``terms`` of ``text`` whose lower-cased ``words`` are already at hand (the build keeps them too): what
    BM25 indexes a passage by and looks a query up by, the same for both."""
    return terms_of_words(lower_words) + [m.group(0) for m in OPTION_IN_TEXT.finditer(text)]


def terms_of_words(lower_words: list[str]) -> list[str]:
    """``terms`` of text whose lower-cased ``words`` are already at hand (the build keeps them too)."""
    out: list[str] = []
    for w in lower_words:
        parts = [w, *_HYPHEN.split(w)] if ("-" in w or "'" in w or "’" in w) else [w]
        for part in parts:
            if part and part not in STOPWORDS and (len(part) > 1 or part.isdigit()):
                out.append(part)
    return _stemmer().stemWords(out)


def stem(word: str) -> str:
    """The index term of a single word."""
    return _stemmer().stemWord(word.lower())
