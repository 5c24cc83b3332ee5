"""The web's guards, each in one place: response headers, request size limits, CSRF tokens,
rate limits, passwords, and a log line with no token, e-mail or phone in it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

log = logging.getLogger("teczka.web")

PAGE_POLICY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
# A unit's own documents (the publication HTML carries its inline stylesheet): no script at all.
DOCUMENT_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; sandbox"
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",  # the team's links carry their token
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
_TOKEN_IN_PATH = re.compile(r"^/j/[^/]+")

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def loggable_path(path: str) -> str:
    """The request path for the log: a link's token is replaced, the query string is never logged."""
    return _TOKEN_IN_PATH.sub("/j/[odnośnik]", path)


class BodyTooLarge(Exception):
    pass


class Guard:
    """ASGI middleware: security headers on every response, the request size limit (413 with a
    Polish page), and one access-log line per request without tokens or personal data."""

    def __init__(self, app: ASGIApp, max_body: int, too_large: Callable[[], tuple[int, bytes]]) -> None:
        self.app = app
        self.max_body = max_body
        self.too_large = too_large

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0, "sent": False}
        declared = dict(scope.get("headers") or []).get(b"content-length")
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _HEADER_KEYS]
                policy = dict(message.get("headers", [])).get(b"content-security-policy", PAGE_POLICY.encode())
                headers += [(k.encode(), v.encode()) for k, v in HEADERS.items()]
                headers.append((b"content-security-policy", policy))
                if scheme_is_https(scope):
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = dict(message, headers=headers)
            await send(message)

        try:
            if declared is not None and declared.isdigit() and int(declared) > self.max_body:
                raise BodyTooLarge
            await self.app(scope, limited_receive, guarded_send)
        except BodyTooLarge:
            if not status["sent"]:
                code, body = self.too_large()
                await guarded_send({"type": "http.response.start", "status": code, "headers": [
                    (b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")]})
                await send({"type": "http.response.body", "body": body})
        finally:
            log.info("%s %s %s %.0f ms", scope.get("method"), loggable_path(scope.get("path", "")),
                     status["code"] or "-", (time.perf_counter() - started) * 1000)


_HEADER_KEYS = {k.encode() for k in HEADERS} | {b"content-security-policy"}


def scheme_is_https(scope: Scope) -> bool:
    return scope.get("scheme") == "https"


# -- CSRF -------------------------------------------------------------------------------------


def csrf_token(secret: bytes, identity: str) -> str:
    """A token tied to who is asking (a link or a session), checked on every state change."""
    return hmac.new(secret, f"csrf:{identity}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, identity: str, sent: Any) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(csrf_token(secret, identity), sent)


# -- rate limits ------------------------------------------------------------------------------


class RateLimiter:
    """At most ``limit`` events per ``window`` seconds for each key (kept in memory)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        events = self._events.setdefault(key, deque())
        while events and events[0] <= now - self.window:
            events.popleft()
        return events

    def allowed(self, key: str) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) < self.limit

    def hit(self, key: str) -> bool:
        """Count one event; False when the key is over its limit (the event is not counted)."""
        with self._lock:
            now = time.monotonic()
            events = self._recent(key, now)
            if len(events) >= self.limit:
                return False
            events.append(now)
            return True

    def clear(self, key: str) -> None:
        with self._lock:
            self._events.pop(key, None)


# -- passwords --------------------------------------------------------------------------------

_HASHER = PasswordHasher()
_DUMMY = _HASHER.hash("teczka: nieistniejące konto")  # unknown accounts take as long as known ones


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False
