"""The web app's server side: HTML escaping, upload storage, and the named API over a real server."""

from __future__ import annotations

import http.client
import json
import re
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from ui_support import (
    NEW_FACT_QUESTION,
    NEW_FACT_TEXT,
    PLACE_QUESTIONS,
    copy_index,
    filler_text,
    running_server,
    write_place_sources,
)

from rag.answer.types import Citation
from rag_ui import render
from rag_ui.uploads import MAX_UPLOAD_BYTES, safe_filename, store_uploads

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _citation(**kw):
    base = dict(n=1, doc_id="d", source="/x/evil <b>.txt", title="<script>alert(1)</script>", start=100, end=152,
                text="Before. <img src=x onerror=alert(1)> said it. After.", score=0.5, sentence_start=108, sentence_end=144)
    base.update(kw)
    return Citation(**base)


# -- rendering (no server) --------------------------------------------------------
def test_answer_html_escapes_document_text_and_highlights_sentence():
    c = _citation()
    answer = SimpleNamespace(answer="<b>bold</b> claim [1]", refused=False, citations=[c], nearest=[])
    out = render.answer_html(answer, "t1")
    assert "<script>" not in out and "<img" not in out and "<b>bold" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert "<mark>&lt;img src=x onerror=alert(1)&gt; said it</mark>" in out
    assert '<a class="rag-cite" href="#rag-src-t1-1"' in out
    assert 'id="rag-src-t1-1"' in out
    assert "\n" not in out  # one raw HTML block: no markdown pass over document text


def test_refusal_is_labelled_and_has_no_answer_citations():
    near = _citation(title="Near", text="Some nearby passage.", sentence_start=100, sentence_end=120)
    answer = SimpleNamespace(answer="The sources don't answer this question.", refused=True, citations=[], nearest=[near])
    out = render.answer_html(answer, "t2")
    assert "rag-refusal" in out and "Not answered." in out
    assert "not an answer" in out
    assert "<mark>" not in out and "rag-cite" not in out


def test_bullet_answers_become_a_list_with_linked_markers():
    body = render.answer_body("- first [1]\n- second [2]", "t", {1, 2})
    assert body.startswith('<ul class="rag-bullets"><li>first <a class="rag-cite" href="#rag-src-t-1"')
    assert body.count("<li>") == 2


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.txt", "passwd.txt"),
    ("..\\..\\win.ini.md", "win.ini.md"),
    (".hidden.PDF", "hidden.pdf"),
    ("my report (final).docx", "my_report_final.docx"),
    ("<script>.html", "script.html"),
    ("", "document"),
])
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


def test_store_uploads_stays_inside_and_refuses_bad_types(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    good = src / "a b.txt"
    good.write_text("hello")
    exe = src / "tool.exe"
    exe.write_bytes(b"MZ")
    big = src / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    uploads = tmp_path / "data" / "uploads"
    stored = store_uploads([good, exe, big], uploads)
    assert [p.name for p in stored.paths] == ["a_b.txt"]
    assert all(p.resolve().parent == uploads.resolve() for p in stored.paths)
    assert any("tool.exe" in r and "not supported" in r for r in stored.refused)
    assert any("big.txt" in r and "limit" in r for r in stored.refused)
    # same name, other bytes: a new name, the stored file is not overwritten
    good.write_text("changed")
    again = store_uploads([good], uploads)
    assert [p.name for p in again.paths] == ["a_b-2.txt"]
    assert (uploads / "a_b.txt").read_text() == "hello"


# -- the real server, through gradio_client -------------------------------------------
def assert_cited_numbers_match(text: str, info: dict) -> None:
    """An answer's [n] markers are exactly its citations' numbers, 1..k, whatever k is; the sentences'
    citations are those numbers too; each citation's supporting sentence lies inside its passage."""
    cits = info["citations"]
    numbers = [c["n"] for c in cits]
    assert numbers and numbers == list(range(1, len(cits) + 1)), numbers
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} == set(numbers), (text, numbers)
    assert {n for s in info["sentences"] for n in s["citations"]} == set(numbers), info["sentences"]
    for c in cits:
        assert c["start"] <= c["sentence_start"] < c["sentence_end"] <= c["end"], c
        assert c["text"][c["sentence_start"] - c["start"]: c["sentence_end"] - c["start"]].strip(), c


