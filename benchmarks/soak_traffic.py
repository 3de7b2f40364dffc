"""The soak's traffic (benchmarks/soak.py): one loop per interface, what they record, and the citation check.

Every loop runs until ``Traffic.deadline`` and pauses between requests (bounded, steady
load), talks only to the server's 127.0.0.1 URL, and records each request's interface,
latency and, when the server is at fault, the error.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

QUESTIONS = [("Who is Stephen Townsend?", "What did he say?"),
             ("How many civilians does Amnesty say were killed?", "Who reported that?"),
             ("What did Lynn Maalouf demand?", "And what about the coalition?"),
             ("What weapons does Amnesty accuse Iraqi forces of using?", "Why?")]
EXTRA_NAME = "soak-extra.txt"
EXTRA_FACT = "The harbour master of Quillby counted exactly 612 fishing boats in the spring survey."
EXTRA_QUESTION = "How many fishing boats did the harbour master of Quillby count?"
PAUSE = 0.5  # seconds between one loop's requests
TIMEOUT = 300  # seconds a client waits for an answer (gradio_client's own default is a few seconds)


def chat_client(url: str):
    """A gradio_client Client that waits as long as the other clients do."""
    from gradio_client import Client

    return Client(url, verbose=False, httpx_kwargs={"timeout": TIMEOUT})


def warm_up(url: str) -> None:
    """Each question answered once before the traffic starts: the first answers load models lazily."""
    import openai

    client = openai.OpenAI(base_url=url + "v1", api_key="none", max_retries=2, timeout=TIMEOUT)
    for question, _ in QUESTIONS:
        client.chat.completions.create(model="rag-cited", messages=[{"role": "user", "content": question}])
    chat_client(url).predict(QUESTIONS[0][0], "", None, api_name="/ask")


def extra_text(lines: int = 150) -> str:
    """The uploaded document: one fact, and plain filler so that its rebuild takes a few seconds."""
    words = "orchard ledger copper lantern meadow violet harbor engine signal archive river mountain".split()
    body = [" ".join(words[(i * 7 + j * 3) % len(words)] for j in range(12)).capitalize() + f" entry {i}."
            for i in range(lines)]
    return "Quillby harbour survey\n\n" + EXTRA_FACT + "\n\n" + "\n".join(body) + "\n"


# -- what is recorded ----------------------------------------------------------------------------
@dataclass
class Recorder:
    """Requests (time, interface, latency, error or None) and server samples (time, RSS MB, open fds)."""

    t0: float
    requests: list[tuple[float, str, float, str | None]] = field(default_factory=list)
    samples: list[tuple[float, float, int]] = field(default_factory=list)
    warm_at: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def request(self, interface: str, started: float, error: str | None = None) -> None:
        with self.lock:
            self.requests.append((started - self.t0, interface, time.time() - started, error))

    def sample(self, rss_mb: float, fds: int) -> None:
        with self.lock:
            self.samples.append((time.time() - self.t0, rss_mb, fds))

    def warm(self) -> None:
        """The first upload-and-remove cycle is done: RSS and descriptors count from the next sample."""
        with self.lock:
            if self.warm_at is None:
                self.warm_at = time.time() - self.t0

    def report(self, seconds: float, checked: int, unresolved: list[str], cycles: int) -> dict:
        minutes = [self._minute(m) for m in range(int(np.ceil(seconds / 60)))]
        after = [s for s in self.samples if self.warm_at is not None and s[0] >= self.warm_at] or self.samples
        errors = [f"{iface} at {t:.0f}s: {err}" for t, iface, _, err in self.requests if err]
        lat = [r[2] for r in self.requests]
        summary = {"seconds": int(seconds), "requests": len(self.requests), "errors": len(errors) + len(unresolved),
                   "rss_start_mb": round(after[0][1], 1), "rss_end_mb": round(after[-1][1], 1),
                   "fds_start": after[0][2], "fds_end": after[-1][2],
                   "p95_s": round(float(np.percentile(lat, 95)), 2) if lat else None}
        by_iface = defaultdict(list)
        for r in self.requests:
            by_iface[r[1]].append(r)
        return {"summary": summary, "warm_up_s": self.warm_at, "rebuild_cycles": cycles,
                "citations": {"answers_checked": checked, "unresolved": len(unresolved), "examples": unresolved[:10]},
                "interfaces": {k: _stats(v) for k, v in sorted(by_iface.items())}, "minutes": minutes,
                "errors": errors[:50], "samples": [[round(t, 1), round(r, 1), f] for t, r, f in self.samples]}

    def _minute(self, m: int) -> dict:
        rows = [r for r in self.requests if m * 60 <= r[0] < (m + 1) * 60]
        samples = [s for s in self.samples if s[0] < (m + 1) * 60]
        by_iface = defaultdict(list)
        for r in rows:
            by_iface[r[1]].append(r)
        return {"minute": m, "requests": len(rows), "errors": sum(1 for r in rows if r[3]),
                "rss_mb": round(samples[-1][1], 1) if samples else None, "fds": samples[-1][2] if samples else None,
                "interfaces": {k: _stats(v) for k, v in sorted(by_iface.items())}}


def _stats(rows: list) -> dict:
    lat = np.array([r[2] for r in rows])
    return {"requests": len(rows), "errors": sum(1 for r in rows if r[3]),
            "p50_s": round(float(np.percentile(lat, 50)), 3), "p95_s": round(float(np.percentile(lat, 95)), 3)}


# -- the citation check ----------------------------------------------------------------------------
class Builds:
    """Every index build seen on disk: its documents' texts by id. A cited answer resolves when one build
    holds all its documents and each citation's text stands at its offsets there."""

    def __init__(self, index_dir: Path):
        self.index_dir, self.seen = Path(index_dir), {}
        self.checked, self.unresolved = 0, []
        self.lock = threading.Lock()

    def refresh(self) -> None:
        for build in sorted((self.index_dir / "builds").glob("[0-9]*")):
            if build.name in self.seen or not (build / "manifest.json").exists():
                continue
            try:
                docs = json.loads((build / "documents.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # deleted as it was read: an old build, already seen or never served
            with self.lock:
                self.seen[build.name] = {d["doc_id"]: d["text"] for d in docs}

    def check(self, where: str, citations: list[dict]) -> None:
        if not citations:
            return
        ok = self._resolves(citations)
        if not ok:
            self.refresh()  # a build that appeared since the last look
            ok = self._resolves(citations)
        with self.lock:
            self.checked += 1
            if not ok:
                self.unresolved.append(f"{where}: {[(c['doc_id'], c['start'], c['end']) for c in citations]}")

    def _resolves(self, citations: list[dict]) -> bool:
        with self.lock:
            builds = list(self.seen.values())
        return any(all(_cited(docs, c) for c in citations) for docs in builds)


def _cited(docs: dict[str, str], c: dict) -> bool:
    text = docs.get(c["doc_id"])
    return (text is not None and text[c["start"] : c["end"]] == c["text"]
            and c["start"] <= c["sentence_start"] < c["sentence_end"] <= c["end"])


# -- the loops ------------------------------------------------------------------------------------
@dataclass
class Traffic:
    url: str
    index_dir: Path
    work: Path
    rec: Recorder
    deadline: float
    rebuild_every: float
    cycles: int = 0

    def __post_init__(self) -> None:
        self.builds = Builds(self.index_dir)
        self.builds.refresh()

    def running(self) -> bool:
        return time.time() < self.deadline

    def pause(self, seconds: float = PAUSE) -> None:
        time.sleep(max(0.0, min(seconds, self.deadline - time.time())))

    def timed(self, interface: str, call, *args, **kwargs):
        """``call(*args, **kwargs)``, recorded under ``interface``; its exception is the server's fault (returns None)."""
        started = time.time()
        try:
            out = call(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - every failure of a valid request is recorded
            self.rec.request(interface, started, f"{type(exc).__name__}: {str(exc)[:300]}")
            return None
        self.rec.request(interface, started)
        return out


def chat_loop(t: Traffic) -> None:
    """gradio_client /ask: a question, then a follow-up with its history."""
    client, i = chat_client(t.url), 0
    while t.running():
        first, follow = QUESTIONS[i % len(QUESTIONS)]
        i += 1
        got = t.timed("chat", client.predict, first, "", None, api_name="/ask")
        if got:
            t.builds.check("chat", got[1]["citations"])
            history = json.dumps([[first, got[0]]])
            again = t.timed("chat", client.predict, follow, history, None, api_name="/ask")
            if again:
                t.builds.check("chat follow-up", again[1]["citations"])
        if i % 3 == 0:
            got = t.timed("chat", client.predict, EXTRA_QUESTION, "", None, api_name="/ask")
            if got:
                t.builds.check("chat", got[1]["citations"])
        t.pause()


def openai_loop(t: Traffic) -> None:
    """The openai client: streamed and whole answers, some with history."""
    import openai

    client, i = openai.OpenAI(base_url=t.url + "v1", api_key="none", max_retries=0, timeout=TIMEOUT), 0
    while t.running():
        first, follow = QUESTIONS[i % len(QUESTIONS)]
        messages = [{"role": "user", "content": first}]
        if i % 4 == 3:
            messages += [{"role": "assistant", "content": "An earlier answer."}, {"role": "user", "content": follow}]
        stream, i = i % 2 == 1, i + 1
        citations = t.timed("openai", _completion, client, messages, stream)
        if citations is not None:
            t.builds.check("openai", citations)
        t.pause()


def _completion(client, messages: list[dict], stream: bool) -> list[dict]:
    """One chat completion's citations (streamed: from its last chunk); raises when the answer is incomplete."""
    if not stream:
        message = client.chat.completions.create(model="rag-cited", messages=messages).choices[0].message
        if not message.content:
            raise ValueError("an empty answer")
        return message.model_extra["citations"]
    chunks = list(client.chat.completions.create(model="rag-cited", messages=messages, stream=True))
    last = chunks[-1].choices[0]
    if last.finish_reason != "stop" or not "".join(c.choices[0].delta.content or "" for c in chunks):
        raise ValueError(f"a stream that did not finish (finish_reason {last.finish_reason})")
    return last.delta.model_extra["citations"]


def mcp_loop(t: Traffic) -> None:
    """The mcp client: ask and search, in sessions of 10 calls (so sessions open and close all along)."""
    asyncio.run(_mcp_sessions(t))


async def _mcp_sessions(t: Traffic) -> None:
    from mcp import Client
    from mcp.client.streamable_http import streamable_http_client

    i = 0
    while t.running():
        started = time.time()
        try:
            async with Client(streamable_http_client(t.url + "mcp")) as client:
                for _ in range(10):
                    if not t.running():
                        break
                    i += 1
                    await _mcp_call(t, client, i)
                    await asyncio.sleep(PAUSE)
        except Exception as exc:  # noqa: BLE001 - a session that fails is the server's fault
            t.rec.request("mcp", started, f"session: {type(exc).__name__}: {str(exc)[:300]}")
            await asyncio.sleep(PAUSE)


async def _mcp_call(t: Traffic, client, i: int) -> None:
    first, _ = QUESTIONS[i % len(QUESTIONS)]
    started = time.time()
    if i % 2:
        result = await client.call_tool("ask", {"question": first})
        citations = (result.structured_content or {}).get("citations", [])
    else:
        result = await client.call_tool("search", {"query": first, "top_k": 3})
        citations = (result.structured_content or {}).get("passages", [])
    t.rec.request("mcp", started, f"tool error: {result.content[0].text[:300]}" if result.is_error else None)
    if not result.is_error:
        t.builds.check("mcp", citations)


def rebuild_loop(t: Traffic) -> None:
    """Upload a file (a rebuild), then remove it (another), every ``rebuild_every`` seconds; the first soon."""
    from gradio_client import handle_file

    client = chat_client(t.url)
    path = t.work / "uploads-src" / EXTRA_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(extra_text(), encoding="utf-8")
    next_at = time.time() + min(20.0, t.rebuild_every / 2)
    while t.running():
        if time.time() < next_at:
            t.pause(1.0)
            continue
        next_at = time.time() + t.rebuild_every
        added = t.timed("rebuild", _expect, "Index rebuilt", client.predict, [handle_file(str(path))],
                        "Add to the current sources", api_name="/rebuild")
        t.builds.refresh()
        removed = t.timed("rebuild", _expect, "Removed", client.predict, EXTRA_NAME, api_name="/remove")
        t.builds.refresh()
        if added and removed:
            t.cycles += 1
            t.rec.warm()


def _expect(words: str, call, *args, **kwargs) -> bool:
    """``call``'s first output (a message) must hold ``words``; raises otherwise."""
    out = call(*args, **kwargs)
    if words not in out[0]:
        raise ValueError(f"expected '{words}' in: {out[0][:300]}")
    return True


MALFORMED = [  # (what, method, path, body, expected status)
    ("invalid JSON", "POST", "v1/chat/completions", b"{not json", 400),
    ("no messages", "POST", "v1/chat/completions", {"model": "rag-cited"}, 400),
    ("unknown model", "POST", "v1/chat/completions", {"model": "gpt-x", "messages": [{"role": "user", "content": "hi"}]}, 404),
    ("assistant last", "POST", "v1/chat/completions", {"messages": [{"role": "assistant", "content": "hi"}]}, 400),
    ("empty question", "POST", "v1/chat/completions", {"messages": [{"role": "user", "content": " \u0000 "}]}, 400),
    ("messages not a list", "POST", "v1/chat/completions", {"messages": "hello"}, 400),
    ("oversized body", "POST", "v1/chat/completions", b"{" + b" " * 1_100_000 + b"}", 413),
    ("MCP not JSON-RPC", "POST", "mcp", b"[1, 2", 400),
    ("unknown source", "GET", "source/nope?start=0&end=1", None, 404),
]


def malformed_loop(t: Traffic) -> None:
    """Requests the server must refuse with a 4xx (and gradio /ask errors), one every two seconds."""
    import httpx

    chat, i = chat_client(t.url), 0
    with httpx.Client(timeout=TIMEOUT) as http:
        while t.running():
            i += 1
            if i % (len(MALFORMED) + 2) == 0:
                t.timed("malformed", _expect_app_error, chat, "", "", "the question is empty")
            elif i % (len(MALFORMED) + 2) == 1:
                t.timed("malformed", _expect_app_error, chat, "Who?", "not json", "history must be")
            else:
                what, method, path, body, status = MALFORMED[i % (len(MALFORMED) + 2) - 2]
                t.timed("malformed", _expect_status, http, what, method, t.url + path, body, status)
            t.pause(2.0)


def _expect_status(http, what: str, method: str, url: str, body, status: int) -> None:
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    content = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    r = http.request(method, url, content=content, headers=headers)
    if r.status_code != status or (status != 404 and not r.text.strip()):
        raise ValueError(f"{what}: expected {status} with a message, got {r.status_code} {r.text[:200]}")


def _expect_app_error(chat, question: str, history: str, words: str) -> None:
    from gradio_client.exceptions import AppError

    try:
        chat.predict(question, history, None, api_name="/ask")
    except AppError as exc:
        if words not in str(exc):
            raise ValueError(f"refused, but not saying '{words}': {exc}") from exc
        return
    raise ValueError(f"/ask({question!r}, {history!r}) was answered, not refused")


LOOPS = [("chat-1", chat_loop), ("chat-2", chat_loop), ("openai", openai_loop), ("mcp", mcp_loop),
         ("rebuild", rebuild_loop), ("malformed", malformed_loop)]
