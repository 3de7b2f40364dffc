"""Each kind of question gets the kind of answer it asks for, on the seed article."""

import pytest

from rag.answer.types import NOT_ABOUT_SOURCES, REFUSAL


def _ask(assistant, q, history=None):
    ans = assistant.ask(q, history)
    assert ans.question_type, q
    return ans


def test_factoid_gives_a_short_answer_of_the_expected_type_first(assistant):
    ans = _ask(assistant, "On what day was the report published?")
    assert ans.question_type == "factoid" and ans.short_answer == "Tuesday"
    assert ans.answer.startswith("Tuesday") and "[1]" in ans.answer
    c = ans.citations[0]
    assert "Tuesday" in assistant.index.documents[c.doc_id].text[c.sentence_start : c.sentence_end]


def test_the_expected_type_may_sit_in_the_next_sentence(assistant):
    # "Abadi was also strongly critical of the report." names no day; the next sentence ("he said ... on
    # Wednesday") holds it, and the answer quotes that sentence
    ans = _ask(assistant, "When did Abadi criticize the report?")
    c = ans.citations[0]
    assert ans.short_answer == "Wednesday"
    assert "Wednesday" in assistant.index.documents[c.doc_id].text[c.sentence_start : c.sentence_end]


def test_who_said_names_the_speaker_in_full(assistant):
    ans = _ask(assistant, "Who said the report was riddled with assertion?")
    assert ans.question_type == "who_said" and "Rupert Jones" in ans.short_answer
    assert "riddled with assertion" in ans.answer


def test_definitions_from_the_documents_links(assistant):
    ans = _ask(assistant, "What does AI stand for?")
    assert ans.question_type == "definition" and ans.short_answer == "Amnesty International"
    ans = _ask(assistant, "Who is Rupert Jones?")
    assert "deputy commander" in ans.short_answer and "British Major General Rupert Jones" in ans.short_answer


def test_list_items_are_distinct_and_each_cited(assistant):
    ans = _ask(assistant, "Which people are quoted in the article?")
    assert ans.question_type == "list" and len(ans.citations) >= 3
    names = ans.short_answer
    for who in ("Croft", "Jones", "Townsend"):
        assert who in names
    assert names.count("Jones") == 1  # "Jones" and "Rupert Jones" are one person


def test_summary_covers_with_several_cited_sentences_in_document_order(assistant):
    ans = _ask(assistant, "Summarize what Jones said.")
    assert ans.question_type == "summary" and 2 <= len(ans.citations) <= 6
    starts = [c.sentence_start for c in ans.citations]
    assert starts == sorted(starts)


def _composed(assistant, question):
    """What the composer of the question's type makes of it, before the decision."""
    engine = assistant.engine
    assessed = engine.assess(engine.prepare(question))
    quoted = [assistant.index.documents[engine.view.doc_of(sp.pid)].text[sp.start : sp.end] for sp in assessed.composed.spans]
    return assessed, quoted


def test_yes_no_only_when_the_evidence_says_so(assistant):
    assessed, quoted = _composed(assistant, "Is the coalition led by the United States?")
    assert assessed.asked.analysis.qtype == "yes_no" and assessed.composed.short == "Yes" and "U.S.-led" in quoted[0]
    ans = _ask(assistant, "Did Amnesty coordinate with the coalition, according to Croft?")
    assert ans.answer.startswith("No.") and "not coordinated" in ans.answer


def test_a_no_is_found_on_the_main_verb_when_the_question_parses_oddly(assistant_of):
    """spaCy reads "Does the database store ...?" with "store" as a noun and "Does" as the verb: the
    negation in "does NOT store" hangs on "store", not on the "does" that matched, and was missed."""
    assistant = assistant_of({"spec.txt": (
        "The type database does NOT store user preferences. It stores the rules that find a file's type.\n\n"
        "Size limits are allowed in a rule, but no check is done on them.\n")})
    assessed, quoted = _composed(assistant, "Does the type database store user preferences?")
    assert assessed.composed.short == "No" and "NOT store" in quoted[0]
    # the asked verb as a noun with "no": "Are ... checked?" - "no check is done"
    assessed, quoted = _composed(assistant, "Are size limits checked?")
    assert assessed.composed.short == "No" and "no check" in quoted[0]


def test_a_no_reaches_a_verb_through_the_infinitive_it_completes(assistant_of):
    """ "does not attempt to limit" denies "limit", "does not grant permission to use" denies "use"; a clause of its
    own ("did not say that ...") is beyond the negation. The document's title is the setting ("under the Harbour
    Licence")."""
    assistant = assistant_of({"harbour-licence.txt": (
        "Harbour Licence\n\n"
        "The pool manager does not attempt to limit the size of worker pools.\n\n"
        "This licence does not grant permission to use the trademarks of the licensor.\n\n"
        "The author did not say that the tool rotates logs.\n")})
    assessed, quoted = _composed(assistant, "Does the pool manager limit the size of worker pools?")
    assert assessed.composed.short == "No" and "attempt to limit" in quoted[0]
    assessed, quoted = _composed(assistant, "Am I allowed to use the trademarks of the licensor under the Harbour Licence?")
    assert assessed.composed.short == "No" and "permission to use" in quoted[0]
    assessed, quoted = _composed(assistant, "Does the tool rotate logs?")
    assert assessed.composed.short != "No" and "rotates logs" in quoted[0], quoted


def test_a_no_needs_a_sentence_about_the_things_asked(assistant_of):
    # a negated "allowed" in a sentence about changing the licence denies nothing of charging for copies
    assistant = assistant_of({"licence.txt": (
        "Everyone is permitted to copy this license document, but changing it is not allowed.\n\n"
        "The weather in the harbour was fine all week.\n")})
    assessed, quoted = _composed(assistant, "Am I allowed to charge money for copies of the licence document?")
    assert assessed.asked.analysis.qtype == "yes_no" and assessed.composed.short != "No", quoted


def test_a_no_longer_is_a_no_and_a_denial_beside_it_is_no_yes(assistant_of):
    assistant = assistant_of({"users.txt": (
        "Sudo is preferred over special accounts, and the operator user is no longer created by default.\n\n"
        "Regular users may be stored in remote LDAP databases, but system users may not.\n\n"
        "Regular users may be stored in remote LDAP databases.\n")})
    assessed, quoted = _composed(assistant, "Is the operator user still created by default?")
    assert assessed.composed.short == "No" and "no longer" in quoted[0]
    assessed, quoted = _composed(assistant, "Can system users be stored in remote LDAP databases?")
    assert assessed.composed.short == "The sources say" and "may not" in quoted[0], quoted
    assessed, quoted = _composed(assistant, "Can regular users be stored in remote LDAP databases?")
    assert assessed.composed.short == "Yes" and "may not" not in quoted[0], quoted


def test_a_yes_no_question_the_evidence_answers_is_answered(assistant):
    """'U.S.-led' answers it though the index never writes 'United States' (the decision learned yes/no
    from questions made of training sentences, rag/train/questions.py)."""
    ans = _ask(assistant, "Is the coalition led by the United States?")
    assert ans.answer.startswith("Yes.") and "U.S.-led" in ans.answer


