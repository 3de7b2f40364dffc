"""The web chat in a real headless Chromium (Debian's /usr/bin/chromium) against the real server.

Each test starts its own `rag serve` on a free port with a private index copy.
Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from components import require_module  # noqa: E402
from ui_support import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    NEW_FACT_NAME,
    NEW_FACT_QUESTION,
    NEW_FACT_TEXT,
    SEEDS,
    XSS_NAME,
    XSS_TEXT,
    chromium_available,
    copy_index,
    filler_text,
    running_server,
    write_place_sources,
)

require_module(chromium_available(), "Chromium (chromium on PATH)",
               "install it with `apt-get install -y chromium` (or `make chromium`)")

from llm_support import llama_server as running_llama_server  # noqa: E402
from llm_support import needs_llm  # noqa: E402
from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

TIMEOUT_MS = 60_000

# Records the text of the streaming answer bubble each time it changes.
RECORD_STREAM = """
() => {
  window.__partials = [];
  const chat = document.querySelector('#rag-chat');
  new MutationObserver(() => {
    const s = chat.querySelectorAll('.rag-streaming .rag-text');
    if (s.length) window.__partials.push(s[s.length - 1].innerText);
  }).observe(chat, {subtree: true, childList: true, characterData: true});
}
"""


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    pg.dialogs = []
    pg.outside_requests = []

    def on_dialog(dialog):
        pg.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("request", lambda r: pg.outside_requests.append(r.url)
          if not r.url.startswith(("http://127.0.0.1", "data:", "blob:")) else None)
    yield pg
    context.close()


def open_app(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("#rag-question textarea")).to_be_visible()


def ask(page: Page, question: str, timeout_ms: float = 5_000) -> None:
    """Type a question, press Enter, wait until its answer is complete; returns nothing."""
    before = page.locator("#rag-chat .rag-answer:not(.rag-streaming)").count()
    box = page.locator("#rag-question textarea")
    box.fill(question)
    box.press("Enter")
    expect(page.locator("#rag-chat .rag-answer:not(.rag-streaming)")).to_have_count(before + 1, timeout=timeout_ms)


def last_answer(page: Page):
    return page.locator("#rag-chat .rag-answer:not(.rag-streaming)").last


def open_sources_tab(page: Page) -> None:
    page.get_by_role("tab", name="Sources").click()
    expect(page.locator("#rag-rebuild")).to_be_visible()


def open_chat_tab(page: Page) -> None:
    page.get_by_role("tab", name="Chat").click()
    expect(page.locator("#rag-question textarea")).to_be_visible()


def upload_and_rebuild(page: Page, files: list[Path], replace: bool = False) -> None:
    open_sources_tab(page)
    if replace:
        page.get_by_label("Replace the current sources").check()
    page.locator("#rag-upload input[type=file]").set_input_files([str(f) for f in files])
    # the file list shows once the upload has reached the server (expect's own default is 5 s, which an upload
    # on a loaded machine can take: CI failed on it once)
    expect(page.locator("#rag-upload")).to_contain_text(files[0].name.split(" ")[0], timeout=TIMEOUT_MS)
    page.locator("#rag-rebuild").click()


def click_citation_and_check(page: Page, answer, n: int, sentence: str) -> None:
    """Click [n] in ``answer``: its own source n gets the focus outline and its <mark> is on screen."""
    link = answer.locator("a.rag-cite", has_text=f"[{n}]").first
    target = link.get_attribute("href").lstrip("#")
    link.click()
    source = page.locator(f"#{target}")
    assert answer.locator(f"#{target}").count() == 1, "the source is not the one attached to this answer"
    expect(source).to_have_class(re.compile(r"\brag-focus\b"))
    mark = source.locator("mark")
    expect(mark).to_contain_text(sentence)
    expect(mark).to_be_in_viewport()
    expect(source).to_contain_text("mosul-amnesty-report.txt")
    expect(source).to_contain_text(re.compile(r"score \d\.\d\d"))


# -- tests ------------------------------------------------------------------------
def test_streamed_answer_with_clickable_citations(seed_index_dir, assistant, tmp_path, page):
    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path) as server:
        open_app(page, server.url)
        expect(page.locator("#rag-status")).to_contain_text("Engine extractive")
        # example questions, built from the index (rag/answer/examples.py; what they ask: tests/test_compose.py)
        examples = assistant.example_questions()  # the in-process engine over the same seed index
        assert any(q.startswith("What did ") for q in examples) and any(q.startswith("Who is ") for q in examples)
        for q in examples:
            expect(page.locator("#rag-chat")).to_contain_text(q)
        page.evaluate(RECORD_STREAM)

        ask(page, "What did Townsend say?")
        answer = last_answer(page)
        expect(answer.locator("a.rag-cite", has_text="[1]")).to_be_visible()
        expect(answer.locator("a.rag-cite", has_text="[2]")).to_be_visible()
        final = answer.locator(".rag-text").inner_text()
        partials = [p for p in page.evaluate("window.__partials") if "Searching" not in p]
        assert any(0 < len(p) < len(final) and "Townsend" in p for p in partials), \
            f"the answer did not stream in: {partials[:5]}"

        # clicking [2] brings its source into view, outlined, with the supporting sentence highlighted
        click_citation_and_check(page, answer, 2, "I would challenge the people from Amnesty International")
        ARTIFACTS.mkdir(exist_ok=True)
        page.wait_for_timeout(600)  # let the smooth scroll settle
        page.screenshot(path=str(ARTIFACTS / "chat.png"))

        # a follow-up: the first turn keeps its own sources, and its links still reach them
        ask(page, "What did he challenge Amnesty to do?")
        expect(page.locator("#rag-chat .rag-sources")).to_have_count(2)
        first = page.locator("#rag-chat .rag-answer").first
        expect(first.locator(".rag-source")).to_have_count(2)
        page.locator("#rag-chat [role=log]").evaluate("el => el.scrollTop = el.scrollHeight")
        click_citation_and_check(page, first, 1, "rejected")

        # a question the sources cannot answer is visibly a refusal, with the nearest passages shown as not an answer
        # (a question none of whose words they hold is refused before any search, with none to show)
        ask(page, "How many drones did the coalition fly over Mosul?")
        refusal = last_answer(page)
        expect(refusal).to_have_class(re.compile(r"\brag-refusal\b"))
        expect(refusal).to_contain_text("Not answered.")
        expect(refusal).to_contain_text("not an answer")
        assert refusal.locator("a.rag-cite").count() == 0

        # Clear empties the chat; the example questions are back and clicking one asks it
        page.locator("#rag-clear").click()
        expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)
        who = next(q for q in examples if q.startswith("Who is "))  # "Who is <a quoted person>?"
        expected = assistant.ask(who)
        assert not expected.refused and expected.short_answer, who
        page.locator("#rag-chat").get_by_text(who).click()
        expect(page.locator("#rag-chat .rag-answer:not(.rag-streaming)")).to_have_count(1)
        expect(last_answer(page)).to_contain_text(expected.short_answer)  # the person in full, as the engine says
        expect(last_answer(page).locator("a.rag-cite", has_text="[1]")).to_be_visible()
        assert page.outside_requests == [], f"the page contacted other hosts: {page.outside_requests}"


def test_a_page_refresh_keeps_the_conversation_and_its_citations(seed_index_dir, tmp_path, page):
    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path) as server:
        open_app(page, server.url)
        ask(page, "What did Townsend say?")
        expect(last_answer(page).locator("a.rag-cite", has_text="[2]")).to_be_visible()

        page.reload()
        expect(page.locator("#rag-chat .rag-answer")).to_have_count(1)
        answer = last_answer(page)
        expect(answer).to_contain_text("Townsend")
        click_citation_and_check(page, answer, 2, "I would challenge the people from Amnesty International")

        # the follow-up is resolved from the conversation the browser kept
        ask(page, "What did he challenge Amnesty to do?")
        expect(last_answer(page).locator(".rag-text")).to_contain_text("challenge")
        expect(last_answer(page).locator("a.rag-cite").first).to_be_visible()

        # a second tab of the same browser shows it too (the browser keeps it, not the server)
        other = page.context.new_page()
        open_app(other, server.url)
        expect(other.locator("#rag-chat .rag-answer")).to_have_count(2)
        other.close()

        page.locator("#rag-clear").click()
        expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)
        page.reload()
        expect(page.locator("#rag-question textarea")).to_be_visible()
        page.wait_for_timeout(500)  # the saved chat is restored on load, if there were one
        expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)


def test_script_in_a_source_renders_as_text(embedder, tmp_path, page):
    from rag.ingest.build import build_index
    from rag.settings import Settings

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / XSS_NAME).write_text(XSS_TEXT, encoding="utf-8")
    index_dir = tmp_path / "index"
    build_index([SEEDS, docs], Settings(index_dir=index_dir), embedder=embedder, show_progress=False)

    with running_server(index_dir, tmp_path) as server:
        open_app(page, server.url)
        ask(page, "What did Quennell say?")
        ask(page, "What was found on the lantern door at Vexley harbor?")
        chat = page.locator("#rag-chat")
        expect(chat).to_contain_text("<script>window.__xss=1;alert(1)</script>")
        expect(chat).to_contain_text('<img src=x onerror="window.__xss_img=1;alert(2)">')
        expect(chat).to_contain_text("Harbor bulletin <script>window.__xss_title=1</script>")  # the title
        expect(chat.locator("mark").first).to_contain_text("<script>")
        assert chat.locator("script").count() == 0 and chat.locator("img[onerror]").count() == 0

        open_sources_tab(page)
        expect(page.locator("#rag-docs")).to_contain_text("Harbor bulletin <script>")
        page.wait_for_timeout(500)
        fired = page.evaluate("[window.__xss, window.__xss_img, window.__xss_title, window.__xss_title_img]")
        assert fired == [None, None, None, None], f"document markup ran: {fired}"
        assert page.dialogs == [], f"a dialog opened: {page.dialogs}"


def test_upload_rebuild_then_ask_about_the_new_file(seed_index_dir, tmp_path, page):
    new = tmp_path / "upload" / NEW_FACT_NAME
    new.parent.mkdir()
    # enough new text that embedding takes several seconds: time to ask while it builds, even when the
    # answer is slowed by the build sharing the CPU
    new.write_text(NEW_FACT_TEXT + "\n" + filler_text(3000).split("\n\n", 1)[1], encoding="utf-8")

    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path) as server:
        open_app(page, server.url)
        upload_and_rebuild(page, [new])
        expect(page.locator("#rag-build-msg [role=progressbar]")).to_be_visible()

        # while it builds, the chat answers from the old index (the build has the CPU too: a slower answer)
        open_chat_tab(page)
        ask(page, "What did Townsend say?", timeout_ms=30_000)
        expect(last_answer(page).locator("a.rag-cite", has_text="[1]")).to_be_visible()
        assert page.locator("#rag-build-msg .rag-msg-ok").count() == 0, "the build finished before the answer"

        open_sources_tab(page)
        expect(page.locator("#rag-build-msg .rag-msg-ok")).to_contain_text("Index rebuilt", timeout=120_000)
        expect(page.locator("#rag-docs")).to_contain_text("quillborough_roads.txt")
        expect(page.locator("#rag-status")).to_contain_text("Documents 2")
        assert (server.data_dir / "uploads" / "quillborough_roads.txt").exists()

        open_chat_tab(page)
        ask(page, NEW_FACT_QUESTION)
        answer = last_answer(page)
        expect(answer.locator(".rag-text")).to_contain_text("417")
        expect(answer.locator(".rag-source").first).to_contain_text("quillborough_roads.txt")
        expect(answer.locator(".rag-source mark").first).to_contain_text("417 zebra crossings")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "upload-answer.png"))

        # removed again by typing its file name (what a user does when the list stops at DOC_ROWS)
        open_sources_tab(page)
        choice = page.locator("#rag-remove-choice input")
        choice.fill("quillborough_roads.txt")
        choice.press("Enter")
        page.locator("#rag-remove").click()
        expect(page.locator("#rag-build-msg .rag-msg-ok")).to_contain_text("Removed", timeout=120_000)
        expect(page.locator("#rag-status")).to_contain_text("Documents 1")
        expect(page.locator("#rag-docs")).not_to_contain_text("quillborough_roads.txt")


def test_failed_rebuild_keeps_the_old_index(seed_index_dir, tmp_path, page):
    bad = tmp_path / "upload" / "empty.txt"
    bad.parent.mkdir()
    bad.write_text("")

    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path) as server:
        open_app(page, server.url)
        upload_and_rebuild(page, [bad], replace=True)
        msg = page.locator("#rag-build-msg .rag-msg-error")
        expect(msg).to_contain_text("Rebuild failed")
        expect(msg).to_contain_text("empty file")
        expect(msg).to_contain_text("previous index is still answering")
        expect(page.locator("#rag-status")).to_contain_text("Documents 1")
        expect(page.locator("#rag-docs")).to_contain_text("mosul-amnesty-report.txt")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "rebuild-failed.png"))

        open_chat_tab(page)
        ask(page, "What did Townsend say?")
        expect(last_answer(page).locator("a.rag-cite", has_text="[1]")).to_be_visible()
        expect(last_answer(page)).to_contain_text("Townsend")


def open_from_card(page: Page, source):
    """Click the source card's "open" link; returns the tab it opens, once loaded."""
    with page.context.expect_page() as opened:
        source.get_by_role("link", name="open").click()
    tab = opened.value
    tab.wait_for_load_state()
    return tab


