"""A read-only view of the loaded sources: what the composers and the decision may look at.

Text and sentence spans of the documents, their speakers and links (abbreviations, short
names), sentence vectors, and the retriever's word weights and embeddings as read-only
services. Built once per index (its speaker index is a lookup, not a scan); nothing here
changes the index or calls a later stage.
"""

from __future__ import annotations

import bisect
import re
import threading
from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from ..search.retrieval import Retriever
from ..search.scope import active_scope
from ..store.index import Index
from ..text import nlp
from ..text.attribution import TITLES, Statement, name_words
from ..text.links import Links, acronym_letters, initialisms
from ..text.sentences import NUMBERED_HEADING
from ..text.terms import (
    CODE_NAME_IN_TEXT,
    EXTENSION,
    EXTENSION_IN_TEXT,
    FORMAT,
    FORMAT_IN_TEXT,
    JOINED,
    OPTION,
    OPTION_IN_TEXT,
    UNDERSCORED,
    UNDERSCORED_IN_TEXT,
    VERSION_IN_TEXT,
    VERSIONED,
    as_written,
    code_name,
    exact_mention,
    version_numbers,
    words,
)
from .coverage import Coverage, coverage
from .types import Span
from .vocabulary import Vocabulary


def _tails(joined: str) -> list[str]:
    """The names written as is in a run of joined parts, lower-cased: "pre-COVID-19" holds "covid-19"."""
    parts = re.split(r"(?<=[\w.])(?=[/-])", joined.rstrip("."))
    tails = ["".join(parts[i:]).lstrip("/-") for i in range(len(parts))]
    return [t.lower() for t in tails if as_written(t)]


def _code_tails(name: str) -> list[str]:
    """A name written as code and its ends from each dot or slash on, lower-cased: "os.path.join" holds
    "path.join" (a tail of one part is a word, which the vocabulary answers for)."""
    parts = re.split(r"(?=[./])", name.lower().rstrip("."))
    return [t for t in ("".join(parts[i:]).lstrip("./") for i in range(len(parts) - 1))]


def _as_is(name: str) -> list[str]:
    return [name]


def _lower(name: str) -> list[str]:
    return [name.lower()]


def _extension_tails(name: str) -> list[str]:
    """A run of extensions and its ends, lower-cased: ".tar.gz" holds ".gz"."""
    parts = re.split(r"(?=\.)", name.lower())
    return ["".join(parts[i:]) for i in range(len(parts)) if parts[i]]


WORD_CACHE = 50_000  # word vectors kept (about 75 MB at 384 dimensions)


