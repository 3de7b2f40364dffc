"""Issue 6, the web app: load during a rebuild, odd questions, uploads, login, binding, disconnects, a broken index.

Every test talks to the real `rag serve` process on 127.0.0.1 (tests/ui_support.py), through
gradio_client or plain HTTP. Figures (latency under load) are printed and written to
test-artifacts/reliability-web.json; docs/RELIABILITY.md quotes them.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from test_reliability_questions import (
    EMPTY_QUESTIONS,
    LONG,
    LONG_CONVERSATION,
    ODD_QUESTIONS,
)
from ui_support import ARTIFACTS, SEEDS, copy_index, filler_text, running_server

from rag_ui.uploads import MAX_UPLOAD_BYTES

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

LOAD = 50  # concurrent chat requests during the rebuild
QUESTIONS = ["What did Townsend say?", "How many civilians does Amnesty say were killed?",
             "What did Lynn Maalouf demand?", "What weapons does Amnesty accuse Iraqi forces of using?",
             "How many attacks did Amnesty investigate?"]


@pytest.fixture(scope="module")
def server(seed_index_dir, tmp_path_factory):
    """One server for this module's tests (each starts in about 15 s); they leave it answering about the seeds."""
    work = tmp_path_factory.mktemp("web")
    with running_server(copy_index(seed_index_dir, work / "index"), work) as srv:
        yield srv


def _record(name: str, figures: dict) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "reliability-web.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[name] = figures
    path.write_text(json.dumps(data, indent=1))
    print(f"\n{name}: {json.dumps(figures)}")


def _documents(index_dir: Path) -> dict[str, str]:
    build = (index_dir / "current").resolve()
    return {d["doc_id"]: d["text"] for d in json.loads((build / "documents.json").read_text(encoding="utf-8"))}


# -- load during a rebuild ----------------------------------------------------------------------------
def _version(info: dict, old: dict[str, str], new: dict[str, str]) -> str:
    """Which index an answer came from, judged by its citations: "old", "new", or "mixed" (a failure)."""
    ids = {c["doc_id"] for c in info["citations"]}
    if ids and ids <= set(old):
        version = "old"
    elif ids and ids <= set(new):
        version = "new"
    else:
        return "mixed"
    docs = old if version == "old" else new
    if any(docs[c["doc_id"]][c["start"]:c["end"]] != c["text"] for c in info["citations"]):
        return "mixed"  # offsets of one index applied to the text of another
    return version


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(round(q * len(ordered))) - 1)], 3)


