"""What the sources hold, as the answer stages ask it (rag/answer/view.py)."""

from rag.answer.view import SourcesView, as_written


def test_a_numbered_name_or_a_dotted_number_names_only_as_written():
    for word in ("HTTP/3", "COVID-19", "F-35", "3.7.0", "GPT-4o", "ISO-8601", "mid-1970s"):
        assert as_written(word), word
    # no number, no name before it, or algebra (often written with spaces): by its parts, as any word
    for word in ("U.S.-led", "well-known", "1990-91", "HTTP", "2019", "p-1", "1/p", "2p-1"):
        assert not as_written(word), word


def test_a_numbered_name_is_known_by_the_sources_only_as_they_write_it(assistant_of):
    view = SourcesView(assistant_of({"client.txt": (
        "Client notes\n\nThe client speaks HTTP/1.1 and HTTP/2. It needs Python 3.9 or later. It was written "
        "pre-COVID-19. Run it with -v or --no-proxy, as the Proxy Lookup Config says.\n\nClient notes »\n\nIt has no server.\n")}).retriever)
    assert view.mentions("HTTP/2") and view.mentions("http/2") and view.mentions("HTTP/1.1")
    assert view.mentions("3.9") and view.mentions("HTTP") and view.mentions("Python")
    assert view.mentions("COVID-19")  # inside a longer run of joined words
    # HTTP and 3 are each in the text, HTTP/3 is not: before, each part counted and it read as mentioned
    assert not view.mentions("HTTP/3") and not view.mentions("3.10") and not view.mentions("HTTP/2.5")
    # a command-line option as written: "-z" is not the letter z, "-V" not "-v", "--no" not "--no-proxy"
    assert view.mentions("-v") and view.mentions("--no-proxy")
    assert not view.mentions("-z") and not view.mentions("-V") and not view.mentions("--no")
    # an abbreviation of three or more capitalised words the sources spell out
    assert view.mentions("PLC") and not view.mentions("PLK")
    # the title repeated further down (a page's navigation) is a heading; where the text begins, it is left alone
    doc_id, doc = next(iter(view.index.documents.items()))
    assert doc.title == "Client notes"
    first, again = doc.text.index("Client notes"), doc.text.index("Client notes »")
    assert not view.is_heading(doc_id, first, first + len("Client notes"))
    assert view.is_heading(doc_id, again, again + len("Client notes »"))


def test_a_name_with_its_version_glued_on_is_known_by_the_name_and_its_version(assistant_of):
    view = SourcesView(assistant_of({"licence.txt": (
        "Gull Public License\n\nVersion 3, 29 June 2007\n\nThe Gull Public License (GPL) lets you share the "
        "manual. Devices that deny users access are forbidden.\n")}).retriever)
    assert view.mentions("GPLv3") and view.mentions("gplv3") and view.mentions("v3")
    assert not view.mentions("GPLv2") and not view.mentions("v4") and not view.mentions("LGPLv3")


def test_a_name_written_as_code_is_known_only_as_written(assistant_of):
    view = SourcesView(assistant_of({"spec.txt": (
        "MIME types\n\nFor example, audio/midi has an alias of audio/x-midi. A type may be read from the "
        "user.mime_type attribute. Call os.path.join to build paths. MPEG audio is common.\n")}).retriever)
    assert view.mentions("audio/midi") and view.mentions("user.mime_type") and view.mentions("path.join")
    # every part is a word of the text, the name is not: before, each part counted and it read as mentioned
    assert not view.mentions("audio/mpeg") and not view.mentions("user.mime_encoding")


def test_a_file_extension_is_known_only_as_written(assistant_of):
    view = SourcesView(assistant_of({"faq.txt": "Can zlib handle .zip archives? No. Unpack data.TAR.GZ first. RAR is not.\n"}).retriever)
    assert view.mentions(".zip") and view.mentions(".ZIP") and view.mentions(".gz") and view.mentions(".tar.gz")
    assert not view.mentions(".rar") and not view.mentions(".Z")


def test_a_numbered_title_line_reads_as_a_heading_and_a_sentence_does_not():
    from rag.answer.view import NUMBERED_HEADING

    # a paper's section numbers often go without a dot ("4 Tables", LaTeX's style)
    for line in ("1.3. Language used in this specification", "2. Unified system", "4.2 Scope", "4 Tables"):
        assert NUMBERED_HEADING.fullmatch(line), line
    for line in ("1.2. What is this spec?", "2. Grant of Copyright License. Subject to the terms",
                 "3.5 million people fled", "12 ministers resigned"):
        assert not NUMBERED_HEADING.fullmatch(line), line


def test_a_name_with_an_underscore_is_known_as_written(assistant_of):
    view = SourcesView(assistant_of({"zlib.txt": "compress() returns Z_BUF_ERROR when avail_out is zero.\n"}).retriever)
    assert view.mentions("Z_BUF_ERROR") and view.mentions("avail_out") and view.mentions("z_buf_error")
    assert not view.mentions("avail_in") and not view.mentions("Z_DATA_ERROR")


def test_typos_of_the_sources_words_are_spelled_as_they_spell_them(assistant_of):
    view = SourcesView(assistant_of({"triggers.txt": "Trigger cycles are detected by dpkg. Jones wrote it.\n"}).retriever)
    assert view.spelled("how does dpkg detect trigger cycels?") == "how does dpkg detect trigger cycles?"
    assert view.spelled("What did Jonas say?") == "What did Jonas say?"  # a name is left as asked
