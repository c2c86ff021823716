"""The session cookie is out of page script's reach (HttpOnly, SameSite=Strict, set by the server),
every response carries frame and content-security headers, and the app works under them."""
from __future__ import annotations

import pytest

from tests.browser.conftest import VIEWPORT, sign_in, wait_until_loaded

pytest.importorskip("playwright.sync_api")

COOKIE = "study_session"


@pytest.fixture
def watched_page(browser):
    """A fresh page whose console messages are collected (CSP violations are reported there)."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.console_messages = []
    page.on("console", lambda message: page.console_messages.append(message.text))
    yield page
    context.close()


def test_every_page_response_forbids_framing_and_foreign_content(demo_app, watched_page):
    response = watched_page.goto(demo_app.url)
    headers = response.headers
    assert headers["x-frame-options"] == "DENY"
    policy = dict(part.strip().split(" ", 1) for part in headers["content-security-policy"].split(";"))
    assert policy["frame-ancestors"] == "'none'"
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == "'none'"
    assert headers["x-content-type-options"] == "nosniff"


def test_session_cookie_is_httponly_strict_and_not_in_document_cookie(demo_app, watched_page):
    sign_in(watched_page, demo_app.url, "alice")
    watched_page.wait_for_timeout(500)  # the cookie request is sent as the signed-in page mounts
    cookies = {c["name"]: c for c in watched_page.context.cookies()}
    assert COOKIE in cookies, "the server did not set the session cookie"
    assert cookies[COOKIE]["httpOnly"] is True
    assert cookies[COOKIE]["sameSite"] == "Strict"
    assert cookies[COOKIE]["secure"] is False  # served over plain http on 127.0.0.1
    assert COOKIE not in watched_page.evaluate("document.cookie")


def test_app_works_under_the_policy_and_a_reload_stays_signed_in(demo_app, watched_page):
    sign_in(watched_page, demo_app.url, "alice")
    watched_page.wait_for_timeout(500)
    watched_page.reload()
    wait_until_loaded(watched_page)
    assert watched_page.get_by_text("Signed in as alice").is_visible()
    violations = [m for m in watched_page.console_messages if "Content Security Policy" in m]
    assert violations == []


def test_sign_out_clears_the_cookie(demo_app, watched_page):
    sign_in(watched_page, demo_app.url, "alice")
    watched_page.wait_for_timeout(500)
    watched_page.get_by_role("button", name="Sign out").click()
    watched_page.wait_for_selector('[data-testid="study-page-ready"][data-page="Sign in"]', state="attached")
    watched_page.wait_for_timeout(500)
    assert COOKIE not in {c["name"] for c in watched_page.context.cookies()}
    watched_page.reload()
    wait_until_loaded(watched_page)
    assert watched_page.get_by_role("button", name="Sign in").is_visible()


def test_session_route_refuses_cross_site_and_unknown_codes(demo_app, watched_page):
    watched_page.goto(demo_app.url)
    statuses = watched_page.evaluate("""async () => {
        const post = (headers, body) => fetch('/_study/session', {method: 'POST', headers, body})
            .then(r => r.status);
        return [await post({}, 'x'), await post({'X-Study-Session': '1'}, 'not-a-code')];
    }""")
    assert statuses == [403, 403]
