"""The app's web server: Streamlit's own (``st.App``, Starlette) plus what a signed-in app needs
from HTTP that a page script cannot do.

- Every HTTP response carries frame and content-security headers (``SecurityHeaders``).
- The session cookie is set by the server, HttpOnly (page scripts cannot read it), SameSite=Strict,
  and Secure when the request came over HTTPS: a page script only hands the server a one-time
  code (``study.app.session_handoff``), and ``/_study/session`` swaps it for the cookie.
- The Code page's clicks are stored and answered at ``/_study/code`` (``study.app.coding_endpoint``)
  without a page rerun.
- A client's address comes from X-Forwarded-For only when a proxy the admin named sent it
  (``study.app.proxies``); the server does not start otherwise.

`study app` replaces itself with ``streamlit run`` on this file (os.execv), so a signal sent to
`study app` reaches the server itself.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re
from pathlib import Path

import streamlit as st
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from study.app.coding_endpoint import CLICK_PATH, code_clicks, same_origin
from study.app.preload import preload_in_background
from study.app.proxies import check_server_settings
from study.app.session_handoff import COOKIE, DEVICE_COOKIE, SESSION_PATH, redeem
from study.errors import StudyError
from study.integrity import database_fault, stored_value_unreadable
from study.store import resolve_url

MAIN = Path(__file__).with_name("main.py")
preload_in_background()  # before anyone signs in: a first page does not pay scikit-learn's import
check_server_settings(os.environ)  # uvicorn read them before it loaded this file


def _inline_script_hashes() -> str:
    """CSP hashes of the inline scripts in Streamlit's own index.html (one line today, which marks
    pre-rendering not ready): allowed by hash, so no injected inline script runs."""
    index = Path(st.__file__).parent / "static" / "index.html"
    scripts = re.findall(r"<script>(.*?)</script>", index.read_text(encoding="utf-8"), re.S)
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts
    )


# Streamlit's front end needs inline styles (emotion), its websocket (same origin), data:/blob:
# images and fonts. Its scripts are its own files, plus the custom components (st.components.v2),
# which it loads from blob: URLs that only already-running script can create; inline scripts and
# event-handler attributes stay blocked. No other origin is reached; no page may frame the app.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    f"script-src 'self' blob: {_inline_script_hashes()}".strip(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "media-src 'self' data: blob:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "frame-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
])
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """ASGI middleware: adds SECURITY_HEADERS to every HTTP response (not to websocket frames)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def session_cookie(request: Request) -> Response:
    """POST a one-time code: the HttpOnly session and device cookies for its tokens. DELETE: the
    session cookie cleared (the device cookie stays: the browser is still one that signed in before).

    Only same-origin page scripts can call it: a custom header forces a CORS preflight that this
    server never grants, and the Origin, when sent, must be this host (no sign-in forgery)."""
    if not same_origin(request, "x-study-session"):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"cache-control": "no-store"})
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    if request.method == "DELETE":
        response.delete_cookie(COOKIE, path="/", secure=secure, httponly=True, samesite="strict")
        return response
    grant = redeem((await request.body()).decode("utf-8", "replace"))
    if grant is None:
        return Response(status_code=403)
    for name, value, max_age in ((COOKIE, grant.token, grant.max_age),
                                 (DEVICE_COOKIE, grant.device, grant.device_max_age)):
        response.set_cookie(name, value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="strict")
    return response


def show_database_fault(exc: Exception) -> bool | None:
    """A database failure (or any StudyError) that escaped a page is one friendly line, not a
    traceback; anything else is shown as Streamlit shows errors."""
    if isinstance(exc, SQLAlchemyError) or stored_value_unreadable(exc):
        url = make_url(resolve_url(os.environ.get("STUDY_DB"))).render_as_string(hide_password=True)
        exc = database_fault(exc, url)
    if isinstance(exc, StudyError):
        st.error(str(exc), icon=":material/error:")
        return True
    return None


app = st.App(
    MAIN,
    routes=[Route(SESSION_PATH, session_cookie, methods=["POST", "DELETE"]),
            Route(CLICK_PATH, code_clicks, methods=["POST"])],
    middleware=[Middleware(SecurityHeaders)],
    on_script_error=show_database_fault,
)