def test_a_question_the_document_asks_itself_is_answered_by_what_follows(assistant_of):
    """An FAQ's entry is a question of the document's own, never a candidate; the sentence before it that best
    matches the words ("in-memory") belongs to another entry."""
    assistant = assistant_of({"compress-faq.txt": (
        "Frequently asked questions about the compress library\n\n"
        "19. What is the difference between the archive and stream formats?\n\n"
        "The stream format was designed for in-memory applications and has a compact header.\n\n"
        "20. How do I make an archive file in memory?\n\n"
        "You can request that the packer write the archive format using packInit2(). "
        "Read the header for more details.\n\n"
        "21. Is the library thread-safe?\n\n"
        "Yes, it is.\n")})
    assessed, quoted = _composed(assistant, "how can I make an archive file in memory with the compress library?")
    assert assessed.asked.analysis.qtype == "how", assessed.asked.analysis
    assert "How do I make an archive" in quoted[0] and "packInit2()" in " ".join(quoted), quoted
    assert "thread-safe" not in " ".join(quoted) and "in-memory applications" not in " ".join(quoted), quoted
    # yes or no: the entry, and the verdict its answer begins with
    assessed, quoted = _composed(assistant, "is the compress library thread-safe?")
    assert assessed.composed.short == "Yes" and quoted == ["21. Is the library thread-safe?", "Yes, it is."], quoted
    # no entry holds "packer": the sentence that does
    assessed, quoted = _composed(assistant, "Can the packer write the archive format?")
    assert "packInit2()" in quoted[0] and not quoted[0].endswith("?"), quoted


def test_comparison_quotes_each_side(assistant):
    ans = _ask(assistant, "How do Abadi's and Townsend's criticisms of the report differ?")
    assert ans.question_type == "comparison" and len(ans.citations) == 2
    assert "Abadi" in ans.answer.split("\n")[0] and "Townsend" in ans.answer.split("\n")[1]


def test_a_comparison_quotes_no_sentence_twice(assistant_of):
    # both sides named only in one sentence: one bullet per side would quote it twice, under two labels
    text = ("# Gull\n\nGull generates build files for Gamma and related projects, as well as Delta.\n\n"
            "Gull reads its build file quickly. It rebuilds only what is out of date.\n")
    assessed, quoted = _composed(assistant_of({"gull.md": text}), "How does Gamma compare to Delta?")
    assert assessed.asked.analysis.qtype == "comparison" and len(assessed.asked.analysis.sides) == 2
    assert len(quoted) == len(set(quoted)), quoted


def test_the_second_side_of_a_comparison_gets_a_sentence_of_its_own(assistant_of):
    """The sentence that names both sides serves the first; the second side's own sentence follows, not nothing."""
    text = ("# Fonts\n\nFonts matched by an acceptfont element are whitelisted, which protects them from any rejectfont "
            "element.\n\nFonts matched by a rejectfont element are blacklisted and hidden from applications.\n\n"
            "The cache directory holds one file per font directory.\n")
    assessed, quoted = _composed(assistant_of({"fonts.md": text}), "acceptfont vs rejectfont: what's the diffrence?")
    assert assessed.asked.analysis.sides == ("acceptfont", "rejectfont")  # two sides, though "vs" joins them
    assert len(quoted) == 2 and "whitelisted" in quoted[0] and "blacklisted" in quoted[1], quoted


@pytest.mark.parametrize(("question", "sides"), [
    ("whats the diffrence between dotenv_values and load_dotenv?", ("dotenv_values", "load_dotenv")),
    ("What is the difference between the stream format and the archive format?", ("stream format", "archive format")),
])
def test_the_sides_of_a_comparison_are_what_between_joins(question, sides):
    from rag.answer.analysis import analyze

    a = analyze(question)
    assert (a.qtype, a.sides) == ("comparison", sides)


@pytest.mark.parametrize("q", ["Write a poem about Mosul.", "Tell me a joke."])
def test_requests_that_are_not_questions_are_refused(assistant, q):
    ans = _ask(assistant, q)
    assert ans.refused and ans.answer == NOT_ABOUT_SOURCES and not ans.citations


@pytest.mark.parametrize("q", ["how do i reset my wifi router password", "What is Kubernetes?"])
def test_a_question_of_which_the_sources_hold_no_word_is_refused_before_any_search(assistant, q):
    engine = assistant.engine
    prepared = engine.prepare(q)
    assert prepared.refused and prepared.answer == REFUSAL and not prepared.nearest  # no passage was searched for
    # one word of it the sources hold (by a near spelling too) and it is searched for, the decision judging it
    assert not getattr(engine.prepare(q.replace("router", "Amnesty").replace("Kubernetes", "Amnesti")), "refused", False)


@pytest.mark.xfail(strict=True, reason="known gap (docs/TUNING.md, 'Answer or refuse'): the types the reader does "
                   "not read answer from p 0.157, so that no type has over 5% of its answerable questions refused; "
                   "this scores 0.20 though the sources never mention drones")
def test_what_someone_said_about_a_topic_the_sources_never_mention_is_refused(assistant):
    ans = _ask(assistant, "What did Townsend say about drones?")
    assert ans.refused and ans.answer == REFUSAL


@pytest.mark.xfail(strict=True, reason="known gap (docs/TUNING.md, 'A threshold for documents of other kinds'): "
                   "the sources say 'unmanned vehicles', and the decision trained with the other kinds' questions "
                   "scores this paraphrase 0.154 against the unread threshold 0.157")
def test_what_someone_said_about_a_paraphrased_topic_is_answered(assistant):
    ans = _ask(assistant, "What did Croft say about drones?")
    assert not ans.refused and "unmanned vehicles" in ans.answer


@pytest.mark.parametrize("q", [
    pytest.param("How old is Rupert Jones?", marks=pytest.mark.xfail(strict=True, reason="known gap (docs/EVALUATION.md): "
                 "no age in the text, but the reader-read threshold (0.159, at 5% of answerable tune questions refused) "
                 "answers at p 0.18 with a nationality as the short answer")),
    "How many drones did the coalition fly over Mosul?",
])
def test_a_missing_kind_of_answer_is_refused(assistant, q):
    ans = _ask(assistant, q)
    assert ans.refused and ans.answer == REFUSAL


def test_example_questions_come_from_the_index(assistant):
    import re
    from collections import Counter

    examples = assistant.example_questions()
    index = assistant.index
    people = {w: full for lk in index.links.values() for w, full in lk.names.items()}  # name word -> full name
    quoted = Counter(full for sts in index.statements.values() for st in sts  # statements per person
                     for full in {people[w] for w in st.speaker if w in people})
    said = [m for q in examples if (m := re.fullmatch(r"What did (\S+) say\?", q))]
    assert len(said) == 1 and quoted[people[said[0].group(1).lower()]] == max(quoted.values())  # the most quoted
    who = [m for q in examples if (m := re.fullmatch(r"Who is (.+)\?", q))]
    assert len(who) == 1  # another quoted person
    others = [full for full in quoted if full != people[said[0].group(1).lower()]]
    assert any(full.endswith(who[0].group(1)) for full in others), (who[0].group(0), others)
    assert "What does AI stand for?" in examples  # an abbreviation the article spells out
    for q in examples:
        ans = assistant.ask(q)
        assert not ans.refused and ans.citations, q
    assert said[0].group(1) in assistant.ask(said[0].group(0)).answer  # it quotes the one asked about