def test_open_the_original_at_the_cited_place(embedder, tmp_path, page):
    """Each source card names the page or section of the cited sentence; "open" shows the original there: a PDF
    at its page, a Markdown file as its text with the sentence marked. Nothing else is served."""
    from rag.ingest.build import build_index
    from rag.settings import Settings

    files = write_place_sources(tmp_path / "files")
    index_dir = tmp_path / "index"
    build_index([files], Settings(index_dir=index_dir), embedder=embedder, show_progress=False)
    served = []
    page.context.on("response", lambda r: served.append(r) if "/original/" in r.url else None)

    with running_server(index_dir, tmp_path) as server:
        open_app(page, server.url)
        ask(page, "How many passengers does the harbour ferry carry to Islay?")
        source = last_answer(page).locator(".rag-source").first
        expect(source.locator(".rag-file")).to_have_text("survey.pdf")
        expect(source.locator(".rag-place")).to_have_text("p. 2")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "open-original.png"))
        pdf = open_from_card(page, source)
        assert re.fullmatch(re.escape(server.url) + r"original/[0-9a-f]+/survey\.pdf#page=2", pdf.url), pdf.url
        response = next(r for r in served if r.url == pdf.url.split("#")[0])
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        pdf.close()

        page.locator("#rag-clear").click()  # a new conversation: the next question is not a follow-up
        expect(page.locator("#rag-chat .rag-answer")).to_have_count(0)
        ask(page, "Which container is the fire assembly point?")
        source = last_answer(page).locator(".rag-source").first
        expect(source.locator(".rag-place")).to_have_text("§ Safety › Fire")
        view = open_from_card(page, source)
        assert "/source/" in view.url and view.url.endswith("#cited")
        mark = view.locator("mark#cited")
        expect(mark).to_have_text("The fire assembly point is the blue container by the north gate.")
        expect(mark).to_be_in_viewport()
        expect(view.locator("h1")).to_have_text("Harbour Handbook")

        doc_id = pdf.url.split("/original/")[1].split("/")[0]
        for path in (f"original/{doc_id}/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd",  # traversal, escaped
                     f"original/{doc_id}/../../../../../etc/passwd",             # and as the browser resolves it
                     "original/0123456789abcdef/survey.pdf",                      # an unknown id
                     f"original/{doc_id}/handbook.md"):                           # not this document's file
            r = view.goto(server.url + path)
            assert r.status == 404, (path, r.status)
            body = r.body()
            assert b"%PDF" not in body and b"root:" not in body, path
        view.close()


