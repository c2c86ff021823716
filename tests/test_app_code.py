"""The app's sign-in and Code pages, driven by Streamlit's AppTest (no browser): sign-in errors
and throttling, the pages each role gets, choosing a transcript, marking it done, and the
coding component's event protocol (the component itself only renders in a browser)."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from study.app.components.coding_workspace import apply_ops
from study import auth, workspace
from study.auth import Actor
from tests.factories import add_interview, load_small_codebook

ROOT = Path(__file__).resolve().parents[1]
ALICE = Actor("alice", "coder")


@pytest.fixture
def app_study(study, monkeypatch):
    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", ["I search the hub.", "The card was empty."])
    add_interview(study, "P2-interview", "P2", ["Licences worry me."])
    for name, role in (("alice", "coder"), ("bob", "coder"), ("admin", "admin")):
        auth.add_user(study, name, role, "study-demo")
    monkeypatch.setenv("STUDY_DB", study.engine.url.render_as_string(hide_password=False))
    return study


def submit_sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def signed_in(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=30).run()
    submit_sign_in(at, name, "study-demo")
    assert not at.exception, at.exception
    return at


def page_shown(at: AppTest) -> str:
    marker = next(h.proto.body for h in at.get("html") if "study-page-ready" in h.proto.body)
    return marker.split('data-page="')[1].split('"')[0]


def test_a_wrong_password_is_refused_with_a_friendly_message(app_study):
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=30).run()
    submit_sign_in(at, "alice", "wrong-password")
    assert "wrong user name or password" in at.error[0].value
    assert "actor" not in at.session_state
    assert page_shown(at) == "Sign in"


def test_empty_fields_ask_for_both(app_study):
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=30).run()
    submit_sign_in(at, "", "")
    assert "Enter your user name and password" in at.error[0].value


def test_repeated_failures_are_throttled_even_with_the_right_password(app_study):
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=30).run()
    for _ in range(auth.FREE_ATTEMPTS):
        submit_sign_in(at, "bob", "wrong-password")
    submit_sign_in(at, "bob", "study-demo")
    assert "too many failed sign-ins" in at.error[0].value
    assert "actor" not in at.session_state


def test_signing_in_opens_the_code_page_on_the_first_transcript_to_code(app_study):
    at = signed_in("alice")
    assert at.session_state["actor"] == ALICE
    assert page_shown(at) == "Code"
    picker = at.selectbox(key="code.transcript")
    assert picker.options == ["P1-interview · 0/2 coded", "P2-interview · 0/1 coded"]  # labels, in import order
    assert any(b.label == "Mark done" for b in at.button)


@pytest.mark.parametrize("page", ["audit", "adjudicate", "findings"])
def test_admin_pages_exist_for_admins_only(app_study, page):
    admin = signed_in("admin")
    admin.switch_page(f"views/{page}.py").run()
    assert page_shown(admin) == page.capitalize()
    coder = signed_in("alice")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        coder.switch_page(f"views/{page}.py")


def test_choosing_a_transcript_and_marking_it_done(app_study):
    at = signed_in("alice")
    p2 = next(t.id for t in workspace.transcript_progress(app_study, ALICE) if t.name == "P2-interview")
    at.selectbox(key="code.transcript").select(p2).run()
    assert at.session_state["code.transcript"] == p2
    next(b for b in at.button if b.label == "Mark done").click().run()
    assert workspace.coder_state(app_study, ALICE, p2).done
    assert any(b.label == "Reopen" for b in at.button)
    assert "done" in at.selectbox(key="code.transcript").format_func(p2)
    next(b for b in at.button if b.label == "Reopen").click().run()
    assert not workspace.coder_state(app_study, ALICE, p2).done


def test_sign_out_returns_to_the_sign_in_page(app_study):
    at = signed_in("bob")
    at.sidebar.button[0].click().run()
    assert "actor" not in at.session_state
    assert page_shown(at) == "Sign in"


# -- the component's event protocol --------------------------------------------------------


def ids(study):
    tid = workspace.transcript_progress(study, ALICE)[0].id
    answer = workspace.transcript_segments(study, ALICE, tid)[1]
    return tid, answer.id, workspace.codebook_entries(study)[0].id


def test_ops_are_applied_once_in_order_even_when_the_browser_resends_them(app_study):
    tid, seg, code = ids(app_study)
    ops = [{"op": 1, "kind": "code", "seg": seg, "code": code, "on": True}]
    assert apply_ops(app_study, ALICE, ops, after=0) == (1, [])
    ops.append({"op": 2, "kind": "code", "seg": seg, "code": code, "on": False})
    assert apply_ops(app_study, ALICE, ops, after=1) == (2, [])
    # a resend of both after both were applied changes nothing: op 1 is not re-applied
    assert apply_ops(app_study, ALICE, ops, after=2) == (2, [])
    assert workspace.coder_state(app_study, ALICE, tid).codes == {}


def test_memo_ops_and_refused_or_malformed_ops(app_study):
    tid, seg, code = ids(app_study)
    workspace.set_done(app_study, ALICE, tid, True)
    last, errors = apply_ops(app_study, ALICE, [
        {"op": 1, "kind": "memo", "transcript": tid, "seg": seg, "text": "a thought"},
        {"op": 2, "kind": "code", "seg": seg, "code": code, "on": True},
        {"op": 3, "kind": "code", "seg": "1; DROP TABLE codings", "code": code, "on": True},
        {"op": 4, "kind": "paint"},
        "not an op",
    ], after=0)
    assert last == 4
    assert [e["op"] for e in errors] == [2, 3, 4]
    assert "marked this transcript done" in errors[0]["message"]
    state = workspace.coder_state(app_study, ALICE, tid)
    assert state.memos == {seg: "a thought"} and state.codes == {}


def test_a_role_change_takes_effect_on_the_next_run_and_a_new_password_signs_out(app_study):
    at = signed_in("admin")
    assert at.session_state["actor"] == Actor("admin", "admin")
    auth.set_role(app_study, "admin", "coder")
    at.run()
    assert at.session_state["actor"] == Actor("admin", "coder")
    auth.set_password(app_study, "admin", "another-password")
    at.run()
    assert "actor" not in at.session_state
    assert page_shown(at) == "Sign in"