@pytest.mark.parametrize(
    ("span", "after", "short"),
    [
        ("Article 17(3", ") of the treaty.", "Article 17(3)"),  # the reader's span stops before the ")"
        ("1,230 kilometres (764 miles", ") long.", "1,230 kilometres (764 miles)"),
        ("October 2016)", ".", "October 2016"),  # a ")" it does not open
        ("the valley (German: Tal", ", in the south", "the valley (German: Tal"),  # nothing to close it with
        ("“the bridge”,", " said", "the bridge"),
        ("Lasse Collin <lasse.collin@tukaani.org", "> and Igor Pavlov.", "Lasse Collin"),  # an address it opens
    ],
)
def test_the_readers_phrase_has_its_brackets_closed(span, after, short):
    from rag.answer.compose.factoid import close_brackets

    assert close_brackets(span, after) == short


def test_a_definition_does_not_lead_with_the_term_it_was_asked_about(assistant_of):
    # the sources give no fuller form or apposition of the term: its defining sentence answers, bare
    ans = assistant_of({"terms.txt": (
        'Licence terms\n\n"Covered Work" means the program together with every change anyone made to it. You may '
        "convey a Covered Work in source form under these terms.\n")}).ask("What is Covered Work?")
    assert ans.question_type == "definition" and ans.short_answer is None
    assert ans.answer.startswith('"Covered Work" means the program') and ans.citations


@pytest.mark.parametrize(
    ("part", "whole"),
    [
        ("xml", "Override.xml"),  # the reader's tokens split a file name at its dot
        ("max", "max_size"),
        ("share", "usr/share/mime"),
        ("users", "tal197@users.sf.net"),
        ("700K", "700K"),  # a word already whole, before a full stop, stays as it is
        ("Skye", "Skye"),  # "over Skye." ends the sentence: the dot is not a joiner there
        ("stayed inside", "stayed inside"),
        ("application/x", "application/x-xz"),  # a hyphen joins the parts of one word too
        ("a non", "a non-last"),
        ("X11TransOpenCOTSClient", "_X11TransOpenCOTSClient"),  # an identifier's leading underscore
    ],
)
def test_the_readers_phrase_is_widened_to_whole_words(part, whole):
    from rag.answer.compose.factoid import whole_words

    text = "Rain fell over Skye. Ewan stayed inside. Any file named Override.xml, max_size, /usr/share/mime, " \
           "tal197@users.sf.net, application/x-xz as a non-last filter, _X11TransOpenCOTSClient and 700K."
    start = text.index(part)
    a, b = whole_words(text, start, start + len(part))
    assert text[a:b] == whole


def test_a_definition_without_an_introduction_prefers_a_sentence_that_names_its_subject():
    from types import SimpleNamespace

    from rag.answer.asked import Asked
    from rag.answer.compose.definition import _defines, _naming_first, _phrase

    def naming_first(asked, focus, view):
        return _naming_first(asked, _defines(focus), _phrase(focus), view)

    text = ("Cache files are written atomically. The mime.cache is updated daily. The cache is mapped. "
            "The mime.cache is a binary file.")
    spans = [(text.index(t), text.index(t) + len(t)) for t in
             ("Cache files are written atomically.", "The mime.cache is updated daily.", "The cache is mapped.")]
    view = SimpleNamespace(text=lambda doc_id, a, b: text[a:b])
    cands = [SimpleNamespace(doc_id="d", start=a, end=b) for a, b in spans]
    asked = Asked("What is mime.cache?", "What is mime.cache?", None, None, [], [], None, candidates=cands)
    got = naming_first(asked, "mime.cache", view)
    assert [c.start for c in got.candidates] == [spans[1][0], spans[0][0], spans[2][0]]  # the rest keep their order
    assert naming_first(asked, "the zebra", view) is asked  # none names it: the ranker's order stands
    defining = (text.index("The mime.cache is"), len(text))
    asked = Asked("What is mime.cache?", "What is mime.cache?", None, None, [], [], None,
                  candidates=[*cands, SimpleNamespace(doc_id="d", start=defining[0], end=defining[1])])
    # "X is a ..." defines it: ahead of one that only names it ("X is updated": a passive defines nothing)
    assert [c.start for c in naming_first(asked, "mime.cache", view).candidates][:2] == [defining[0], spans[1][0]]


def test_a_list_of_a_kind_no_entity_is_tagged_as_quotes_the_sentences_about_it(assistant):
    """"Which weapons ...?": the entity model has no tag for weapons, and every name it tags (people, places,
    bodies) was listed; the sentences about weapons answer instead, for the decision to weigh."""
    assessed, quoted = _composed(assistant, "Which weapons are mentioned?")
    assert assessed.asked.analysis.qtype == "list" and assessed.asked.analysis.answer_type is None
    assert assessed.composed.short is None and any("weapons" in text for text in quoted)
    organisations, _ = _composed(assistant, "Which news organizations are mentioned in the article?")
    assert "NPR" in organisations.composed.short  # a kind the entity model tags is still listed by name


def test_a_definition_quotes_the_first_sentence_that_defines_the_term(assistant_of):
    """Where a text introduces a term it says what it is; retrieval may rank that long introduction below the
    short passages that only mention the term ("Skua is MIT-licensed."), as it did on a package's README."""
    intro = "Skua is a library for fast similarity search over dense vectors. " + " ".join(
        f"It holds index type number {n} with its own trade-offs between speed, memory and accuracy." for n in range(8))
    sections = {"Legal": "Skua is MIT-licensed.", "Community": "For public discussion of Skua, visit the forum.",
                "Install": "Skua comes with precompiled libraries.", "Cite": "Cite Skua when you use Skua in a paper.",
                "Authors": "The main authors of Skua are Ann Lee and Bo Chan.", "News": "See the Skua changelog."}
    text = f"# Skua\n\n{intro}\n\n" + "".join(f"## {h}\n\n{t}\n\n" for h, t in sections.items())
    assessed, quoted = _composed(assistant_of({"skua.md": text}), "What is Skua?")
    assert assessed.asked.analysis.qtype == "definition"
    # with the next sentence, which goes on about it ("It holds ..."), and no more
    assert quoted == ["Skua is a library for fast similarity search over dense vectors. It holds index type number 0 "
                      "with its own trade-offs between speed, memory and accuracy."]


def test_a_definition_takes_the_next_sentence_when_it_goes_on_about_the_term(assistant_of):
    text = ("# Shell\n\nBash-4.3 introduced a new shell variable: BASH_COMPAT. The value assigned to this variable "
            "determines the compatibility level. Bash-4.4 deprecates older levels.\n\n"
            "The cache holds one file per directory. Cache files are written by fc-cache.\n")
    assessed, quoted = _composed(assistant_of({"shell.md": text}), "what is BASH_COMPAT?")
    assert quoted == ["Bash-4.3 introduced a new shell variable: BASH_COMPAT. The value assigned to this variable "
                      "determines the compatibility level."], quoted


def test_an_entity_is_cut_at_line_breaks():
    # the entity model runs a title page's lines together; an answer is one line's name
    from rag.answer.compose.parts import typed_entities

    text = "USENIX Example Paper Pekka Nikander\nAalto University\nJane-Ellen Long\nUSENIX Association Abstract"
    got = [(e.text, text[e.start - 5 : e.end - 5]) for e in typed_entities(text, 5, {"PERSON", "ORG"}, set())]
    assert ("Aalto University", "Aalto University") in got  # the model's one "Nikander\nAalto University"
    assert all("\n" not in name and name == at for name, at in got)


