"""One-time codes that let the server, not page script, set the session and device cookies.

A page run that signs a browser in asks for a code (``grant``) and hands only that to the browser;
the browser posts it once to ``SESSION_PATH``, and the server (study.app.server) answers with the
HttpOnly cookies holding the session token and the device token (which marks the browser as one
that signed in before: ``study.auth.remember_device``). A code works once, within ``CODE_LIFETIME``.
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

COOKIE = "study_session"
DEVICE_COOKIE = "study_device"
SESSION_PATH = "/_study/session"
CODE_LIFETIME = 60.0  # seconds


@dataclass(frozen=True)
class Grant:
    """What a code stands for: the cookies' tokens and how long each cookie lives (seconds)."""

    token: str
    max_age: int
    device: str
    device_max_age: int
    expiry: float = 0.0  # monotonic time after which the code no longer works


_lock = threading.Lock()
_codes: dict[str, Grant] = {}


def grant(token: str, max_age: int, device: str, device_max_age: int) -> str:
    """A one-time code for a session token and a device token (kept in this server process only)."""
    code = secrets.token_urlsafe(24)
    now = time.monotonic()
    with _lock:
        for stale in [c for c, g in _codes.items() if g.expiry < now]:
            del _codes[stale]
        _codes[code] = Grant(token, max_age, device, device_max_age, now + CODE_LIFETIME)
    return code


def redeem(code: str) -> Grant | None:
    """The grant of a valid unused code; None otherwise. A code is gone once redeemed."""
    with _lock:
        entry = _codes.pop(code, None)
    if entry is None or entry.expiry < time.monotonic():
        return None
    return entry
