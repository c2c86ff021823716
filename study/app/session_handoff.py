"""One-time codes that let the server, not page script, set the session cookie.

A page run that signs a browser in asks for a code (``grant``) and hands only that to the browser;
the browser posts it once to ``SESSION_PATH``, and the server (study.app.server) answers with the
HttpOnly cookie holding the session token. A code works once, within ``CODE_LIFETIME``.
"""
from __future__ import annotations

import secrets
import threading
import time

COOKIE = "study_session"
SESSION_PATH = "/_study/session"
CODE_LIFETIME = 60.0  # seconds

_lock = threading.Lock()
_codes: dict[str, tuple[str, int, float]] = {}  # code -> (token, cookie max-age, expiry)


def grant(token: str, max_age: int) -> str:
    """A one-time code for a session token (kept in this server process only)."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, (_, _, expiry) in _codes.items() if expiry < now]:
            del _codes[stale]
        _codes[code] = (token, max_age, now + CODE_LIFETIME)
    return code


def redeem(code: str) -> tuple[str, int] | None:
    """(token, max-age) for a valid unused code; None otherwise. A code is gone once redeemed."""
    with _lock:
        entry = _codes.pop(code, None)
    if entry is None or entry[2] < time.monotonic():
        return None
    return entry[0], entry[1]