def test_api_ask_with_login(seed_index_dir, tmp_path):
    from gradio_client import Client

    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path, auth="alice:s3cret") as server:
        with pytest.raises(Exception):
            Client(server.url, verbose=False)  # no login, no app
        client = Client(server.url, auth=("alice", "s3cret"), verbose=False)
        api = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
        assert {"/ask", "/rebuild", "/remove", "/status"} <= set(api)

        text, info = client.predict("What did Townsend say?", "", api_name="/ask")
        assert info["refused"] is False and "Townsend" in text
        assert_cited_numbers_match(text, info)

        # a follow-up uses the history
        text2, info2 = client.predict("What did he challenge Amnesty to do?", json.dumps([["What did Townsend say?", text]]),
                                      api_name="/ask")
        assert "Townsend" in info2["standalone_question"]
        assert_cited_numbers_match(text2, info2)

        refusal, info3 = client.predict("What is the capital of France?", None, api_name="/ask")
        assert info3["refused"] is True and info3["citations"] == [] and "[1]" not in refusal

        with pytest.raises(Exception, match="empty"):
            client.predict("   ", None, api_name="/ask")

        status = client.predict(api_name="/status")
        assert status["engine"] == "extractive" and status["model"] and len(status["documents"]) == 1


def test_api_rebuild_runs_beside_answers_and_a_failed_build_keeps_the_old_index(seed_index_dir, tmp_path):
    from gradio_client import Client, handle_file

    files = tmp_path / "files"
    files.mkdir()
    big = files / "orchard-ledger.txt"
    big.write_text(filler_text(500) + NEW_FACT_TEXT.split("\n\n", 1)[1])
    empty = files / "empty.txt"
    empty.write_text("")
    exe = files / "tool.exe"
    exe.write_bytes(b"MZ\x00\x00")

    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path) as server:
        client = Client(server.url, verbose=False)

        # A build that fails: only an unreadable file, replacing the sources. The reason is shown.
        msg, status, table, _choices, _files = client.predict([handle_file(empty)], "Replace the current sources",
                                                             api_name="/rebuild")
        assert "Rebuild failed" in msg and "empty file" in msg
        assert "**Documents** 1" in status
        assert not (server.data_dir / "uploads" / "empty.txt").exists()  # the failed upload is not kept
        text, _ = client.predict("What did Townsend say?", None, api_name="/ask")
        assert "[1]" in text

        # Other file types are refused with a message.
        with pytest.raises(Exception, match="(?i)invalid file type|not supported"):
            client.predict([handle_file(exe)], "Add to the current sources", api_name="/rebuild")

        # A slow build (new text to embed) runs while questions are answered from the old index.
        job = client.submit([handle_file(big)], "Add to the current sources", api_name="/rebuild")
        t0 = time.time()
        while job.status().code.name not in ("PROCESSING", "PROGRESS") and time.time() - t0 < 30:
            time.sleep(0.05)
        text, info = client.predict(NEW_FACT_QUESTION, None, api_name="/ask")
        assert not job.done(), "the answer waited for the rebuild"
        assert "417" not in text  # still the old index
        msg, status, table, _choices, _files = job.result(timeout=120)
        assert "Index rebuilt" in msg and "**Documents** 2" in status
        assert "orchard-ledger.txt" in [row[1] for row in table["data"]]
        stored = server.data_dir / "uploads" / "orchard-ledger.txt"
        assert stored.exists()

        text, info = client.predict(NEW_FACT_QUESTION, None, api_name="/ask")
        assert "417" in text and info["citations"][0]["source"] == str(stored.resolve())

        # Remove it again.
        # typed as a file name (the list on the page stops at DOC_ROWS documents)
        msg, status, table, _choices = client.predict("Orchard-Ledger.txt", api_name="/remove")
        assert "Removed" in msg and "**Documents** 1" in status
        text, info = client.predict(NEW_FACT_QUESTION, None, api_name="/ask")
        assert "417" not in text


