"""The chat's own controls in a real headless Chromium against the real server: the documents selector,
Copy, retry, the thumbs-down with a comment, and Stop (against a real llama.cpp server, whose answer takes
seconds to write)."""

from __future__ import annotations

import json
import re

import pytest
from components import require_module
from conftest import HARBOUR_NAME, HARBOUR_QUESTION
from ui_support import chromium_available, copy_index, running_server

require_module(chromium_available(), "Chromium (chromium on PATH)",
               "install it with `apt-get install -y chromium` (or `make chromium`)")

from llm_support import llama_server, needs_llm  # noqa: E402
from playwright.sync_api import expect  # noqa: E402
from test_ui_browser import ask, browser, last_answer, open_app, page  # noqa: E402, F401 - fixtures

pytestmark = pytest.mark.slow

KILLED = "How many civilians does Amnesty say were killed?"
SUMMARY = "Summarize what Amnesty International's report says."  # SmolLM2 takes seconds to write it


def choose_document(page, file_name: str) -> None:
    """Pick a document in the selector beside the question box."""
    page.locator("#rag-ask-docs input").click()
    page.get_by_role("option", name=re.compile(re.escape(file_name))).click()
    page.keyboard.press("Escape")
    expect(page.locator("#rag-ask-docs")).to_contain_text(file_name)


def cited_files(answer) -> list[str]:
    return [f.strip() for f in answer.locator(".rag-file").all_inner_texts()]


def test_a_question_limited_to_the_chosen_document(two_docs_index_dir, tmp_path, page):
    with running_server(copy_index(two_docs_index_dir, tmp_path / "index"), tmp_path) as server:
        open_app(page, server.url)
        ask(page, KILLED)  # everything: the article answers
        assert set(cited_files(last_answer(page))) == {"mosul-amnesty-report.txt"}
        choose_document(page, HARBOUR_NAME)
        ask(page, HARBOUR_QUESTION)
        answer = last_answer(page)
        expect(answer).to_contain_text("913")
        assert set(cited_files(answer)) == {HARBOUR_NAME}
        ask(page, KILLED)  # the harbour log knows nothing of it: nothing from the article is cited
        assert "mosul-amnesty-report.txt" not in cited_files(last_answer(page))


def test_copy_retry_and_thumbs_down(seed_index_dir, tmp_path, page):
    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path) as server:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url.rstrip("/"))
        open_app(page, server.url)
        ask(page, KILLED)
        answer = last_answer(page)

        # Copy: the answer's text and its sources, as plain text
        answer.locator("a.rag-copy").click()
        expect(answer.locator("a.rag-copy")).to_have_text("Copied")
        copied = page.evaluate("navigator.clipboard.readText()")
        text = answer.locator(".rag-text").inner_text().strip()
        title = answer.locator(".rag-source .rag-title").first.inner_text().strip()
        assert copied.startswith(text + "\n\nSources:\n[1] " + title + " (")
        assert "According to the report, at least 3,706 civilians were killed" in copied and "<" not in copied

        # Retry: the last answer is asked again and replaces itself
        answer.evaluate("el => el.setAttribute('data-old', '1')")
        page.locator("#rag-chat button[aria-label=Retry]").click()
        expect(page.locator("#rag-chat [data-old]")).to_have_count(0)
        expect(page.locator("#rag-chat .rag-answer:not(.rag-streaming)")).to_have_count(1)
        expect(page.locator("#rag-chat .rag-question")).to_have_count(1)
        expect(last_answer(page)).to_contain_text("3,706")

        # Thumbs-down, then an optional comment: both go to feedback.jsonl beside the index
        expect(page.locator("#rag-feedback")).to_be_hidden()
        page.locator("#rag-chat button[aria-label=Dislike]").last.click()
        expect(page.locator("#rag-feedback")).to_be_visible()
        page.locator("#rag-feedback-comment textarea").fill("The number is right, the source is too long.")
        page.locator("#rag-feedback-send").click()
        expect(page.locator("#rag-feedback")).to_be_hidden()
        path = server.index_dir / "feedback.jsonl"
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        assert [r["comment"] for r in lines] == ["", "The number is right, the source is too long."]
        assert {r["id"] for r in lines} == {lines[0]["id"]} and lines[0]["question"] == KILLED
        assert "3,706" in lines[0]["answer"]


@needs_llm
def test_stop_cancels_an_answer_being_written(seed_index_dir, tmp_path, page):
    with llama_server(tmp_path) as llm_url, running_server(
            copy_index(seed_index_dir, tmp_path / "index"), tmp_path, args=["-v"],
            env_extra={"RAG_ENGINE": "openai", "RAG_OPENAI_BASE_URL": llm_url, "RAG_OPENAI_MODEL": "smollm2",
                       "RAG_LLM_MAX_TOKENS": "200"}) as server:
        open_app(page, server.url)
        box = page.locator("#rag-question textarea")
        box.fill(SUMMARY)
        box.press("Enter")
        streaming = page.locator("#rag-chat .rag-streaming .rag-text")
        expect(streaming).not_to_contain_text("Searching", timeout=120_000)  # the model's first words are in
        expect(streaming).not_to_have_text("", timeout=120_000)
        page.locator("#rag-stop").click()
        stopped = page.locator("#rag-chat .rag-stopped")
        expect(stopped).to_contain_text("Stopped before the answer was complete.")
        shown = stopped.locator(".rag-text").inner_text()
        page.wait_for_timeout(3000)  # the model had far more to write: nothing more arrives
        assert stopped.locator(".rag-text").inner_text() == shown
        expect(page.locator("#rag-chat .rag-answer:not(.rag-streaming):not(.rag-stopped)")).to_have_count(0)
        assert "answer stopped by the user after" in server.wait_for_log("answer stopped by the user after")  # stream closed
        expect(page.locator("#rag-question textarea")).to_be_editable()
