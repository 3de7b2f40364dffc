"""Who may use the routes mounted beside the web chat: the OpenAI-compatible API, MCP, source views, original files.

Gradio's login (``--auth USER:PASS``) guards only Gradio's own routes, and API clients
cannot fill in a login form, so these routes take ``Authorization: Bearer <token>``,
where the token is the API key (``Settings.api_key``, ``$RAG_API_KEY``) or the password
of ``--auth``. With neither set, they are open, like the chat itself.

Source views and original files are opened from links in answers, by a browser that
sends no bearer token, so a link handed out to an authorised caller carries a signature
(an HMAC of the document id and offsets, or of the id and file name, under a server key);
a browser logged in to the chat may open any of them too.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True)
class Access:
    """The accepted bearer tokens (none: open) and the key that signs source-view links."""

    tokens: tuple[str, ...]
    link_key: bytes

    @classmethod
    def from_options(cls, api_key: str | None, auth: tuple[str, str] | None, secret: str) -> Access:
        """From the API key, the (USER, PASS) login and a persistent server secret (the links' key is derived from it)."""
        tokens = tuple(t for t in (api_key, auth[1] if auth else None) if t)
        return cls(tokens, hmac.new(secret.encode("utf-8"), b"rag-cited source links", hashlib.sha256).digest())

    @property
    def required(self) -> bool:
        return bool(self.tokens)

    def bearer_ok(self, authorization: str | None) -> bool:
        """True when no token is required, or ``authorization`` is "Bearer <an accepted token>"."""
        if not self.required:
            return True
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        given = token.strip().encode("utf-8")
        # compare with every token, in constant time, so timing tells nothing about which one nearly matched
        return any([hmac.compare_digest(given, t.encode("utf-8")) for t in self.tokens])  # noqa: C419 - no short-circuit

    def request_ok(self, request: Request) -> bool:
        return self.bearer_ok(request.headers.get("authorization"))

    def _mac(self, message: str) -> str:
        """A link's signature: the first 32 hex digits of the HMAC-SHA256 of ``message`` under the link key."""
        return hmac.new(self.link_key, message.encode(), hashlib.sha256).hexdigest()[:32]

    def _signed(self, expected: str, sig: str | None) -> bool:
        return not self.required or (bool(sig) and hmac.compare_digest(expected, str(sig)))

    def sign(self, doc_id: str, start: int, end: int) -> str:
        """The signature of a source-view link ("" when no token is required: links need none)."""
        return self._mac(f"{doc_id}\n{start}\n{end}") if self.required else ""

    def link_ok(self, doc_id: str, start: int, end: int, sig: str | None) -> bool:
        return self._signed(self.sign(doc_id, start, end), sig)

    def sign_file(self, doc_id: str, name: str) -> str:
        """The signature of a link to the original file ``name`` of ``doc_id`` (ui/originals.py); "" when
        no token is required. Its message cannot be a source view's (those have three lines of id and numbers)."""
        return self._mac(f"original\n{doc_id}\n{name}") if self.required else ""

    def file_link_ok(self, doc_id: str, name: str, sig: str | None) -> bool:
        return self._signed(self.sign_file(doc_id, name), sig)

    def may_open(self, request: Request, signed: bool) -> bool:
        """Whether ``request`` may open a source view or an original file: a link signed for it (``signed``),
        an accepted bearer token, or the cookie of a login to the chat (or no guard at all)."""
        return signed or self.request_ok(request) or logged_in(request)


def logged_in(request: Request) -> bool:
    """True when the request carries the cookie of a login to the Gradio chat served by the same app."""
    app = request.app
    cookie_id, tokens = getattr(app, "cookie_id", None), getattr(app, "tokens", None)
    if not cookie_id or not isinstance(tokens, dict):
        return False
    token = request.cookies.get(f"access-token-{cookie_id}") or request.cookies.get(
        f"access-token-unsecure-{cookie_id}"
    )
    return bool(token) and tokens.get(token) is not None