def test_a_list_question_quotes_the_list_the_document_writes(assistant_of):
    """A lead-in and its items (an HTML or Markdown list): every item, each cited, not the sentences most like the
    question. The items name nothing the entity model tags, so before, a summary quoted the first item only."""
    page = ("<html><body><h1>Gull</h1><p>Gull is a small build tool that runs commands in order and in parallel.</p>"
            "<p>Some design goals:</p><ul><li>very fast incremental builds.</li><li>a simple file format.</li></ul>"
            "<p>Some explicit non-goals:</p><ul><li>convenient syntax for writing build files by hand. Generate them."
            "</li><li>built-in rules for compilers.</li><li>decision-making at build time.</li></ul>"
            "<p>Gull reads its build file and rebuilds whatever is out of date.</p></body></html>")
    assistant = assistant_of({"gull.html": page})
    assessed, quoted = _composed(assistant, "List the explicit non-goals of Gull.")
    assert assessed.asked.analysis.qtype == "list"
    assert quoted == ["Some explicit non-goals:\n\n• convenient syntax for writing build files by hand.",
                      "• built-in rules for compilers.", "• decision-making at build time."]
    ans = _ask(assistant, "List the explicit non-goals of Gull.")
    assert "\n- built-in rules for compilers. [2]" in ans.answer  # one bullet, not "- • built-in ..."


def test_a_plain_texts_list_items_are_bulleted_once(assistant_of):
    text = ("Gull is a small build tool that runs commands in order and in parallel.\n\nSome explicit non-goals:\n\n"
            " * convenient syntax for writing build files by hand.\n * built-in rules for compilers.\n"
            " * decision-making at build time.\n\nGull reads its build file and rebuilds whatever is out of date.\n")
    ans = _ask(assistant_of({"gull.txt": text}), "List the explicit non-goals of Gull.")
    assert "\n- built-in rules for compilers. [2]" in ans.answer  # a plain text's "* " too


def test_a_question_whose_best_sentence_introduces_a_list_is_answered_by_the_list(assistant_of):
    """"What are Gull's explicit non-goals?" asks for no kind by a plural topic (a definition), and its best
    sentence is the lead-in with the first item: quoted alone it gave one of three items."""
    page = ("<html><body><h1>Gull</h1><p>Gull is a small build tool that runs commands in order and in parallel.</p>"
            "<p>Some explicit non-goals:</p><ul><li>convenient syntax for writing build files by hand. Generate them."
            "</li><li>built-in rules for compilers.</li><li>decision-making at build time.</li></ul>"
            "<p>Gull reads its build file and rebuilds whatever is out of date.</p></body></html>")
    assessed, quoted = _composed(assistant_of({"gull.html": page}), "what are gulls explicit non-goals")
    assert assessed.asked.analysis.topic is None
    assert quoted == ["Some explicit non-goals:\n\n• convenient syntax for writing build files by hand.",
                      "• built-in rules for compilers.", "• decision-making at build time."]


def test_a_colon_inside_a_wrapped_sentence_introduces_no_list(assistant_of):
    # a PDF line that ends after "(2022:" leaves a colon before a line break mid-sentence
    text = ("# Gull Trust\n\nTotal income in 2023 was 4.8 million pounds (2022:\n4.1 million pounds), a record.\n\n"
            "- grants\n- donations\n- contracts\n")
    assessed, quoted = _composed(assistant_of({"trust.md": text}), "What was the Gull Trust's total income in 2023?")
    assert quoted[0].startswith("Total income in 2023") and not assessed.composed.bullets


def test_the_items_under_a_heading_answer_a_question_for_that_kind(assistant_of):
    """A reStructuredText or Markdown section whose heading names the kind ("Best practices") and whose body is
    a bulleted list: the items, each cited, not the heading (headings are never quoted)."""
    text = ("Gull security\n=============\n\nGull parses untrusted build files with care.\n\n"
            "Best practices\n--------------\n\n* Don't run unknown rules\n* Limit parse depth\n"
            "* Limit total input size\n\nGull reads its build file and rebuilds whatever is out of date.\n")
    assessed, quoted = _composed(assistant_of({"gull.rst": text}),
                                 "what best practices does the gull doc list for safe builds?")
    assert assessed.composed.bullets
    assert quoted == ["• Don't run unknown rules", "• Limit parse depth", "• Limit total input size"]


def test_a_written_list_is_quoted_whole_up_to_its_own_limit(assistant_of):
    # the document's own list is its answer: ten practices, not the first eight an entity list stops at
    practices = [f"Limit resource number {n}" for n in range(1, 11)]
    text = ("Gull security\n=============\n\nGull parses untrusted build files with care.\n\nBest practices\n"
            "--------------\n\n" + "".join(f"* {p}\n" for p in practices) + "\nGull reads its build file.\n")
    assistant = assistant_of({"gull.rst": text})
    assessed, quoted = _composed(assistant, "what best practices does the gull doc list?")
    assert quoted == [f"• {p}" for p in practices]
    assert assistant.settings.scoring.list_max_items < len(practices) <= assistant.settings.scoring.written_list_max_items


def test_a_readers_phrase_too_long_for_a_short_answer_gives_way_to_its_next_best():
    from types import SimpleNamespace

    from rag.answer.compose.factoid import reader_short
    from rag.answer.rank import Candidate
    from rag.settings import Settings

    sentence = "A reduction is a transformation of one problem into another problem, as the theory defines it."
    view = SimpleNamespace(text=lambda doc_id, a, b: sentence[a:b])
    whole = (0, len(sentence) - 1)  # the reader's best: the whole sentence, no short answer
    other = (sentence.index("another problem"), sentence.index("another problem") + len("another problem"))
    cand = Candidate(0, "d", 0, 0, len(sentence), 1.0, 1.0, 0.0, whole, phrases=(whole, other))
    assert reader_short(cand, view, Settings().scoring) == "another problem"
    assert reader_short(Candidate(0, "d", 0, 0, len(sentence), 1.0, 1.0, 0.0, whole), view, Settings().scoring) is None
    item = "1. Lxml is protected against billion laughs attacks and does no network lookups by default."
    view = SimpleNamespace(text=lambda doc_id, a, b: item[a:b])
    cand = Candidate(0, "d", 0, 0, len(item), 1.0, 1.0, 0.0, (0, item.index(" attacks")))
    assert reader_short(cand, view, Settings().scoring) == "Lxml is protected against billion laughs"


def test_the_readers_phrase_loses_the_stray_mark_of_half_a_quotation():
    from types import SimpleNamespace

    from rag.answer.compose.factoid import reader_short
    from rag.answer.rank import Candidate
    from rag.settings import Settings

    sentence = 'One could speak of "formal" and "informal" imperialism, the first meaning colonial rule.'
    view = SimpleNamespace(text=lambda doc_id, a, b: sentence[a:b])
    at = sentence.index('informal"')
    cand = Candidate(0, "d", 0, 0, len(sentence), 1.0, 1.0, 0.0, (at, at + len('informal" imperialism')))
    assert reader_short(cand, view, Settings().scoring) == "informal imperialism"