def _manifest(n):
    return {"documents": [{"doc_id": f"id{i}", "title": f"Doc {i}", "source": f"/data/doc{i}.txt", "aliases": [],
                           "passages": 1, "sha256": "ab" * 32, "added_at": "2026-11-25T09:00:00+00:00"} for i in range(n)]}


def test_a_large_index_lists_its_first_documents_and_says_so():
    from rag_ui.app import documents_frame, listed_note, remove_choices

    big, small = _manifest(2500), _manifest(3)
    assert len(documents_frame(big, limit=1000)) == 1000 and len(remove_choices(big, limit=1000)) == 1000
    assert "first 1,000 of the 2,500 documents; `rag info` lists them all" in listed_note(big, limit=1000)
    assert len(documents_frame(small)) == 3 and listed_note(small) == ""


def test_a_document_is_found_by_id_or_file_name():
    from rag_ui.app import find_document

    m = _manifest(3)
    m["documents"][2]["aliases"] = ["/elsewhere/copy.txt"]
    assert find_document(m, "id1") == "id1"
    assert find_document(m, " DOC1.txt ") == "id1"
    assert find_document(m, "copy.txt") == "id2"
    with pytest.raises(ValueError, match="no indexed document"):
        find_document(m, "missing.txt")
    m["documents"][0]["source"] = "/other/doc1.txt"
    with pytest.raises(ValueError, match="2 indexed documents"):
        find_document(m, "doc1.txt")


def test_the_saved_conversation_is_plain_messages_capped_and_checked():
    from rag_ui.app import SAVED_MESSAGES, restored_chat, saved_chat

    parts = {"role": "assistant", "content": [{"type": "text", "text": "<b>an answer</b>"}], "metadata": None}
    saved = saved_chat([{"role": "user", "content": "q"}, parts], [["q", "an answer"]])
    assert saved == {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "<b>an answer</b>"}],
                     "history": [["q", "an answer"]]}
    assert restored_chat(saved) == (saved["messages"], saved["history"])
    many = saved_chat([{"role": "user", "content": str(i)} for i in range(SAVED_MESSAGES + 7)], [])
    assert len(many["messages"]) == SAVED_MESSAGES and many["messages"][-1]["content"] == str(SAVED_MESSAGES + 6)
    for junk in (None, "text", [1, 2], {"messages": [{"role": "system", "content": "x"}, 5], "history": [[1], "ab"]}):
        assert restored_chat(junk) == ([], [])


def test_the_browser_key_outlives_a_restart_and_is_private(tmp_path):
    import stat

    from rag_ui.app import browser_secret

    first = browser_secret(tmp_path / "data")
    assert len(first) >= 24 and browser_secret(tmp_path / "data") == first
    assert stat.S_IMODE((tmp_path / "data" / ".browser-secret").stat().st_mode) == 0o600
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")  # no key can be stored there (even as root)
    assert browser_secret(tmp_path / "not-a-folder") != browser_secret(tmp_path / "not-a-folder")  # one for this run only