@needs_llm
def test_engine_selector_and_unsupported_sentences_marked(seed_index_dir, tmp_path, page):
    """With an LLM configured beside the default engine, the chat offers both; a generated answer
    shows each sentence marked supported or not, and its [n] open real sources."""
    index = copy_index(seed_index_dir, tmp_path / "index")
    with running_llama_server(tmp_path) as llm_url, \
            running_server(index, tmp_path, env_extra={"RAG_OPENAI_BASE_URL": llm_url, "RAG_OPENAI_MODEL": "smollm2"}) as srv:
        open_app(page, srv.url)
        selector = page.locator("#rag-engine")
        expect(selector).to_be_visible()
        selector.locator("input").click()
        page.get_by_role("option", name=re.compile(r"openai: smollm2")).click()
        expect(selector.locator("input")).to_have_value(re.compile(r"openai: smollm2"))
        seen = {"supported": 0, "unsupported": 0, "fallback": 0}
        for question in ["What did Lynn Maalouf demand?", "What weapons does Amnesty accuse Iraqi forces of using?"]:
            ask(page, question, timeout_ms=180_000)  # a model on a busy 2-core machine
            answer = last_answer(page)
            if answer.locator(".rag-refusal-label").count():
                continue
            sup, uns = answer.locator(".rag-supported").count(), answer.locator(".rag-unsupported").count()
            if sup + uns == 0:  # the model wrote nothing usable: the quoted answer, with a note saying so
                expect(answer.locator(".rag-note")).to_contain_text("The model")
                seen["fallback"] += 1
                continue
            seen["supported"] += sup
            seen["unsupported"] += uns
            for flag in answer.locator(".rag-unsupported").all():
                expect(flag.locator(".rag-flag")).to_have_text("not supported by the sources")
            for link in answer.locator("a.rag-cite").all():
                assert answer.locator(link.get_attribute("href")).count() == 1
        page.screenshot(path=str(ARTIFACTS / "engine-selector.png"), full_page=True)
        assert seen["supported"] + seen["unsupported"] + seen["fallback"] >= 1, seen