def test_a_readers_phrase_of_function_words_alone_gives_way_to_its_next_best():
    from types import SimpleNamespace

    from rag.answer.compose.factoid import reader_short
    from rag.answer.rank import Candidate
    from rag.settings import Settings

    sentence = "For example, when built for Xlib, TRANS(OpenCOTSClient) becomes _X11TransOpenCOTSClient."
    view = SimpleNamespace(text=lambda doc_id, a, b: sentence[a:b])
    when = (sentence.index("when"), sentence.index("when") + 4)
    name = (sentence.index("_X11"), len(sentence) - 1)
    cand = Candidate(0, "d", 0, 0, len(sentence), 1.0, 1.0, 0.0, when, phrases=(when, name))
    assert reader_short(cand, view, Settings().scoring) == "_X11TransOpenCOTSClient"
    assert reader_short(Candidate(0, "d", 0, 0, len(sentence), 1.0, 1.0, 0.0, when), view, Settings().scoring) is None
    seven = "It returns 7 when the build fails."
    view = SimpleNamespace(text=lambda doc_id, a, b: seven[a:b])
    at = seven.index("7")
    assert (
        reader_short(Candidate(0, "d", 0, 0, len(seven), 1.0, 1.0, 0.0, (at, at + 1)), view, Settings().scoring) == "7"
    )


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("1. Gull is protected against loops and does no network lookups.", "1"),  # the item's number
        ('It prints "\'" before every name.', "'"),  # a quote mark names nothing
        ("The build fails with:\n\nld: cannot find -lc\ncollect2: ld returned 1", "-lc\ncollect2"),  # two lines
    ],
)
def test_the_readers_phrase_is_no_short_answer_when_it_says_nothing(sentence, phrase):
    from types import SimpleNamespace

    from rag.answer.compose.factoid import reader_short
    from rag.answer.rank import Candidate
    from rag.settings import Settings

    view = SimpleNamespace(text=lambda doc_id, a, b: sentence[a:b])
    at = sentence.index(phrase)
    cand = Candidate(0, "d", 0, 0, len(sentence), 1.0, 1.0, 0.0, (at, at + len(phrase)))
    assert reader_short(cand, view, Settings().scoring) is None
    word = next(sentence.index(w) for w in ("Gull", "prints", "fails", "fix") if w in sentence)
    cand = Candidate(0, "d", 0, 0, len(sentence), 1.0, 1.0, 0.0, (word, word + 4))
    assert reader_short(cand, view, Settings().scoring) is not None  # a word of the sentence is an answer


def test_a_summary_quotes_prose_not_a_title_page(assistant_of):
    # a title page's short lines read as one "sentence" (a table row); it has no final stop, and an overview
    # quotes sentences that end as sentences do
    text = ("Gull Build Notes\nAnn Lee\nBoreal University\nBo Chan\nNordic Press Association\n\n"
            "Gull is a small build tool that runs commands in order. It rebuilds only what is out of date.\n\n"
            "Builds are described in a file that another program writes. Gull reads that file quickly.\n\n"
            "Gull prints one line of status for every command it runs.\n")
    assessed, quoted = _composed(assistant_of({"gull.txt": text}), "Can you give me a quick summary of the Gull notes?")
    assert assessed.asked.analysis.qtype == "summary" and quoted
    assert all(q.rstrip()[-1:] in ".!?" for q in quoted), quoted


def test_a_numbered_list_is_quoted_item_by_item(assistant_of):
    text = ("# Gull\n\nGull is a small build tool. It runs commands in order and rebuilds what is out of date.\n\n"
            "Steps to install Gull:\n\n1. download the archive.\n2. unpack it in a folder.\n3. run the installer.\n")
    assessed, quoted = _composed(assistant_of({"gull.md": text}), "List the steps to install Gull.")
    assert quoted == ["Steps to install Gull:\n\n1. download the archive.", "2. unpack it in a folder.",
                      "3. run the installer."]


def test_a_colon_before_code_is_no_list(assistant_of):
    from rag.answer.compose.written_list import written_list

    text = ("# Gull\n\nTo turn fast mode on, you can use:\n\n    gull --fast build\n\n"
            "Gull then skips the checks, and it builds the targets in parallel.\n")
    assistant = assistant_of({"gull.md": text})
    engine = assistant.engine
    assessed = engine.assess(engine.prepare("List the ways to turn fast mode on."))
    assert written_list(assessed.asked, engine.view, assistant.settings.scoring) is None  # a command, not items


def test_a_summary_of_a_named_document_is_of_that_document_and_leads_with_its_first_sentence(assistant_of):
    gull = ("# Gull manual\n\nGull is a small build tool for large projects.\n\n"
            "Gull reads a build file that another program writes, and it runs the commands in parallel.\n\n"
            "Each rule names a command, and each build statement names its inputs and outputs.\n\n"
            "Gull rebuilds an output when one of its inputs is newer than the output itself.\n")
    licence = ("# Free Manual Licence\n\nThis licence lets anyone copy a manual, with or without changes.\n\n"
               "A manual under this licence may be sold, but its source must be offered with every copy.\n\n"
               "The licence is meant for manuals of free software and for other reference works.\n")
    assistant = assistant_of({"gull_manual.md": gull, "licence.md": licence})
    assessed, quoted = _composed(assistant, "Summarize the Gull manual.")
    assert assessed.asked.analysis.qtype == "summary" and assessed.asked.analysis.focus == "Gull"
    assert quoted[0] == "Gull is a small build tool for large projects."
    assert all("licence" not in q.lower() for q in quoted)  # "manual" is in both; only Gull's is named


def test_a_summary_of_what_a_named_document_says_on_a_topic_quotes_that_document(assistant_of):
    spec = ("Gull file format\n\nA gull file lists rules and build statements.\n\n"
            "Security: a gull file runs commands, so users should never run a gull file they have not read.\n\n"
            "Programs must not trust a file because of its name alone.\n")
    story = ("Harbour news\n\nSecurity was brought in when thieves broke into the harbour office at night.\n\n"
             "The harbour master said security at the harbour would be reviewed.\n")
    assistant = assistant_of({"gull-spec.txt": spec, "harbour.txt": story})
    assessed, quoted = _composed(assistant, "Summarise what the spec says about security.")
    a = assessed.asked.analysis
    assert (a.qtype, a.topic, a.focus) == ("summary", "security", "spec")  # "spec" names the file gull-spec.txt
    assert quoted and all("harbour" not in q.lower() for q in quoted)


@pytest.mark.parametrize(("sentence", "short", "whole"), [
    ("The format unifies the systems in use by GNOME, KDE and ROX, and leaves room for more.", "GNOME",
     "GNOME, KDE and ROX"),
    ("Northern Europe and the Mid-Atlantic have temperate climates.", "Northern Europe",
     "Northern Europe and the Mid-Atlantic"),
    ("He met Smith in Paris and flew home.", "Smith", "Smith"),  # no coordination of names
    ("Smith arrived and spoke.", "Smith", "Smith"),  # verbs joined, not names
    # the parser joins the noun the names share and makes the last name its compound, and hangs the clause on the
    # first name: the names and their noun, without the clause
    ("15. Bash no longer auto-exports the HOME, PATH, SHELL, TERM, HOSTNAME, HOSTTYPE, MACHTYPE, or OSTYPE variables.",
     "OSTYPE", "the HOME, PATH, SHELL, TERM, HOSTNAME, HOSTTYPE, MACHTYPE, or OSTYPE variables"),
])
def test_a_short_answer_for_several_is_every_item_the_sentence_joins(sentence, short, whole):
    from rag.answer.compose.factoid import coordinated
    from rag.settings import ScoringConfig

    assert coordinated(sentence, short, ScoringConfig()) == whole


def test_why_quotes_the_reasons_a_sentence_announces(assistant_of):
    text = ("Gull file types\n\nGull checks a file's name before its contents. There are several reasons for checking "
            "the name before the contents. First, reading the contents is slow. Second, some programs never read "
            "them. Third, users understand a type that comes from a name.\n\n2.2. Folders\n\nFolders have no type.\n")
    assessed, quoted = _composed(assistant_of({"gull.txt": text}), "Why does Gull check the name before the contents?")
    assert "First, reading the contents is slow." in " ".join(quoted) and "Third, users understand" in " ".join(quoted)
    assert "Folders" not in " ".join(quoted)


