"""Reading the audit log (study.audit_log)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from study import audit_log
from study.audit_log import AuditFilter
from study.errors import NotAllowed
from study.store import utcnow
from tests.factories import ADMIN, ALICE


def test_audit_log_is_for_admins_only(coded):
    with pytest.raises(NotAllowed):
        audit_log.audit_log(coded, ALICE)
    with pytest.raises(NotAllowed):
        audit_log.audit_choices(coded, ALICE)


def test_audit_log_lists_newest_first(coded):
    log, total = audit_log.audit_log(coded, ADMIN)
    assert total == len(log) > 0
    assert list(log["at"]) == sorted(log["at"], reverse=True)
    assert log.iloc[0]["action"] == "coding.apply" and log.iloc[0]["actor"] == "bob"


def test_audit_log_filters_by_actor_action_and_text(coded):
    log, total = audit_log.audit_log(coded, ADMIN, AuditFilter(actors=("alice",), actions=("coding.apply",)))
    assert total == 2 and set(log["actor"]) == {"alice"}
    log, total = audit_log.audit_log(coded, ADMIN, AuditFilter(text="license"))
    assert total == 1 and "License" in log.iloc[0]["target"]


def test_audit_text_filter_treats_wildcards_literally(coded):
    assert audit_log.audit_log(coded, ADMIN, AuditFilter(text="%"))[1] == 0


def test_audit_log_filters_by_time(coded):
    assert audit_log.audit_log(coded, ADMIN, AuditFilter(since=utcnow() + timedelta(hours=1)))[1] == 0
    assert audit_log.audit_log(coded, ADMIN, AuditFilter(until=utcnow() - timedelta(hours=1)))[1] == 0
    assert audit_log.audit_log(coded, ADMIN, AuditFilter(since=utcnow() - timedelta(hours=1)))[1] > 0


def test_audit_log_limit_keeps_the_total(coded):
    log, total = audit_log.audit_log(coded, ADMIN, AuditFilter(limit=2))
    assert len(log) == 2 and total > 2


def test_audit_choices_list_actors_and_actions(coded):
    actors, actions = audit_log.audit_choices(coded, ADMIN)
    assert {"alice", "bob"} <= set(actors) and "coding.apply" in actions
