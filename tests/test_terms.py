"""rag/text/terms.py: its stop words are bm25s's, splitting words imports no BM25 library, names written as code."""

import subprocess
import sys
from pathlib import Path

import pytest

from rag.text.terms import STOPWORDS, STOPWORDS_EN, code_name, terms

ROOT = Path(__file__).resolve().parent.parent


def test_stop_words_are_bm25s_english_list():
    from bm25s.stopwords import STOPWORDS_EN as BM25S_EN

    assert tuple(STOPWORDS_EN) == tuple(BM25S_EN)
    assert {"the", "what", "said"} <= STOPWORDS and "council" not in STOPWORDS


def test_terms_drop_stop_words_and_stem():
    assert terms("The councils said what they would build in 2019") == ["council", "build", "2019"]


def test_words_and_terms_import_neither_bm25s_nor_scipy():
    code = ("import sys; from rag.text.terms import terms; terms('Bridges were built'); "
            "print(sorted(m for m in ('bm25s', 'scipy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(("text", "is_code"), [
    ("audio/mpeg", True), ("user.mime_type", True), ("os.path.join", True), ("image/svg+xml", True),
    ("Override.xml", True), ("e.g.", False), ("U.S.", False), ("km/h", False), ("and/or", False),
    ("June/July", False), ("3.7.0", False), ("/var/lib/dpkg", True), ("/etc", False),
])
def test_code_name(text, is_code):
    assert code_name(text) is is_code


@pytest.mark.parametrize(("name", "text", "written"), [
    ("audio/mpeg", "The type Audio/MPEG has an alias.", True),  # any case
    ("path.join", "Call os.path.join to build paths.", True),  # the end of a longer name
    ("audio/mpeg", "The type audio/mpeg3 has an alias.", False),  # not the start of one
    ("/var/lib/dpkg", "Remove /var/lib/dpkg/triggers first.", False),
    ("HTTP/3", "It speaks HTTP/2. Python 3 is needed.", False),
    ("HTTP/2", "It speaks HTTP/2.", True),  # before a full stop
])
def test_writes(name, text, written):
    from rag.text.terms import writes

    assert writes(name, text) is written


@pytest.mark.parametrize(("name", "code"), [
    ("--max-depth", True), ("-v", True), ("asn1_get_integer_der", True), (".rar", True), ("os.path.join", True),
    ("/var/lib/dpkg", True), ("%G", True),
    ("speed/size", False), ("audio/mpeg", False),  # two words joined by a slash: alternatives as often as code
    ("python3.11", False),  # a version: the sources may write "Python 3.11"
    ("-selling", False),  # "best -selling": a stray dash
    ("U.S.", False), ("e.g", False),
])
def test_a_name_written_as_code_is_one_thing_spelt_one_way(name, code):
    from rag.text.terms import written_as_code

    assert written_as_code(name) is code


def test_a_format_conversion_is_found_as_written():
    from rag.text.terms import mentions_format

    text = 'The default is "%Uuser %Ssystem %Eelapsed 8%CPU"; time -f "\\t%E real" ls.'
    assert mentions_format("%U", text) and mentions_format("%E", text)  # written onto what follows it
    assert not mentions_format("%C", text)  # "8%CPU" is a percentage
    assert not mentions_format("%e", text)  # another conversion
