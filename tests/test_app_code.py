"""The app's sign-in and Code pages, driven by Streamlit's AppTest (no browser): sign-in errors
and throttling, the pages each role gets, choosing a transcript, marking it done, and the
coding component's event protocol (the component itself only renders in a browser)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from study.app.components.coding_workspace import apply_ops
from study.app.components.workspace_protocol import ProtocolError, parse_event
from study import auth, workspace
from study.auth import Actor
from tests.factories import ALICE, add_interview, load_small_codebook

ROOT = Path(__file__).resolve().parents[1]


def two_interviews_three_accounts(study):
    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", ["I search the hub.", "The card was empty."])
    add_interview(study, "P2-interview", "P2", ["Licences worry me."])
    for name, role in (("alice", "coder"), ("bob", "coder"), ("admin", "admin")):
        auth.add_user(study, name, role, "study-demo", auth.CLI)


@pytest.fixture
def app_study(study_from, monkeypatch):
    study = study_from(two_interviews_three_accounts)
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
    assert picker.options == ["P1-interview · 0 of 2 coded", "P2-interview · 0 of 1 coded"]  # labels, in import order
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
    # nothing of P2 is coded yet: the page says how many turns are uncoded and asks first
    assert not workspace.coder_state(app_study, ALICE, p2).done
    [question] = [re.sub(r"\\(.)", r"\1", w.value) for w in at.warning]  # as read: Markdown escapes undone
    assert "P2-interview: 1 of 1 participant turn(s) have no code yet" in question
    next(b for b in at.button if b.label == "Mark done anyway").click().run()
    assert workspace.coder_state(app_study, ALICE, p2).done
    assert not at.warning
    assert any(b.label == "Reopen" for b in at.button)
    assert "done" in at.selectbox(key="code.transcript").format_func(p2)
    next(b for b in at.button if b.label == "Reopen").click().run()
    assert not workspace.coder_state(app_study, ALICE, p2).done


def test_coming_back_from_another_page_shows_the_transcript_shown_before(app_study):
    at = signed_in("alice")
    p2 = next(t.id for t in workspace.transcript_progress(app_study, ALICE) if t.name == "P2-interview")
    assert at.session_state["code.transcript"] != p2  # P1 is the first to code
    at.selectbox(key="code.transcript").select(p2).run()
    at.switch_page("views/codebook.py").run()
    assert page_shown(at) == "Codebook"
    at.switch_page("views/code.py").run()
    assert page_shown(at) == "Code" and at.session_state["code.transcript"] == p2


def test_a_switch_reads_the_two_transcripts_anew_and_only_them(app_study, monkeypatch):
    at = signed_in("alice")
    listed = {t.name: t.id for t in workspace.transcript_progress(app_study, ALICE)}
    p1, p2 = listed["P1-interview"], listed["P2-interview"]
    assert at.session_state["code.transcript"] == p1
    # meanwhile, in another tab: P2's answer coded, P1 marked done
    code = workspace.codebook_entries(app_study)[0].id
    workspace.toggle(app_study, ALICE, workspace.transcript_segments(app_study, ALICE, p2)[1].id, code, applied=True)
    workspace.set_done(app_study, ALICE, p1, True, anyway=True)
    read, real = [], workspace.transcript_progress
    monkeypatch.setattr(workspace, "transcript_progress", lambda s, a, ids=None: read.append(ids) or real(s, a, ids))
    at.selectbox(key="code.transcript").select(p2).run()
    assert not at.exception and at.session_state["code.transcript"] == p2
    label = at.selectbox(key="code.transcript").format_func
    assert (label(p1), label(p2)) == ("P1-interview · done", "P2-interview · 1 of 1 coded")
    assert [ids if ids is None else sorted(ids) for ids in read] == [sorted([p1, p2])]  # the two, not the study


def test_a_switch_in_a_run_that_follows_clicks_still_reads_the_two_transcripts(app_study):
    """The picker's change and the shown transcript's stored clicks can arrive in one run: the
    switch must not be dropped for the clicks (P2's count would stay as first read)."""
    at = signed_in("alice")
    listed = {t.name: t.id for t in workspace.transcript_progress(app_study, ALICE)}
    p1, p2 = listed["P1-interview"], listed["P2-interview"]
    code = workspace.codebook_entries(app_study)[0].id
    workspace.toggle(app_study, ALICE, workspace.transcript_segments(app_study, ALICE, p2)[1].id, code, applied=True)
    at.session_state["coding_workspace.state"] = workspace.coder_state(app_study, ALICE, p1)
    at.session_state["coding_workspace.patched"] = True  # as after P1's clicks, stored and read back
    at.selectbox(key="code.transcript").select(p2).run()
    assert not at.exception and at.session_state["code.transcript"] == p2
    assert at.selectbox(key="code.transcript").format_func(p2) == "P2-interview · 1 of 1 coded"


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


def ops_of(*ops) -> tuple:
    return parse_event({"kind": "ops", "client": "tab-1", "have": None, "ops": list(ops)}).ops


def test_ops_are_applied_once_in_order_even_when_the_browser_resends_them(app_study):
    tid, seg, code = ids(app_study)
    first = {"op": 1, "kind": "code", "seg": seg, "code": code, "on": True}
    assert apply_ops(app_study, ALICE, ops_of(first), after=0).last == 1
    second = {"op": 2, "kind": "code", "seg": seg, "code": code, "on": False}
    assert apply_ops(app_study, ALICE, ops_of(first, second), after=1).errors == []
    # a resend of both after both were applied changes nothing: op 1 is not re-applied
    outcome = apply_ops(app_study, ALICE, ops_of(first, second), after=2)
    assert (outcome.last, outcome.errors) == (2, [])
    assert workspace.coder_state(app_study, ALICE, tid).codes == {}


def test_clicks_carry_the_state_they_read_back_and_a_refusal_asks_for_a_full_read(app_study):
    tid, seg, code = ids(app_study)
    click = {"op": 1, "kind": "code", "transcript": tid, "seg": seg, "code": code, "on": True}
    outcome = apply_ops(app_study, ALICE, ops_of(click), after=0, state=workspace.coder_state(app_study, ALICE, tid))
    anew = workspace.coder_state(app_study, ALICE, tid)
    assert outcome.state.codes == anew.codes == {seg: frozenset({code})}
    assert outcome.state.progress == anew.progress
    refused = apply_ops(app_study, ALICE, ops_of({**click, "op": 2, "code": 999_999}), after=1, state=outcome.state)
    assert refused.errors and refused.state is None  # the page then reads everything anew
    memo = {"op": 3, "kind": "memo", "transcript": tid, "seg": seg, "text": "a thought"}
    assert apply_ops(app_study, ALICE, ops_of(memo), after=2, state=anew).state is None


def test_memo_ops_and_refused_or_malformed_ops(app_study):
    tid, seg, code = ids(app_study)
    workspace.set_done(app_study, ALICE, tid, True, anyway=True)
    outcome = apply_ops(app_study, ALICE, ops_of(
        {"op": 1, "kind": "memo", "transcript": tid, "seg": seg, "text": "a thought"},
        {"op": 2, "kind": "code", "seg": seg, "code": code, "on": True},
        {"op": 3, "kind": "code", "seg": "1; DROP TABLE codings", "code": code, "on": True},
        {"op": 4, "kind": "paint"},
    ), after=0)
    assert outcome.last == 4
    assert [e["op"] for e in outcome.errors] == [2, 3, 4]
    assert "marked this transcript done" in outcome.errors[0]["message"]
    state = workspace.coder_state(app_study, ALICE, tid)
    assert state.memos == {seg: "a thought"} and state.codes == {}


def test_a_refused_op_is_worded_the_way_the_app_words_its_remedy(app_study, monkeypatch):
    from study.errors import NotFound

    def gone(*_args, **_kwargs):
        raise NotFound("no transcript named 'x'", "the transcripts list gives the names", remedy="list_transcripts")

    monkeypatch.setattr(workspace, "save_memo", gone)
    tid, seg, _code = ids(app_study)
    outcome = apply_ops(app_study, ALICE, ops_of({"op": 1, "kind": "memo", "transcript": tid, "seg": seg,
                                                  "text": "a thought"}), after=0)
    assert [e["message"] for e in outcome.errors] == ["no transcript named 'x'; the Transcripts page lists them"]


HUGE = 2**70


@pytest.mark.parametrize("event, problem", [
    ("not a message", "not an object"),
    ({"kind": "ops", "client": "t", "ops": [{"op": HUGE, "kind": "code", "seg": 1, "code": 1, "on": True}]}, "valid op"),
    ({"kind": "ops", "client": "t", "ops": ["not an op"]}, "not an object"),
    ({"kind": "ops", "client": "t", "ops": {"op": 1}}, "not a list"),
    ({"kind": "ops", "client": "t", "ops": [{"op": n, "kind": "code", "seg": 1, "code": 1, "on": True}
                                            for n in range(1, 502)]}, "at most 500"),
    ({"kind": "ops", "client": "x" * 65, "ops": []}, "valid client"),
    ({"kind": "ops", "client": 7, "ops": []}, "valid client"),
    ({"kind": "memo_history", "client": "t", "transcript": HUGE, "seg": None}, "valid transcript"),
    ({"kind": "memo_history", "client": "t", "transcript": 1.5, "seg": None}, "valid transcript"),
    ({"kind": "format_disk", "client": "t"}, "unknown kind"),
    ({"client": "t"}, "unknown kind"),
])
def test_a_crafted_message_is_refused_as_a_whole(event, problem):
    with pytest.raises(ProtocolError, match=problem):
        parse_event(event)


@pytest.mark.parametrize("op, problem", [
    ({"kind": "code", "seg": HUGE, "code": 1, "on": True}, "valid seg"),
    ({"kind": "code", "seg": -HUGE, "code": 1, "on": True}, "valid seg"),
    ({"kind": "code", "seg": 1, "code": True, "on": True}, "valid code"),
    ({"kind": "code", "seg": 1, "code": 1, "on": "yes"}, "valid on"),
    ({"kind": "code", "seg": 1, "code": 1, "on": True, "span": [5, HUGE]}, "valid end"),
    ({"kind": "code", "seg": 1, "code": 1, "on": True, "span": [9, 3]}, "reversed"),
    ({"kind": "code", "seg": 1, "code": 1, "on": True, "span": "0-4"}, "start, end"),
    ({"kind": "memo", "transcript": 1, "seg": None, "text": "x" * 100_001}, "at most 100,000"),
    ({"kind": "memo", "transcript": 1, "seg": None, "text": ["a"]}, "not text"),
    ({"kind": "memo", "transcript": 1, "seg": None, "text": "a", "base": HUGE}, "valid base"),
    ({"kind": "memo_restore", "transcript": 1, "seg": None, "version": "2"}, "valid version"),
    ({"kind": "paint"}, "does not understand"),
])
def test_a_crafted_op_is_refused_alone_and_the_rest_applied(app_study, op, problem):
    tid, seg, code = ids(app_study)
    good = {"op": 2, "kind": "code", "seg": seg, "code": code, "on": True}
    outcome = apply_ops(app_study, ALICE, ops_of({"op": 1, **op}, good), after=0)
    assert outcome.last == 2
    assert [e["op"] for e in outcome.errors] == [1] and problem in outcome.errors[0]["message"]
    assert workspace.coder_state(app_study, ALICE, tid).codes == {seg: frozenset({code})}


def test_a_memo_saved_from_a_stale_tab_comes_back_as_a_conflict_with_both_texts(app_study):
    tid, seg, _ = ids(app_study)
    apply_ops(app_study, ALICE, ops_of({"op": 1, "kind": "memo", "transcript": tid, "seg": None, "text": "tab A",
                                        "base": 0}), after=0)
    stale = apply_ops(app_study, ALICE, ops_of({"op": 1, "kind": "memo", "transcript": tid, "seg": None,
                                                "text": "tab B", "base": 0}), after=0)
    assert stale.errors == []
    assert [(c["theirs"], c["theirs_version"], c["mine"]) for c in stale.conflicts] == [("tab A", 1, "tab B")]
    assert workspace.coder_state(app_study, ALICE, tid).memos[None] == "tab A"


def test_an_emptied_memo_is_not_saved_without_confirmation(app_study):
    tid, seg, _ = ids(app_study)
    workspace.save_memo(app_study, ALICE, tid, seg, "keep me")
    refused = apply_ops(app_study, ALICE, ops_of({"op": 1, "kind": "memo", "transcript": tid, "seg": seg, "text": "",
                                                  "base": 1}), after=0)
    assert refused.errors[0]["empty"] == {"seg": seg, "text": "keep me"}
    assert workspace.coder_state(app_study, ALICE, tid).memos[seg] == "keep me"
    apply_ops(app_study, ALICE, ops_of({"op": 2, "kind": "memo", "transcript": tid, "seg": seg, "text": "",
                                        "base": 1, "confirm_empty": True}), after=1)
    assert workspace.coder_state(app_study, ALICE, tid).memos.get(seg, "") == ""


def test_a_role_change_takes_effect_on_the_next_run_and_a_new_password_signs_out(app_study):
    at = signed_in("admin")
    assert at.session_state["actor"] == Actor("admin", "admin")
    auth.set_role(app_study, "admin", "coder", auth.CLI)
    at.run()
    assert at.session_state["actor"] == Actor("admin", "coder")
    auth.set_password(app_study, "admin", "another-password", auth.CLI)
    at.run()
    assert "actor" not in at.session_state
    assert page_shown(at) == "Sign in"


def test_the_component_gets_each_code_under_the_keys_the_browser_reads(app_study):
    from study.app.components.coding_workspace import static_payload

    tid = workspace.transcript_progress(app_study, ALICE)[0].id
    codes = static_payload(app_study, ALICE, tid)["codes"]
    license_code = next(c for c in codes if c["name"] == "License")
    # coding_workspace.js reads these keys; "theme" is the top theme, "path" the theme path and name,
    # "label" what a chip shows (the name while no other code has it), "depth" how many codes are above
    assert set(license_code) == {"id", "ref", "name", "label", "theme", "path", "depth", "colour", "definition",
                                 "when_to_use", "when_not_to_use", "example", "retired"}
    assert (license_code["label"], license_code["depth"]) == ("License", 0)
    assert license_code["theme"] == "Attributes" and license_code["path"] == ["Attributes", "Portability", "License"]
    assert license_code["ref"] == "Attributes/Portability/License" and license_code["retired"] is False


def test_a_code_page_run_that_follows_no_change_builds_no_static_part(app_study, monkeypatch):
    # coming back to the Code page (a run with no event) rebuilt the transcript and codebook only
    # to learn their version; now it is built again only when the study changed
    from study import codes
    from study.app.components import coding_workspace
    from tests.factories import open_app

    built = []
    real = coding_workspace.static_payload
    monkeypatch.setattr(coding_workspace, "static_payload", lambda *a: built.append(a[2]) or real(*a))
    at = open_app(monkeypatch, app_study, ALICE)
    shown = at.session_state["coding_workspace.sent"]
    assert len(built) == 1
    at.run()
    at.run()
    assert len(built) == 1 and at.session_state["coding_workspace.sent"] == shown
    codes.add_code(app_study, auth.CLI, "Challenges", "Waiting", "Time lost waiting.")  # audited: a change
    at.run()
    assert len(built) == 2 and at.session_state["coding_workspace.sent"][1] != shown[1]
    assert not at.exception