def test_50_concurrent_clients_during_a_rebuild_all_answered_from_one_index(server, tmp_path):
    from gradio_client import Client, handle_file

    old_docs = _documents(server.index_dir)
    files = tmp_path / "files"
    files.mkdir()
    # The new sources: the article with one more paragraph (so a new document id) and a long filler
    # document whose embedding keeps the rebuild running while the questions arrive.
    article = (SEEDS / "mosul-amnesty-report.txt").read_text(encoding="utf-8")
    (files / "article-revised.txt").write_text(article + "\n\nRevised on the second day of the inquiry.\n",
                                               encoding="utf-8")
    (files / "ledger.txt").write_text(filler_text(150), encoding="utf-8")

    clients: list = [None] * LOAD
    def connect(i: int) -> None:
        clients[i] = Client(server.url, verbose=False)
    threads = [threading.Thread(target=connect, args=(i,)) for i in range(LOAD)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    job = Client(server.url, verbose=False).submit(
        [handle_file(files / "article-revised.txt"), handle_file(files / "ledger.txt")],
        "Replace the current sources", api_name="/rebuild")
    t0 = time.time()
    while job.status().code.name not in ("PROCESSING", "PROGRESS") and time.time() - t0 < 60:
        time.sleep(0.02)
    rebuild = {"start": time.time()}

    def watch() -> None:
        rebuild["message"] = job.result(timeout=600)[0]
        rebuild["end"] = time.time()
    watcher = threading.Thread(target=watch)
    watcher.start()

    # Each client asks, again and again, until the rebuild is over and it has had one answer after it.
    runs: list[list[dict]] = [[] for _ in range(LOAD)]
    go = threading.Barrier(LOAD)

    def client_loop(i: int) -> None:
        go.wait()
        while True:
            start = time.time()
            try:
                text, info = clients[i].predict(QUESTIONS[(i + len(runs[i])) % len(QUESTIONS)], "", api_name="/ask")
                runs[i].append({"info": info, "start": start, "end": time.time()})
            except Exception as exc:  # noqa: BLE001 - every error is reported by the assertion below
                runs[i].append({"error": f"{type(exc).__name__}: {exc}", "start": start, "end": time.time()})
            if "end" in rebuild and start > rebuild["end"] or time.time() - rebuild["start"] > 300:
                return

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(LOAD)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=900)
    watcher.join(timeout=600)
    assert "Index rebuilt" in rebuild["message"], rebuild["message"]

    results = [r for run in runs for r in run]
    errors = [r["error"] for r in results if "error" in r]
    assert errors == [], errors[:5]
    new_docs = _documents(server.index_dir)
    assert set(new_docs).isdisjoint(old_docs)  # every document id changed, so each answer shows its index
    for run in runs:
        versions = [_version(r["info"], old_docs, new_docs) for r in run]
        assert "mixed" not in versions, [r["info"]["citations"] for r in run]
        # one client sees the old index, then the new one, never the old one again: the swap is atomic
        assert versions == sorted(versions, key=["old", "new"].index), versions
        assert versions[-1] == "new"
        for r, v in zip(run, versions):
            r["version"] = v

    during = [r for r in results if r["start"] < rebuild["end"]]
    assert any(r["end"] < rebuild["end"] for r in during), "no answer arrived while the rebuild ran"
    latencies = [r["end"] - r["start"] for r in during]

    # The same burst with no rebuild running, for comparison.
    burst: list[float] = []
    go = threading.Barrier(LOAD)
    def once(i: int) -> None:
        go.wait()
        start = time.time()
        clients[i].predict(QUESTIONS[i % len(QUESTIONS)], "", api_name="/ask")
        burst.append(time.time() - start)
    threads = [threading.Thread(target=once, args=(i,)) for i in range(LOAD)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=600)
    assert len(burst) == LOAD

    _record("load_during_rebuild", {
        "clients": LOAD, "requests": len(results), "errors": len(errors),
        "requests_during_rebuild": len(during), "answered_before_rebuild_ended": sum(r["end"] < rebuild["end"] for r in during),
        "from_old_index": sum(r["version"] == "old" for r in results),
        "from_new_index": sum(r["version"] == "new" for r in results), "mixed": 0,
        "rebuild_seconds": round(rebuild["end"] - rebuild["start"], 2),
        "latency_during_rebuild_p50_s": _percentile(latencies, 0.5),
        "latency_during_rebuild_p95_s": _percentile(latencies, 0.95),
        "latency_during_rebuild_max_s": round(max(latencies), 3),
        "latency_50_burst_no_rebuild_p50_s": _percentile(burst, 0.5),
        "latency_50_burst_no_rebuild_p95_s": _percentile(burst, 0.95),
    })
    assert unexpected_tracebacks(server.log_text()) == []


def unexpected_tracebacks(log: str) -> list[str]:
    """Tracebacks in a server log other than Gradio's echo of an error it sent the client (gr.Error, a refused file)."""
    reports, current = [], ""
    for block in log.split("Traceback (most recent call last):")[1:]:
        current += block
        if not re.search(r"(direct cause of the following exception|During handling of the above exception)", block):
            reports.append(current)  # a chained report ends with its last exception
            current = ""
    return [r for r in reports if not re.search(r"^gradio\.exceptions\.\w+: ", r, re.M)]


# -- odd questions through the API ------------------------------------------------------------------
def test_odd_questions_through_the_api(server):
    """Sent as raw JSON (a lone surrogate cannot even be encoded as UTF-8 by most clients)."""
    for kind, question in ODD_QUESTIONS.items():
        event, out = _call(server.url, "ask", [question, "", None])
        assert event == "complete", (kind, out)
        [(text, info)] = out  # one output: the (answer, details) pair
        assert text.strip(), kind
        assert info["refused"] == (info["citations"] == []), kind
        assert ("Your question was" in info["note"]) == (question is LONG), kind
    # a follow-up after a long conversation (43 turns, some of 100,000 characters)
    event, out = _call(server.url, "ask", ["What did he challenge Amnesty to do?", json.dumps(LONG_CONVERSATION), None])
    assert event == "complete" and "research their facts" in out[0][0], out
    for kind, question in EMPTY_QUESTIONS.items():
        event, out = _call(server.url, "ask", [question, "", None])
        assert event == "error" and "the question is empty" in json.dumps(out), (kind, out)
    assert server.proc.poll() is None and unexpected_tracebacks(server.log_text()) == []


