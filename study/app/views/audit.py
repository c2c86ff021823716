"""Audit: who did what and when, with the state before and after; for admins."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import attempt
from study import audit_log
from study.audit_log import AuditFilter

study, actor = get_study(), require_actor()


def day_bounds(days: tuple) -> tuple[datetime | None, datetime | None]:
    """The chosen days as UTC instants: from the first day's start to the last day's end."""
    if not days:
        return None, None
    first, last = days[0], days[-1]
    since = datetime.combine(first, time.min, tzinfo=UTC)
    until = datetime.combine(last, time.min, tzinfo=UTC) + timedelta(days=1)
    return since, until


def filters(actors: list[str], actions: list[str]) -> AuditFilter:
    who, what = st.columns(2)
    chosen_actors = who.multiselect("Who", actors, placeholder="everyone")
    chosen_actions = what.multiselect("Action", actions, placeholder="every action")
    when, text = st.columns(2)
    days = when.date_input("Days (UTC)", value=(), max_value=date.today() + timedelta(days=1),
                           help="Choose a first and a last day; leave empty for all time.")
    needle = text.text_input("Text", placeholder="a transcript, code or user name")
    since, until = day_bounds(tuple(days) if isinstance(days, (tuple, list)) else (days,))
    return AuditFilter(tuple(chosen_actors), tuple(chosen_actions), since, until, needle)


def log_table(where: AuditFilter) -> None:
    result = attempt(audit_log.audit_log, study, actor, where)
    if result is None:
        return
    log, total = result
    if log.empty:
        st.info("No entry matches.")
        return
    shown = f"the newest {len(log):,} of {total:,}" if total > len(log) else f"{total:,}"
    st.caption(f"Showing {shown} entries, newest first.")
    st.dataframe(
        log, hide_index=True, width="stretch", height=620,
        column_config={
            "at": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "actor": st.column_config.TextColumn("Who"),
            "action": st.column_config.TextColumn("Action"),
            "target": st.column_config.TextColumn("What", width="medium"),
            "before": st.column_config.TextColumn("Before", width="medium"),
            "after": st.column_config.TextColumn("After", width="medium"),
            "undone": st.column_config.CheckboxColumn("Undone"),
        },
    )


st.title("Audit log")
choices = attempt(audit_log.audit_choices, study, actor)
if choices is not None:
    log_table(filters(*choices))