class SourcesView:
    """What the sources say and where, for one loaded index."""

    def __init__(self, retriever: Retriever):
        self._retriever = retriever
        self.index: Index = retriever.index
        self.statements = self.index.statements  # per document, attributed by the build
        self.links: dict[str, Links] = self.index.links
        self.acronyms = {k for lk in self.links.values() for k in lk.acronyms}
        self.people = {short for lk in self.links.values() for short in lk.names}
        self.vocabulary = Vocabulary(self.index.surface_words)  # every word of the sources, for what they never say
        self._words: OrderedDict[str, np.ndarray] = OrderedDict()  # word vectors embedded on demand (word_vectors)
        self._words_lock = threading.Lock()
        # the names the documents write that count only as written (mentions: options, numbered names, names written
        # as code), per pattern, on first need
        self._written: dict[str, set[str]] = {}
        self._initialisms: set[str] | None = None  # initials of the documents' capitalised runs (mentions)
        # a document's lower-cased words, as a set and sorted (mentions, and words that start with a given one)
        self._doc_words: OrderedDict[str, tuple[frozenset[str], list[str]]] = OrderedDict()
        # speaker name word -> (document rank, statement rank): "What did X say?" looks up, not scans
        self._by_speaker: dict[str, list[tuple[int, int]]] = {}
        self._by_sentence: dict[tuple[str, int], Statement] = {}
        self._doc_order = list(self.statements)
        for d, (doc_id, sts) in enumerate(self.statements.items()):
            for i, st in enumerate(sts):
                for w in st.speaker:
                    self._by_speaker.setdefault(w, []).append((d, i))
                for s, _ in st.sentences:
                    self._by_sentence[(doc_id, s)] = st

    # -- text and spans -------------------------------------------------------------------
    def text(self, doc_id: str, start: int, end: int) -> str:
        return self.index.documents[doc_id].text[start:end]

    def is_heading(self, doc_id: str, start: int, end: int) -> bool:
        """Whether the sentence at [start, end) is a heading of its document, alone (a title: never quoted as a
        claim): one the document marks (Markdown, HTML, DOCX), a numbered line without a full stop
        ("1.3. Language used in this specification", "2. Unified system"), as a PDF's or a text's headings
        are, or the document's title repeated (a page's navigation, a running head)."""
        text = self.text(doc_id, start, end)
        layout = self.index.layouts.get(doc_id)
        if layout is not None and layout.is_heading(start, text):
            return True
        # the title where the text begins is left alone: a news story's headline says something
        repeated_title = start > 0 and words(text.lower()) == words(self.title(doc_id).lower())
        return bool(NUMBERED_HEADING.fullmatch(text)) or repeated_title

    def heading_level(self, doc_id: str, start: int) -> int | None:
        """The level of the heading the document marks at ``start`` (Markdown, HTML, DOCX, reStructuredText); None
        for one only its text shows (a numbered line) or no heading."""
        layout = self.index.layouts.get(doc_id)
        return layout.level_of(start) if layout is not None else None

    def doc_of(self, pid: int) -> str:
        return self.index.passages[pid].doc_id

    def title(self, doc_id: str) -> str:
        return self.index.documents[doc_id].title

    def span(self, doc_id: str, start: int, end: int, score: float) -> Span:
        """The span of [start, end), cut to the passage that holds its start."""
        pid = self.index.passages.at(doc_id, start)
        if pid is None:
            raise ValueError("span outside every passage")
        return Span(pid, start, min(end, self.index.passages[pid].end), score)

    def spans_between(self, doc_id: str, lo: int, hi: int, score: float) -> list[Span]:
        """The sentences within [lo, hi), one span per passage they fall in."""
        out: list[Span] = []
        for s, e in self.index.passages.document_sentences(doc_id):
            if s >= lo and e <= hi:
                pid = self.index.passages.at(doc_id, s)
                if pid is None:  # none: every sentence lies in a passage of its document
                    continue
                if out and out[-1].pid == pid:
                    out[-1] = Span(pid, out[-1].start, e, score)
                else:
                    out.append(Span(pid, s, e, score))
        return out or [self.span(doc_id, lo, hi, score)]

    def sentences_between(self, pid: int, a: int, b: int) -> bool:
        """Whether passage ``pid`` has a whole sentence within [a, b)."""
        return any(a <= s and e <= b for s, e in self.index.passages[pid].sentences)

    def neighbours(self, doc_id: str, start: int, end: int) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
        """The sentences just before and after [start, end) in its paragraph (document offsets), if any."""
        doc = self.index.documents[doc_id].text
        sentences = self.index.passages.document_sentences(doc_id)
        starts = [s for s, _ in sentences]
        i = int(np.searchsorted(starts, start))
        before = sentences[i - 1] if i > 0 and "\n\n" not in doc[sentences[i - 1][1] : start] else None
        after = sentences[i + 1] if i + 1 < len(sentences) and "\n\n" not in doc[end : sentences[i + 1][0]] else None
        return before, after

    def heading_above(self, doc_id: str, start: int) -> tuple[int, int] | None:
        """The sentence right before the one at ``start`` when it is a heading (the term a definition list's or a
        manual's entry is about), whatever paragraph it is in; None otherwise."""
        sentences = self.index.passages.document_sentence_array(doc_id)
        i = int(np.searchsorted(sentences[:, 0], start))
        if i == 0:
            return None
        above = (int(sentences[i - 1, 0]), int(sentences[i - 1, 1]))
        return above if self.is_heading(doc_id, *above) else None

    def sentence_vector(self, row: int) -> np.ndarray:
        return np.asarray(self.index.sentence_vectors[row])

    # -- word weights and embeddings (the retriever's, read-only) ----------------------------
    def idf(self, term: str) -> float:
        return self._retriever.idf(term)

    def lexical_overlap(self, query_terms: list[str], text: str) -> float:
        return self._retriever.lexical_overlap(query_terms, text)

    def coverage(self, key_terms: tuple, text: str, doc_id: str) -> Coverage:
        """How much of ``key_terms`` ``text`` (of document ``doc_id``, whose links count) holds."""
        return coverage(key_terms, text, self.idf, [self.links[doc_id]] if doc_id in self.links else [])

    def embed(self, text: str) -> np.ndarray:
        return self._retriever.embedder.encode_query(text)

    def embed_many(self, texts: list[str]) -> np.ndarray:
        return self._retriever.embedder.encode(texts)

    def mentions(self, word: str) -> bool:
        """Whether the sources hold ``word`` anywhere: by word, stem, near spelling or part (the vocabulary), and a
        dotted number or a numbered name ("3.7.0", "HTTP/3": as_written) as written, which the corpus's words
        split. A question about some documents only (rag.search.scope) asks of those: there, by word or by the
        word's own start (a plural, a possessive)."""
        scope = active_scope()
        if scope is not None and not self._in_scope(word, scope):
            return False
        if OPTION.fullmatch(word):  # every option the documents write, read once, case as written ("-V" is not "-v")
            return word in self._written_names(OPTION_IN_TEXT, _as_is)
        if FORMAT.fullmatch(word):  # every format conversion, case as written ("%e" is not "%E")
            return word in self._written_names(FORMAT_IN_TEXT, _as_is)
        if UNDERSCORED.fullmatch(word):  # "uid_t": the corpus's words split it, so as written (any case)
            return word.lower() in self._written_names(UNDERSCORED_IN_TEXT, _lower)
        if EXTENSION.fullmatch(word):  # every file extension the documents write, in any case
            return word.lower() in self._written_names(EXTENSION_IN_TEXT, _extension_tails)
        letters = acronym_letters(word) if word.isupper() else None
        if letters and len(letters) >= 3 and not self.vocabulary.contains(word):
            # an abbreviation of a name the sources spell out ("LGPL" of "Lesser General Public License")
            if self._initialisms is None:
                self._initialisms = set().union(*(initialisms(d.text) for d in self.index.documents.values()))
            return letters in self._initialisms
        if as_written(word):
            return word.lower().rstrip(".") in self._written_names(JOINED, _tails)
        if code_name(word):  # "audio/mpeg", "user.mime_type": as written, or the end of one ("path.join")
            return word.lower().rstrip(".").lstrip("/") in self._written_names(CODE_NAME_IN_TEXT, _code_tails)
        versioned = VERSIONED.fullmatch(word)
        if versioned and not self.vocabulary.contains(word):  # "GPLv3" of a text that writes "GPL" and "Version 3"
            name, number = versioned.groups()
            return (not name or self.mentions(name)) and number in self._written_names(VERSION_IN_TEXT, version_numbers)
        return self.vocabulary.contains(word)

    def spelled(self, text: str) -> str:
        """``text`` with each typo of a word of the sources spelled as they spell it ("trigger cycels" -> "trigger
        cycles": rag.answer.vocabulary ``Vocabulary.spelled``), for search and the reader."""
        return re.sub(r"[^\W\d_]+", lambda m: self.vocabulary.spelled(m.group(0)), text)

    def _written_names(self, pattern: re.Pattern[str], tails: Callable[[str], list[str]]) -> set[str]:
        """The names the documents write that ``pattern`` finds, as ``tails`` gives each (itself and its ends,
        lower-cased; an option as is); read once."""
        found = self._written.get(pattern.pattern)
        if found is None:
            found = {
                t for d in self.index.documents.values() for m in pattern.finditer(d.text) for t in tails(m.group(0))
            }
            self._written[pattern.pattern] = found
        return found

    def _in_scope(self, word: str, scope) -> bool:
        low = word.lower()
        for doc_id, doc in self.index.documents.items():
            if not scope.holds(doc_id):
                continue
            known, ordered = self._words_of(doc_id, doc.text)
            exact = exact_mention(word)  # an option, a file extension, a format conversion: only as written
            if exact is not None:
                if exact(word, doc.text):
                    return True
                continue
            written = as_written(word) or code_name(word) or UNDERSCORED.fullmatch(word)
            if low in known or (written and low in doc.text.lower()):
                return True
            # a longer form of the word (a plural, a possessive), or a stem of it of four letters or more
            i = bisect.bisect_left(ordered, low)
            if i < len(ordered) and ordered[i].startswith(low):
                return True
            if any(low[:k] in known for k in range(4, len(low))):
                return True
        return False

    def _words_of(self, doc_id: str, text: str) -> tuple[frozenset[str], list[str]]:
        with self._words_lock:
            got = self._doc_words.get(doc_id)
        if got is None:
            known = frozenset(w.lower() for w in words(text))
            got = (known, sorted(known))
            with self._words_lock:
                self._doc_words[doc_id] = got
                while len(self._doc_words) > WORD_CACHE:
                    self._doc_words.popitem(last=False)
        return got

    def word_vectors(self, words: list[str]) -> np.ndarray:
        """Each word embedded alone by the index's model (a sentence model embeds a single word usefully), kept
        in a bounded cache: questions keep using the same words of the same documents."""
        with self._words_lock:
            new = [w for w in dict.fromkeys(words) if w not in self._words]
        vecs: np.ndarray | list[np.ndarray] = self.embed_many(new) if new else []
        with self._words_lock:
            for w, v in zip(new, vecs):
                self._words[w] = v
            out = [self._words[w] for w in words]
            while len(self._words) > WORD_CACHE:
                self._words.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, 0), dtype=np.float32)

    def sentence_alone(self, row: int | None, text: str) -> np.ndarray | None:
        """A sentence's vector embedded on its own (see Retriever.sentence_alone); None without a row."""
        return self._retriever.sentence_alone(row, text) if row is not None else None

    # -- speakers ---------------------------------------------------------------------------
    def is_person(self, name: str) -> bool:
        """Whether a name is one the sources use for a person (a short name linked to a full one)."""
        return any(w.lower() in self.people for w in name.split())

    def statements_of(self, who: str) -> list[tuple[str, Statement]]:
        """(doc_id, statement) for every statement whose speaker shares a name word with ``who``, in document order."""
        hits = sorted({hit for w in name_words(who) for hit in self._by_speaker.get(w, ())})
        scope = active_scope()  # a question about some documents only looks in those (rag.search.scope)
        return [
            (self._doc_order[d], self.statements[self._doc_order[d]][i])
            for d, i in hits
            if scope is None or scope.holds(self._doc_order[d])
        ]

    def statement_at(self, doc_id: str, start: int) -> Statement | None:
        """The statement holding the sentence that starts at ``start``, if it is attributed."""
        return self._by_sentence.get((doc_id, start))

    def full_name(self, doc_id: str, speaker: frozenset[str]) -> str:
        """The fullest mention of a speaker in the document ("British Major General Rupert Jones")."""
        links = self.links.get(doc_id)
        for w in sorted(speaker, key=len, reverse=True):
            if links and w in links.names:
                return links.names[w]
        text = self.index.documents[doc_id].text
        found = [m.group(0) for w in speaker for m in re.finditer(rf"\b{re.escape(w)}\b", text, re.I)]
        return max(found, key=len) if found else " ".join(sorted(speaker)).title()

    def naming_sentence(self, doc_id: str, st: Statement) -> tuple[int, int] | None:
        """The sentence of a statement that names its speaker (the attribution), if any."""
        for s, e in st.sentences:
            if name_words(self.text(doc_id, s, e)) & st.speaker:
                return s, e
        return None

    @staticmethod
    def short_name(full: str) -> str:
        """ "U.S. Army Lt. General Stephen Townsend" -> "Stephen Townsend": the last name word and the
        capitalised word before it, unless that is a title."""
        words_ = full.split()
        if len(words_) >= 2 and words_[-2][:1].isupper() and words_[-2].lower().strip(".") not in TITLES:
            return " ".join(words_[-2:])
        return words_[-1] if words_ else full

    def speakers(self, doc_ids: list[str], people_only: bool = False) -> list[tuple[str, Span]]:
        """Everyone quoted in ``doc_ids``, in order of first statement: (name, the sentence naming them);
        ``people_only`` keeps the speakers the document names as people (rag/text/links.py)."""
        out: dict[str, tuple[str, Span]] = {}
        for doc_id in doc_ids:
            links = self.links.get(doc_id)
            for st in self.statements.get(doc_id, []):
                if people_only and not (links and st.speaker & set(links.names)):
                    continue
                name = self.full_name(doc_id, st.speaker)
                key = self.canonical(doc_id, name)
                if key not in out:
                    s, e = self.naming_sentence(doc_id, st) or st.sentences[0]
                    out[key] = (self.short_name(name), self.span(doc_id, s, e, 1.0))
        return list(out.values())

    # -- names and abbreviations ---------------------------------------------------------------
    def canonical(self, doc_id: str, name: str) -> str:
        """One key for the names of one thing: "Jones" and "Rupert Jones" alike, "AI" as "Amnesty International"."""
        name = re.sub(r"^(?:the|a|an)\s+", "", name.strip(), flags=re.I)
        links = self.links.get(doc_id)
        expanded = (links.expand(name) or links.expand(name.split()[-1])) if links and name.split() else None
        return " ".join(words(expanded or name)).lower()

    def introduction(
        self, focus: str, doc_ids: list[str], apposition_words: int
    ) -> tuple[str, tuple[int, int], str] | None:
        """Where the sources introduce ``focus``: (doc_id, sentence, short answer), looking in ``doc_ids`` first.

        An abbreviation: the first sentence holding its long form, whose short answer is
        the long form. A name: the first sentence holding its fullest mention, whose short
        answer is that mention with its apposition ("..., the top commander of ...").
        """
        scope = active_scope()
        docs = [d for d in dict.fromkeys(doc_ids + list(self.links)) if scope is None or scope.holds(d)]
        letters = acronym_letters(focus)
        for doc_id in docs:
            links = self.links.get(doc_id)
            if links is None:
                continue
            long = links.acronyms.get(letters) if letters else None
            if long:
                # the long form where the text introduces the abbreviation: its last use before the first abbreviation
                text = self.index.documents[doc_id].text
                first_use = re.search(rf"(?<![\w.]){re.escape(focus)}(?![\w])", text)
                before = text.rfind(long, 0, first_use.start()) if first_use else -1
                return self._sentence_at(doc_id, before if before >= 0 else text.find(long), long)
            last = focus.split()[-1].split("-")[-1].lower() if focus.split() else ""
            full = links.names.get(last)
            if full and all(w.lower() in full.lower() for w in focus.split()):
                found = self._sentence_at(doc_id, self.index.documents[doc_id].text.find(full), full)
                if found:
                    doc_id, sent, _ = found
                    return doc_id, sent, self._with_apposition(doc_id, sent, full, apposition_words)
        return None

    def _sentence_at(self, doc_id: str, at: int, short: str) -> tuple[str, tuple[int, int], str] | None:
        """(doc_id, the sentence holding offset ``at``, short) or None."""
        if at < 0:
            return None
        for s, e in self.index.passages.document_sentences(doc_id):
            if s <= at < e:
                return doc_id, (s, e), short
        return None

    def _with_apposition(self, doc_id: str, sent: tuple[int, int], mention: str, max_words: int) -> str:
        """``mention`` with the apposition the parser attaches to it (", the top commander of the ...,")."""
        text = self.text(doc_id, *sent)
        at = text.find(mention)
        if at < 0:
            return mention
        doc = nlp.parse(text)
        inside = [t for t in doc if at <= t.idx < at + len(mention)]
        for t in inside:
            for child in t.children:
                if child.dep_ == "appos" and child.i > inside[-1].i:
                    phrase = doc[child.left_edge.i : child.right_edge.i + 1].text.strip(" ,")
                    if len(phrase.split()) <= max_words:
                        return f"{mention}, {phrase}"
        return mention