def test_why_quotes_the_listed_reasons_announced_after_the_best_sentence(assistant_of):
    text = ("Using the packer from code\n\nThe packer is a command line program. You must not call its internal "
            "functions from your own programs. There are a number of reasons for this:\n\n"
            "- The packer assumes it alone controls the process.\n\n- Its code is not thread safe.\n\n"
            "Folders\n=======\n\nFolders have no type.\n")
    assessed, quoted = _composed(assistant_of({"packer.md": text}), "Why must I not call the packer's internal functions?")
    joined = " ".join(quoted)
    assert "You must not call its internal functions" in joined and "not thread safe" in joined, quoted
    assert "Folders" not in joined


@pytest.mark.parametrize(("sentence", "announcing"), [
    ("There are several reasons for checking the name first.", True),
    ("There are a number of reasons for this:\n\n• The code assumes it is alone.", True),  # the list's first item
    ("There are two reasons why it failed.", True),
    ("To build it, do the following:", True),
    ("There are many whales on the beach.", False),  # where, not of what
    ("There were 50 people there.", False),
    ("There is a reason for this.", False),
])
def test_a_sentence_that_announces_what_follows(sentence, announcing):
    from rag.answer.compose.reasons import announces

    assert announces(sentence) is announcing


def test_a_sentence_that_refers_back_is_quoted_with_the_one_before(assistant_of):
    text = ("Dough notes\n\n1.1. Version\nThis is version 2 of the dough notes, written in March.\n\n"
            "The water, salt and yeast are weighed as shares of the flour's weight. This is called bakers math. "
            "It scales a recipe up or down.\n")
    assistant = assistant_of({"dough.txt": text})
    # and the sentence after, which goes on about it
    assert _composed(assistant, "What is bakers math?")[1] == [
        "The water, salt and yeast are weighed as shares of the flour's weight. This is called bakers math. "
        "It scales a recipe up or down."]
    # a heading before it is not what it refers to
    assert _composed(assistant, "Which version are the dough notes?")[1] == [
        "This is version 2 of the dough notes, written in March."]


def test_a_summary_on_a_topic_a_heading_names_quotes_that_section(assistant_of):
    spec = ("Gull file format\n\n2.1. Rules\n\nA rule names a command. Rules may not be nested.\n\n"
            "2.2. Security implications\n\nA gull file runs commands, so a program must not run one it has not "
            "checked. The type of a file is only a guess. Users should read a file before they build it.\n\n"
            "2.3. Variables\n\nA variable holds a string. Security of variables is not checked here.\n")
    assessed, quoted = _composed(assistant_of({"gull-spec.txt": spec}), "Summarise what the spec says about security.")
    assert quoted == ["A gull file runs commands, so a program must not run one it has not checked.",
                      "The type of a file is only a guess.", "Users should read a file before they build it."]


def test_a_summary_section_may_leave_to_the_title_what_its_document_is_about(assistant_of):
    # "group" is in the document's title, not in the heading "staff": that heading still names the topic
    page = ("<html><head><title>Users and groups</title></head><body><h2>Groups</h2><p>Groups are made at install.</p>"
            "<dl><dt>adm</dt><dd><p>Members of this group may read the system logs.</p></dd>"
            "<dt>staff</dt><dd><p>Lets users add local changes without root. Only add trusted users to this group, "
            "since the change is close to root access.</p></dd></dl></body></html>")
    assessed, quoted = _composed(assistant_of({"groups.html": page}), "What are the main points about the staff group?")
    assert assessed.asked.analysis.qtype == "summary"
    assert quoted == ["Lets users add local changes without root.",
                      "Only add trusted users to this group, since the change is close to root access."], quoted


def test_a_summary_section_holds_its_subsections(assistant_of):
    guide = ("# Gull: a build tracer\n\nGull records every command a build runs. It writes them to a log.\n\n"
             "## Overview\n\nThe log lists each command with its inputs and outputs.\n\n"
             "## Folders\n\nFolders have no type of their own.\n")
    other = "# Weather\n\nThe harbour was calm all week. Rain came on Sunday.\n"
    assessed, quoted = _composed(assistant_of({"gull.md": guide, "weather.md": other}), "summarize gull")
    assert quoted[:3] == ["Gull records every command a build runs.", "It writes them to a log.",
                          "The log lists each command with its inputs and outputs."], quoted


def test_a_definition_lists_entry_defines_its_term(assistant_of):
    page = ("<html><head><title>Users and groups</title></head><body><h2>Groups</h2><dl>"
            "<dt>dip</dt><dd><p>The group's name stands for Dialup IP. Being in group dip allows you to use pppd.</p></dd>"
            "<dt>staff</dt><dd><p>Lets users add local changes without root.</p></dd></dl></body></html>")
    assessed, quoted = _composed(assistant_of({"groups.html": page}), "what does dip mean")
    assert assessed.asked.analysis.qtype == "definition" and quoted == ["The group's name stands for Dialup IP."], quoted


def test_a_numbered_section_named_for_the_term_in_the_plural_defines_it(assistant_of):
    page = ("<html><head><title>Packaging policy</title></head><body><h2>4.1. Modules</h2><p>Modules go in one "
            "directory.</p><h2>4.2. Wheels</h2><p>PEP 427 defines a built-package format called wheels, a Zip "
            "archive of Python code.</p><p>Packages must not build or provide wheels.</p>"
            "</body></html>")
    assessed, quoted = _composed(assistant_of({"policy.html": page}), "what's a wheel according to the packaging policy")
    assert quoted == ["PEP 427 defines a built-package format called wheels, a Zip archive of Python code."], quoted


def test_a_heading_names_the_term_in_either_number_but_not_another_word_of_its_stem():
    from rag.answer.compose.definition import _same_noun

    assert _same_noun("wheels", "wheel") and _same_noun("wheel", "wheels") and _same_noun("boxes", "box")
    assert not _same_noun("checkpointing", "checkpoint")  # the act, not the thing
    assert not _same_noun("wheel", "steering wheel")


def test_where_in_a_manual_is_answered_by_the_path_it_gives(assistant_of):
    page = ("Gull manual\n\nInstalling\n\nPublic Gull plugins must be installed in the system plugin directory, "
            "/usr/lib/gull/plugins.\n\nThe log is kept for a week.\n")
    ans = _ask(assistant_of({"gull.txt": page}), "where are public gull plugins supposed to be installed")
    assert ans.short_answer == "/usr/lib/gull/plugins" and not ans.refused


def test_a_documents_own_question_is_never_the_answer(assistant_of):
    # an FAQ's entries are questions: the one most like the user's is no answer; the text under it is
    faq = ("Gull FAQ\n\n1.1. Where does the name Gull come from?\n\n"
           "From seabirds. The first author watched gulls from her office while she wrote the tool.\n\n"
           "1.2. Can Gull be attached to a running build?\n\n"
           "No. Gull must start the build itself, since it records every command from the start.\n")
    assessed, quoted = _composed(assistant_of({"faq.txt": faq}), "Where does the name Gull come from?")
    assert quoted and not any(q.rstrip().endswith("?") for q in quoted), quoted