# -- a client that goes away mid-stream --------------------------------------------------------------
def _chat_endpoint(url: str) -> tuple[int, int, list]:
    """(fn_index, trigger id, default inputs) of the streamed chat answer, as the page calls it."""
    config = httpx.get(url + "config", timeout=10).json()
    elem = {c["id"]: c.get("props", {}).get("elem_id") for c in config["components"]}
    for dep in config["dependencies"]:
        if any(t[1] == "submit" and elem.get(t[0]) == "rag-question" for t in dep["targets"]):
            extra = [None] * (len(dep["inputs"]) - 3)  # the engine choice, if the page has one: the server default
            return dep["id"], dep["targets"][0][0], extra
    raise AssertionError("no chat endpoint in the page config")


def test_clients_that_disconnect_mid_stream_do_not_hurt_the_server(server):
    fn_index, trigger, extra = _chat_endpoint(server.url)
    api = server.url + "gradio_api"

    def disconnect_after_first_words() -> int:
        session = uuid.uuid4().hex[:12]
        r = httpx.post(f"{api}/queue/join", timeout=10, json={
            "data": ["What did Townsend say?", [], [], *extra], "fn_index": fn_index, "trigger_id": trigger,
            "session_hash": session, "event_data": None})
        assert r.status_code == 200, r.text
        seen = 0
        with httpx.stream("GET", f"{api}/queue/data", params={"session_hash": session}, timeout=30) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:") and json.loads(line[5:]).get("msg") == "process_generating":
                    seen += 1
                    if seen == 2:
                        break  # leaving the block closes the connection while the answer is still streaming
        return seen

    counts: list[int] = []
    threads = [threading.Thread(target=lambda: counts.append(disconnect_after_first_words())) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert counts == [2] * 12  # every client was cut off mid-stream

    from gradio_client import Client

    client = Client(server.url, verbose=False)
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(client.predict("What did Townsend say?", "", api_name="/ask")))
               for _ in range(4)]  # as many as the answer slots: none is held by a dead stream
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert len(answers) == 4 and all("[1]" in text for text, _ in answers)
    assert server.proc.poll() is None and unexpected_tracebacks(server.log_text()) == []


# -- uploads ------------------------------------------------------------------------------------------
def _upload(url: str, name: str, data: bytes) -> httpx.Response:
    """A multipart upload with exactly this file name, as any HTTP client could send it."""
    return httpx.post(url + "gradio_api/upload", files=[("files", (name, data, "text/plain"))], timeout=60)


def _call(url: str, api_name: str, data: list) -> tuple[str, object]:
    """A raw API call (no gradio_client, which would upload local paths itself): ("complete" | "error", payload)."""
    body = json.dumps({"data": data})  # ASCII with \\u escapes: any Python string, even a lone surrogate, gets through
    r = httpx.post(f"{url}gradio_api/call/{api_name}", content=body, headers={"Content-Type": "application/json"},
                   timeout=30)
    r.raise_for_status()
    event_id = r.json()["event_id"]
    event, payload = None, None
    with httpx.stream("GET", f"{url}gradio_api/call/{api_name}/{event_id}", timeout=300) as stream:
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                return event, json.loads(line[5:])
    return str(event), payload


