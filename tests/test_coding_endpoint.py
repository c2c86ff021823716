"""The Code page's click endpoint (study.app.coding_endpoint): clicks stored and answered over
HTTP without a page rerun, only for the signed-in browser's own page, each op applied once."""
from __future__ import annotations

import uuid

import pytest
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from study import auth, workspace
from study.app.coding_endpoint import CLICK_PATH, HEADER, code_clicks
from study.app.session_handoff import COOKIE
from tests.factories import ALICE, add_interview, load_small_codebook


def one_interview(study):
    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", ["I search the hub.", "The card was empty."])
    for name in ("alice", "bob"):
        auth.add_user(study, name, "coder", "study-demo", auth.CLI)


@pytest.fixture
def app_study(study_from, monkeypatch):
    study = study_from(one_interview)
    monkeypatch.setenv("STUDY_DB", study.engine.url.render_as_string(hide_password=False))
    return study


@pytest.fixture
def client(app_study):
    """A browser signed in as alice: her session cookie set, talking to the endpoint."""
    http = TestClient(Starlette(routes=[Route(CLICK_PATH, code_clicks, methods=["POST"])]), base_url="http://study.test")
    http.cookies.set(COOKIE, auth.start_session(app_study, ALICE))
    http.tab = uuid.uuid4().hex  # the page's client id: ops are numbered per tab
    return http


def ids(study):
    tid = workspace.transcript_progress(study, ALICE)[0].id
    answers = [s for s in workspace.transcript_segments(study, ALICE, tid) if s.role == "participant"]
    return tid, answers, workspace.codebook_entries(study)[0].id


def click(tid, seg, code, op, on=True, span=None) -> dict:
    return {"op": op, "kind": "code", "transcript": tid, "seg": seg, "code": code, "on": on, "span": span}


def post(client, *ops, headers=None):
    return client.post(CLICK_PATH, json={"client": client.tab, "ops": list(ops)},
                       headers={HEADER: "1"} if headers is None else headers)


def test_a_click_is_stored_and_answered_with_the_segment_and_the_progress(client, app_study):
    tid, answers, code = ids(app_study)
    span = [answers[0].start + 2, answers[0].start + 8]
    response = post(client, click(tid, answers[0].id, code, 1), click(tid, answers[0].id, code, 2, span=span))
    assert response.status_code == 200
    answer = response.json()
    assert answer["confirmed_op"] == 2 and answer["errors"] == [] and answer["transcript"] == tid
    assert answer["segments"] == {str(answers[0].id): {"codes": [code], "spans": [[code, *span]]}}
    assert answer["progress"] == {"coded": 1, "total": 2}  # one of the two answers
    stored = workspace.coder_state(app_study, ALICE, tid)
    assert stored.codes == {answers[0].id: frozenset({code})}
    assert stored.spans == {answers[0].id: frozenset({(code, *span)})}


def test_a_resent_click_is_not_applied_again(client, app_study):
    tid, answers, code = ids(app_study)
    post(client, click(tid, answers[1].id, code, 1), click(tid, answers[1].id, code, 2, on=False))
    again = post(client, click(tid, answers[1].id, code, 1)).json()  # the browser missed the answer
    assert again["confirmed_op"] == 2 and again["segments"] == {}
    assert workspace.coder_state(app_study, ALICE, tid).codes == {}


def test_a_refused_click_is_answered_with_why(client, app_study):
    tid, answers, code = ids(app_study)
    workspace.set_done(app_study, ALICE, tid, True, anyway=True)
    answer = post(client, click(tid, answers[0].id, code, 1),
                  {"op": 2, "kind": "memo", "transcript": tid, "seg": None, "text": "not here"}).json()
    assert answer["confirmed_op"] == 2
    assert "marked this transcript done" in answer["errors"][0]["message"]
    assert "only clicks" in answer["errors"][1]["message"]
    assert workspace.coder_state(app_study, ALICE, tid).codes == {}


@pytest.mark.parametrize("headers, cookie, status", [
    ({}, True, 403),  # not the app's page script: no custom header
    ({HEADER: "1", "origin": "https://evil.example"}, True, 403),
    ({HEADER: "1"}, False, 401),  # not signed in
])
def test_only_the_signed_in_browsers_own_page_may_click(client, app_study, headers, cookie, status):
    tid, answers, code = ids(app_study)
    if not cookie:
        client.cookies.clear()
    assert post(client, click(tid, answers[0].id, code, 1), headers=headers).status_code == status
    assert workspace.coder_state(app_study, ALICE, tid).codes == {}


def test_a_malformed_request_changes_nothing(client, app_study):
    tid, answers, code = ids(app_study)
    assert client.post(CLICK_PATH, content=b"{not json", headers={HEADER: "1"}).status_code == 400
    answer = post(client, {**click(tid, answers[0].id, code, 1), "seg": "1; DROP TABLE codings"}).json()
    assert answer["errors"] and workspace.coder_state(app_study, ALICE, tid).codes == {}


def test_a_click_through_the_endpoint_costs_nine_statements(app_study):
    """The session checked (2), the rater, the write's facts, the write, the code's theme path,
    the audit entry, the segment read back, the progress (7): no page rerun reads anything more."""
    from sqlalchemy import event

    from study.app.coding_endpoint import answer_clicks

    tid, answers, code = ids(app_study)
    token = auth.start_session(app_study, ALICE)
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(app_study.engine, "before_cursor_execute", count)
    try:
        answer = answer_clicks(app_study, token, {"client": uuid.uuid4().hex, "ops": [click(tid, answers[0].id, code, 1)]})
    finally:
        event.remove(app_study.engine, "before_cursor_execute", count)
    assert answer["segments"] and len(seen) <= 9, "\n".join(seen)


def test_a_span_selected_before_an_admin_corrected_the_text_is_refused_not_put_on_other_words(client, app_study):
    # alice's page selected "card" in "The card was empty."; meanwhile an admin corrected the turn to
    # "The model card was empty.": her offsets now fall on "mode", which must not be coded as "card"
    from study import corrections
    tid, answers, code = ids(app_study)
    answer = answers[1]
    offset = answer.text.index("card")
    span = [answer.start + offset, answer.start + offset + 4]
    corrections.correct_text(app_study, auth.Actor("ann", "admin"), "P1-interview", answer.index,
                             "The model card was empty.")
    reply = post(client, {**click(tid, answer.id, code, 1, span=span), "words": "card"}).json()
    assert reply["confirmed_op"] == 1 and "reload" in reply["errors"][0]["message"].lower()
    assert workspace.coder_state(app_study, ALICE, tid).spans == {}
    # the page as reloaded: the words where they are now
    moved = [s + len("model ") for s in span]
    reply = post(client, {**click(tid, answer.id, code, 2, span=moved), "words": "card"}).json()
    assert reply["errors"] == []
    assert workspace.coder_state(app_study, ALICE, tid).spans == {answer.id: frozenset({(code, *moved)})}