def test_why_prefers_a_near_sentence_that_states_a_reason(assistant_of):
    """A reason is what "why" asks for: of near-tied candidates (within type_ratio of the best), the one that
    states one goes first; one further down does not."""
    import dataclasses

    from rag.answer.compose.reasons import explanation

    text = ("# Gull\n\nGull was renamed Tern in its second year, and the old name was dropped from the docs.\n\n"
            "Gull was renamed Tern because another tool was already called Gull.\n\n"
            "Tern runs on Linux and on Windows.\n")
    assistant = assistant_of({"gull.md": text})
    engine, s = assistant.engine, assistant.settings.scoring
    assessed = engine.assess(engine.prepare("Why was Gull renamed Tern?"))
    restated = next(c for c in assessed.asked.candidates if "second year" in engine.view.text(c.doc_id, c.start, c.end))
    reason = next(c for c in assessed.asked.candidates if "because" in engine.view.text(c.doc_id, c.start, c.end))

    def first_quoted(reason_score: float) -> str:
        ranked = [dataclasses.replace(restated, score=1.0), dataclasses.replace(reason, score=reason_score)]
        composed = explanation(dataclasses.replace(assessed.asked, candidates=ranked), engine.view, s)
        return engine.view.text(engine.view.doc_of(composed.spans[0].pid), composed.spans[0].start,
                                composed.spans[0].end)

    assert "because" in first_quoted(s.type_ratio + 0.05)
    assert "second year" in first_quoted(s.type_ratio - 0.3)


def test_a_plural_kind_gets_every_item_of_a_list_run_into_a_sentence():
    from rag.answer.compose.factoid import inline_items

    sentence = "Many aspects of CSS are used, including:\n• multi-column layout\n• footnotes\n• page floats"
    assert inline_items(sentence, "footnotes") == "multi-column layout, footnotes, page floats"
    assert inline_items(sentence, "CSS") == "CSS"  # not one of the items
    assert inline_items("It uses CSS: footnotes only.", "footnotes") == "footnotes"  # no list


def test_which_tools_is_answered_by_the_list_the_document_writes(assistant_of):
    page = ("<html><body><h1>Gull</h1><p>Gull is a small build tool that runs commands in order.</p>"
            "<p>The tools Gull offers are:</p><ul><li>clean: removes built files.</li><li>graph: draws the build."
            "</li><li>query: shows a target's inputs.</li></ul><p>Gull also reads its log at start.</p></body></html>")
    assessed, quoted = _composed(assistant_of({"gull.html": page}), "Which tools does Gull offer?")
    assert assessed.asked.analysis.qtype == "factoid" and assessed.asked.analysis.topic == "tools"
    assert quoted == ["The tools Gull offers are:\n\n• clean: removes built files.", "• graph: draws the build.",
                      "• query: shows a target's inputs."]


def test_what_an_option_does_quotes_its_entry_as_written(assistant_of):
    page = ("GULL(1)\n\nOPTIONS\n\n-V, --version\nOutput the version number of gull and exit.\n\n"
            "-v, --invert-match\nInvert the sense of matching, to select non-matching lines.\n\n"
            "COLORS\n\nThe cx= capability colours context lines when the -v option is omitted, and selected lines "
            "when -v is given on the command line.\n")
    assistant = assistant_of({"gull.txt": page})
    assessed, quoted = _composed(assistant, "What does the -v option do?")
    assert quoted == ["-v, --invert-match\nInvert the sense of matching, to select non-matching lines."]
    assert _ask(assistant, "What does the -z option do?").refused  # written nowhere


def test_an_explanation_quotes_no_heading_beside_its_sentence(assistant_of):
    page = ("GULL(1)\n\nENVIRONMENT\nThe behavior of gull is affected by the following environment variables.\n\n"
            "GULL_COLORS sets the colours of the output, and GULL_HOME the folder gull keeps its log in.\n")
    assessed, quoted = _composed(assistant_of({"gull.txt": page}), "How is the behavior of gull affected?")
    assert assessed.asked.analysis.qtype == "how" and quoted
    assert not any(q.startswith("ENVIRONMENT") for q in quoted), quoted


def test_which_country_is_not_answered_by_an_address(assistant_of):
    page = "Gull Licence\n\nGull Licence, Version 2, January 2004, http://www.gull.org/licences/\n"
    assessed, quoted = _composed(assistant_of({"licence.txt": page}), "which country's law governs the gull licence")
    # an address is the place "where" asks for in a manual, not a country: it is no answer of the expected kind
    assert not (assessed.composed.typed and assessed.composed.short == "http://www.gull.org/licences/")


def test_no_yes_from_a_sentence_of_the_opposite_relation(assistant_of):
    page = ("GULL(1)\n\nUsage\n\nOptions to gull must appear on the command line before COMMAND. Anything after "
            "COMMAND is passed to it as its arguments.\n")
    assistant = assistant_of({"gull.txt": page})
    after = _ask(assistant, "can I put gull's options after the command")
    assert not after.answer.startswith("Yes") and "before COMMAND" in after.answer
    assert _ask(assistant, "must gull's options appear before the command?").answer.startswith("Yes")


def test_a_term_is_defined_where_the_text_names_it_so(assistant_of):
    readme = ("# gullpool\n\ngullpool limits the threads of native libraries. The limiting API works only from the "
              "first thread that uses it, the so-called controlling thread. Other threads are ignored.\n\n"
              "## Libraries\n\nCurrent libraries where gullpool makes this choice are MKL and BLIS.\n")
    assessed, quoted = _composed(assistant_of({"README.md": readme}), "what's the 'controlling thread' in gullpool")
    assert assessed.asked.analysis.qtype == "definition"
    assert quoted == ["The limiting API works only from the first thread that uses it, the so-called controlling "
                      "thread."], quoted


def test_a_sentence_that_names_a_term_so_defines_it():
    from rag.answer.compose.definition import _defines

    assert _defines("the controlling thread").match("It works from the first thread, the so-called controlling thread.")
    assert _defines("a wheel").match("PEP 427 defines a built-package format called “wheels”, a Zip archive.")
    assert not _defines("a wheel").match("Packages must not build or provide wheels.")


def test_a_list_is_searched_for_by_what_its_items_must_be():
    # searched for by its kind alone ("conditions"), a licence's "TERMS AND CONDITIONS" headings came first
    from rag.answer.analysis import analyze
    from rag.answer.extractive import _about

    assert _about(analyze("which conditions are listed for redistributing the work")) == "conditions redistributing work"
    assert _about(analyze("Which people are quoted?")) == "people"
    assert _about(analyze("Summarize what the report says about drones")) == "drones"  # a summary: its topic


def test_a_summary_section_may_leave_to_the_file_name_what_the_document_is_about(assistant_of):
    readme = ("# Thread Controls Build Status\n\nGull limits the threads of native libraries.\n\n## Usage\n\nCall gull.limit() "
              "before a heavy loop. Gull restores the limits after it.\n\n## Known Limitations\n\nNested loops of "
              "two OpenMP runtimes may escape the limit. Mixing two BLAS builds in one process is not supported.\n")
    assessed, quoted = _composed(assistant_of({"gull_readme.md": readme}), "summarise the known limitations of gull")
    assert quoted[:2] == ["Nested loops of two OpenMP runtimes may escape the limit.",
                          "Mixing two BLAS builds in one process is not supported."], quoted