# -- open the original: files served read-only, only from the index ----------------------------
def _get(server, path: str, headers: dict | None = None) -> tuple[int, bytes, dict]:
    """GET ``path`` exactly as written: no client normalises its dots or escapes first."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read(), {k.lower(): v for k, v in r.getheaders()}
    finally:
        conn.close()


def _doc_id(client, name: str) -> str:
    return next(d["doc_id"] for d in client.predict(api_name="/status")["documents"] if Path(d["source"]).name == name)


def _assert_refused(server, path: str, *secrets: bytes) -> None:
    status, body, _ = _get(server, path)
    assert status == 404, (path, status)
    assert b"%PDF" not in body and all(s not in body for s in secrets), (path, body[:200])


def test_uploads_keep_pages_and_sections_and_open_the_original(seed_index_dir, tmp_path):
    """Files uploaded through the chat page are cited with their page or section, and a PDF's "open" link serves
    the uploaded file; anything else under /original is 404 with no file content."""
    from gradio_client import Client, handle_file

    files = write_place_sources(tmp_path / "files")
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4 SECRET-OUTSIDE-THE-SOURCES\n")
    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path) as server:
        client = Client(server.url, verbose=False)
        msg, *_ = client.predict([handle_file(files / "survey.pdf"), handle_file(files / "handbook.md")],
                                 "Add to the current sources", api_name="/rebuild")
        assert "Index rebuilt" in msg
        for question, (name, page, section, words) in PLACE_QUESTIONS.items():
            _, info = client.predict(question, None, api_name="/ask")
            c = info["citations"][0]
            assert (Path(c["source"]).name, c["page"], c["section"]) == (name, page, section), (question, c)
            assert words in c["text"][c["sentence_start"] - c["start"]: c["sentence_end"] - c["start"]]

        stored = server.data_dir / "uploads" / "survey.pdf"
        pdf_id, md_id = _doc_id(client, "survey.pdf"), _doc_id(client, "handbook.md")
        status, body, headers = _get(server, f"/original/{pdf_id}/survey.pdf")
        assert status == 200 and body == stored.read_bytes() and body.startswith(b"%PDF")
        assert headers["content-type"] == "application/pdf" and headers["content-disposition"].startswith("inline")
        assert headers["x-content-type-options"] == "nosniff"

        for path in (f"/original/{pdf_id}/../../../../../../etc/passwd",       # traversal, raw
                     f"/original/{pdf_id}/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",  # and escaped
                     "/original/..%2F..%2F..%2F..%2Fetc/passwd",
                     f"/original/{pdf_id}/%2Fetc%2Fpasswd",
                     f"/original/{pdf_id}/..%2Fuploads%2Fsurvey.pdf",
                     "/original/0123456789abcdef/survey.pdf",                   # an unknown id
                     f"/original/{md_id}/handbook.md",                          # indexed, but not a PDF
                     f"/original/{md_id}/survey.pdf"):                          # another document's file
            _assert_refused(server, path)

        # a link swapped in for the indexed file, pointing out of the sources
        stored.rename(stored.with_name("moved.pdf"))
        stored.symlink_to(outside)
        _assert_refused(server, f"/original/{pdf_id}/survey.pdf", b"SECRET-OUTSIDE")
        stored.unlink()
        stored.with_name("moved.pdf").rename(stored)
        assert _get(server, f"/original/{pdf_id}/survey.pdf")[0] == 200

        msg, *_ = client.predict("survey.pdf", api_name="/remove")
        assert "Removed" in msg
        _assert_refused(server, f"/original/{pdf_id}/survey.pdf")  # removed from the index, still on disk
        assert stored.exists()


def test_original_files_need_the_login_when_auth_is_set(embedder, tmp_path):
    """With --auth, a file is served to a browser logged in to the chat, to the password as a bearer token, or
    for a link signed by this server; to no one else, and without a byte of it."""
    import httpx

    from rag.ingest.build import build_index
    from rag.settings import Settings
    from rag.store.manifest import read_manifest
    from rag_ui.access import Access

    files = write_place_sources(tmp_path / "files")
    index_dir = tmp_path / "index"
    build_index([files], Settings(index_dir=index_dir), embedder=embedder, show_progress=False)
    with running_server(index_dir, tmp_path, auth="alice:s3cret") as server:
        pdf_id = next(d["doc_id"] for d in read_manifest(index_dir)["documents"] if d["source"].endswith("survey.pdf"))
        path = f"/original/{pdf_id}/survey.pdf"
        pdf = (files / "survey.pdf").read_bytes()
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            status, body, _ = _get(server, path, headers)
            assert status == 401 and b"%PDF" not in body
        assert _get(server, path, {"Authorization": "Bearer s3cret"})[1] == pdf

        secret = (server.data_dir / ".browser-secret").read_text(encoding="utf-8").strip()
        sig = Access.from_options(None, ("alice", "s3cret"), secret).sign_file(pdf_id, "survey.pdf")
        assert _get(server, f"{path}?sig={sig}")[1] == pdf
        assert _get(server, f"{path}?sig={'0' * len(sig)}")[0] == 401

        with httpx.Client(base_url=server.url, timeout=30) as browser:  # a login to the chat, as a browser does it
            assert browser.post("login", data={"username": "alice", "password": "s3cret"}).status_code == 200
            r = browser.get(path.lstrip("/"))
            assert r.status_code == 200 and r.content == pdf