def _file(path: str, name: str) -> dict:
    return {"path": path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def test_upload_names_stay_inside_the_data_directory(server, tmp_path):
    body = b"Harbour notice\n\nThe Vexley ferry now leaves at 06:45 on weekdays.\n"
    names = ["../../etc/passwd.txt", "a/../../b.txt", "..\\..\\win.md", "/etc/cron.d/job.txt", "....//x.html"]
    stored_at = []
    for name in names:
        r = _upload(server.url, name, body if not name.endswith(".html") else b"<p>" + body + b"</p>")
        assert r.status_code == 200, r.text
        stored_at.append(r.json()[0])
    event, out = _call(server.url, "rebuild", [[_file(p, n) for p, n in zip(stored_at, names)], "Add to the current sources"])
    assert event == "complete", out
    message = out[0]
    assert "Index rebuilt" in message, message
    uploads = server.data_dir / "uploads"
    stored = sorted(p.name for p in uploads.iterdir())
    assert set(stored) >= {"passwd.txt", "b.txt", "win.md", "job.txt", "x.html"}, stored
    for p in uploads.iterdir():
        assert p.resolve().parent == uploads.resolve() and p.is_file() and not p.is_symlink()
    names_used = {"passwd.txt", "b.txt", "win.md", "job.txt", "x.html", "etc"}
    for p in server.data_dir.parent.rglob("*"):  # the server's working area: nothing landed beside the uploads
        if p.name in names_used:
            assert p.parent == uploads, p
    assert not Path("/etc/passwd.txt").exists() and not Path("/etc/cron.d/job.txt").exists()

    # A name with no allowed type is refused with a message; nothing is stored.
    r = _upload(server.url, "../../etc/passwd", b"root:x:0:0:root:/root:/bin/bash\n")
    event, out = _call(server.url, "rebuild", [[_file(r.json()[0], "../../etc/passwd")], "Add to the current sources"])
    assert event == "error" and "Invalid file type" in json.dumps(out), out
    assert not (uploads / "passwd").exists()

    # A path on the server that no one uploaded is refused: the API cannot be used to read server files.
    event, out = _call(server.url, "rebuild", [[_file(str(SEEDS.parent / "README.md"), "README.md")], "Add to the current sources"])
    assert event == "error" and "not uploaded by a user" in json.dumps(out), out
    assert not (uploads / "README.md").exists()


def test_oversize_and_refused_uploads_get_a_message(server, tmp_path):
    from gradio_client import Client, handle_file

    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(MAX_UPLOAD_BYTES + 1)
    r = httpx.post(server.url + "gradio_api/upload", files=[("files", ("big.txt", open(big, "rb"), "text/plain"))],
                   timeout=120)
    assert r.status_code == 413 and "maximum allowed size" in r.text, (r.status_code, r.text)
    client = Client(server.url, verbose=False)
    with pytest.raises(Exception, match="(?i)size|large|limit"):
        client.predict([handle_file(big)], "Add to the current sources", api_name="/rebuild")
    exe = tmp_path / "setup.exe"
    exe.write_bytes(b"MZ\x90\x00")
    with pytest.raises(Exception, match="(?i)invalid file type"):
        client.predict([handle_file(exe)], "Add to the current sources", api_name="/rebuild")
    assert not (server.data_dir / "uploads" / "big.txt").exists()
    assert not (server.data_dir / "uploads" / "setup.exe").exists()


# -- binding and login ----------------------------------------------------------------------------------
def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on ``port`` (from /proc/net/tcp and tcp6, hex as the kernel writes them)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if int(hex_port, 16) == port and state == "0A":  # LISTEN
                found.add(address)
    return found


def test_binds_127_0_0_1_and_with_auth_refuses_unauthenticated_api_requests(seed_index_dir, tmp_path):
    from gradio_client import Client

    with running_server(copy_index(seed_index_dir, tmp_path / "index"), tmp_path, auth="alice:s3cret") as srv:
        assert _listening_addresses(srv.port) == {"0100007F"}  # 127.0.0.1 only, no IPv6 or wildcard
        api = srv.url + "gradio_api"
        refused = {
            "config": httpx.get(srv.url + "config", timeout=10),
            "info": httpx.get(f"{api}/info", timeout=10),
            "call": httpx.post(f"{api}/call/ask", json={"data": ["What did Townsend say?", ""]}, timeout=10),
            "queue": httpx.post(f"{api}/queue/join", json={"data": ["What did Townsend say?", ""], "fn_index": 0,
                                                           "session_hash": "x"}, timeout=10),
            "upload": httpx.post(f"{api}/upload", files=[("files", ("a.txt", b"hello", "text/plain"))], timeout=10),
            "wrong password": httpx.post(f"{api}/call/ask", json={"data": ["What did Townsend say?", ""]},
                                         auth=("alice", "wrong"), timeout=10),
        }
        for what, r in refused.items():
            assert r.status_code in (401, 403), (what, r.status_code, r.text[:200])
        with pytest.raises(Exception):
            Client(srv.url, verbose=False)
        text, _ = Client(srv.url, auth=("alice", "s3cret"), verbose=False).predict("What did Townsend say?", "",
                                                                                 api_name="/ask")
        assert "[1]" in text


# -- a broken index ---------------------------------------------------------------------------------------
def test_the_web_app_starts_with_a_broken_index_and_shows_the_problem(seed_index_dir, tmp_path):
    from gradio_client import Client

    index = copy_index(seed_index_dir, tmp_path / "index")
    dense = (index / "current").resolve() / "dense.faiss"
    dense.write_bytes(dense.read_bytes()[:1000])  # truncated
    with running_server(index, tmp_path) as srv:
        page = httpx.get(srv.url + "config", timeout=10).text
        assert "The index cannot be used." in page and "is corrupt" in page and "rag ingest" in page
        client = Client(srv.url, verbose=False)
        status = client.predict(api_name="/status")
        assert "is corrupt" in status["error"] and "rag ingest" in status["error"]
        with pytest.raises(Exception, match="The index cannot be used: index in .* is corrupt"):
            client.predict("What did Townsend say?", "", api_name="/ask")
        assert srv.proc.poll() is None
    log = srv.log_text()
    assert "rag: error: index in" in log and unexpected_tracebacks(log) == []