def test_a_summary_of_the_x_section_quotes_the_section_its_heading_names_without_the_word_section(assistant_of):
    # a heading seldom says that it heads a section: "9. TERMINATION" is "the termination section"
    licence = ("Gull Licence\n\n4. MODIFICATIONS\n\nDo not retitle any existing section. Each modified section keeps "
               "its title, and a section on termination keeps its number.\n\n"
               "8. TRANSLATION\n\nYou may translate the manual. The original version prevails.\n\n"
               "9. TERMINATION\n\nYou may not copy the manual except as this licence provides. Any other attempt to "
               "copy it ends your rights.\n\n10. FUTURE REVISIONS\n\nThe publisher may issue new versions of "
               "this licence.\n")
    assessed, quoted = _composed(assistant_of({"gull_licence.txt": licence}), "Can you sum up the termination section?")
    assert quoted == ["You may not copy the manual except as this licence provides.",
                      "Any other attempt to copy it ends your rights."], quoted


def test_a_side_of_a_comparison_is_named_by_its_entry_and_not_by_a_synopsis(assistant_of):
    """A manual's entry names its option in the heading above it; a synopsis that lists every option is no prose."""
    text = ("<html><body><h1>tool</h1><p>tool [ --verbose | --param NAME VALUE | --stringparam NAME VALUE | --nonet"
            " ] STYLESHEET FILE</p><dl><dt>--param NAME VALUE</dt><dd>Pass a parameter whose value is an XPath "
            "expression to the stylesheet.</dd><dt>--stringparam NAME VALUE</dt><dd>Pass a parameter whose value "
            "is a plain string rather than an expression.</dd><dt>--nonet</dt><dd>Do not use the network to fetch "
            "documents.</dd></dl></body></html>")
    assessed, quoted = _composed(assistant_of({"tool.html": text}), "--param vs --stringparam, whats the difference?")
    assert assessed.asked.analysis.sides == ("--param", "--stringparam")
    assert len(quoted) == 2 and "XPath" in quoted[0] and "plain string" in quoted[1], quoted


# a man page's list of exit codes, indented paragraphs whose indent the text loses
_EXIT_STATUS_PAGE = ("EXIT STATUS\n       tool exits with the following status:\n\n              0      if it succeeds\n\n"
                     "              123    if any invocation of the command failed\n\n"
                     "              127    if the command is not found\n\n"
                     "       Exit codes greater than 128 are used by the shell for a program that died of a signal.\n")


def test_a_list_of_paragraphs_that_open_alike_is_a_written_list(assistant_of):
    """A man page's indented list loses its indent as text: paragraphs that each open with a number are its items."""
    assessed, quoted = _composed(assistant_of({"tool.txt": _EXIT_STATUS_PAGE}), "list all the exit codes tool can return and what they mean")
    assert assessed.asked.analysis.qtype == "list"
    assert quoted[0].startswith("tool exits with the following status:") and quoted[1:] == [
        "123 if any invocation of the command failed", "127 if the command is not found"], quoted


def test_no_when_an_asked_noun_is_the_object_of_a_denied_verb(assistant_of):
    """"Does it give me any rights ...?" - "does not grant any rights": what the question asks for, denied."""
    text = ("# Licence\n\nThis licence covers the source code of the program. This licence does not grant any rights in "
            "the trademarks or logos of any contributor.\n\nYou may copy the program.\n")
    assessed, quoted = _composed(assistant_of({"licence.md": text}), "Does the licence give me any rights to use a contributor's trademarks?")
    assert assessed.composed.short == "No" and "does not grant" in quoted[0], quoted


def test_no_when_what_the_question_asks_a_thing_is_is_denied(assistant_of):
    """"Is X available?" - "X is not available", or a table row's "Not available": the asked adjective, denied; a
    typo of it read as the sources spell it."""
    text = ("# Transports\n\nThe transports are chosen when the build is configured.\n\nDNETCONN Not available in "
            "X11R7 Enables the DECnet transports\n\nThe UNIX transport is available on every system. The TLI transport "
            "is not available on Linux.\n")
    assistant = assistant_of({"transports.md": text})
    for question, short in (("is the decnet transport still avaliable in X11R7?", "No"),
                            ("Is the TLI transport available on Linux?", "No"),
                            ("Is the UNIX transport available on every system?", "Yes")):
        assessed, quoted = _composed(assistant, question)
        assert assessed.composed.short == short, (question, quoted)


def test_a_dated_heading_answers_when_for_what_it_names(assistant_of):
    """A changelog dates each release in its heading, not in a sentence (the ISO date the entity model may call a
    number); a release no heading names is not dated by another's."""
    text = ("# gull\n\nGull builds things.\n\n## Changelog\n\n### 1.2.3 - 2026-08-16\n\n- Strip a leading byte order mark "
            "from files.\n- Escape backslashes when writing keys.\n\n### 0.21.1 - 2023-01-21\n\n- Support Python 3.12 "
            "and drop Python 3.7.\n- Fix the year of a release in the changelog.\n")
    assistant = assistant_of({"gull.md": text})
    for question, date, heading in (("when was gull 1.2.3 released?", "2026-08-16", "1.2.3 - 2026-08-16"),
                                    ("When was gull 0.21.1 released?", "2023-01-21", "0.21.1 - 2023-01-21")):
        assessed, quoted = _composed(assistant, question)
        assert (assessed.composed.short, quoted) == (date, [heading]), quoted
    assessed, quoted = _composed(assistant, "When was gull 1.3.0 released?")
    assert assessed.composed is None or assessed.composed.short not in ("2026-08-16", "2023-01-21"), quoted


def test_one_thing_asked_of_a_written_list_is_answered_by_the_item_that_matches(assistant_of):
    """The lead-in ranks first (it holds the first item), the matching item next: the lead-in and that item, and
    its short answer; a list asked for whole stays whole."""
    assistant = assistant_of({"tool.txt": _EXIT_STATUS_PAGE})
    assessed, quoted = _composed(assistant, "which exit status does tool return when the command is not found")
    assert assessed.composed.short == "127" and quoted[-1] == "127 if the command is not found", quoted
    assessed, quoted = _composed(assistant, "list all the exit codes tool can return")
    assert len(quoted) == 3, quoted


def test_a_neighbours_entity_is_quoted_but_the_readers_phrase_stays_the_short_answer():
    # the best sentence holds no date, the next one does: both are quoted; the short answer is the reader's
    # phrase in the best sentence when it gives one, the neighbour's date only when it gives none
    from types import SimpleNamespace

    import numpy as np

    from rag.answer.analysis import QuestionAnalysis
    from rag.answer.asked import Asked
    from rag.answer.compose.factoid import _typed
    from rag.answer.qtypes import QType
    from rag.answer.rank import Candidate
    from rag.answer.types import Span
    from rag.settings import Settings

    text = "The bridge was rebuilt after the great flood. The work ended on 3 May 1921."
    first = (0, text.index(" The work") + 1)
    second = (first[1], len(text))
    view = SimpleNamespace(
        text=lambda doc_id, a, b: text[a:b],
        neighbours=lambda doc_id, a, b: (None, second),
        spans_between=lambda doc_id, lo, hi, score: [Span(0, lo, hi, score)],
    )
    flood = (text.index("the great flood"), text.index("the great flood") + len("the great flood"))
    a = QuestionAnalysis("When was the bridge rebuilt?", QType.FACTOID, answer_type="DATE")

    def composed(span):
        cand = Candidate(0, "d", 0, first[0], first[1] - 1, 1.0, 1.0, 0.0, span, phrases=(span,) if span else ())
        q = Asked(a.text, a.text, a, np.zeros(1), [], [], candidates=[cand])
        return _typed(q, {"DATE"}, set(), view, Settings().scoring)

    read = composed(flood)
    assert read.short == "the great flood" and read.spans == [Span(0, 0, len(text), 1.0)]
    assert composed(None).short == "3 May 1921"
