"""Transcripts: the study's interviews with each coder's progress; admins add files and participants."""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import act, attempt, error, plain, said, show_flash, table_styler
from study import exclusion, workspace
from study.errors import StudyError
from study.importing.preview import ImportPreview
from study.importing.reading import SUPPORTED
from study.importing.uploads import UploadedFile, preview_uploads, upload_participants, upload_transcripts
from study.listing import transcript_rows
from study.roles import ROLES
from study.speakers import set_speaker_role, transcript_speakers
from study.participants import list_participants, participant_table
from study.segmenting import UNITS
from study.transcripts import DEFAULT_MAX_BYTES, NO_SPEAKERS_LAYOUT

study, actor = get_study(), require_actor()


def transcript_list() -> None:
    table = attempt(workspace.transcripts_table, study, actor)
    if table is None:
        return
    if not table.rows:
        st.info("No transcripts yet." + (" Add some below." if actor.is_admin else " Ask your study's admin to add them."))
        return
    coders = [c.label for c in table.columns if c.key.startswith("progress of ")]
    st.dataframe(
        table_styler(table), hide_index=True, width="stretch",
        column_config={
            "excluded": st.column_config.TextColumn(help="left out of findings and agreement"),
            **{c: st.column_config.TextColumn(c if actor.is_admin else "Your progress",
                                              help="segments coded / segments to code; “done” once marked done")
               for c in coders},
        },
    )
    st.caption(("Each coder's column: " if actor.is_admin else "Your progress: ")
               + "segments coded / segments to code (the participant's turns), and “done” once marked done.")


PENDING, RESULT = "upload_pending", "upload_result"  # session state: the previewed uploads; the last import


@dataclass(frozen=True)
class PendingUpload:
    """Uploads previewed and waiting for the admin to confirm them."""

    files: tuple[UploadedFile, ...]
    participants: UploadedFile | None
    unit: str
    replace: bool
    preview: ImportPreview


def upload_form() -> None:
    with st.form("upload", clear_on_submit=True, border=False):
        files = st.file_uploader(
            "Transcript files", type=[s.lstrip(".") for s in SUPPORTED], accept_multiple_files=True,
            help=f"Word, plain text, Markdown, WebVTT or SRT transcripts, or a CSV of survey responses; "
                 f"up to {DEFAULT_MAX_BYTES // 1_000_000} MB each.",
        )
        people = st.file_uploader("Participants CSV (optional)", type=["csv"],
                                  help="A 'participant' column, optionally 'transcript' and any attributes.")
        left, right = st.columns(2)
        unit = left.selectbox("Segment by", UNITS, help="How each transcript is cut into codable segments.")
        replace = right.checkbox("Replace transcripts of the same name",
                                 help="Codings on unchanged text are kept.")
        submitted = st.form_submit_button("Preview", icon=":material/preview:", type="primary",
                                          help="Check speakers and roles before anything is stored.")
    if submitted:
        if not files:
            st.warning("Choose at least one transcript file first.")
            return
        start_preview(files, people, unit, replace)
    show_result()
    if PENDING in st.session_state:
        upload_preview(st.session_state[PENDING])


def start_preview(files, people, unit: str, replace: bool) -> None:
    uploads = tuple(UploadedFile(f.name, f.getvalue()) for f in files)
    participants = UploadedFile(people.name, people.getvalue()) if people is not None else None
    st.session_state.pop(RESULT, None)
    with st.spinner("Reading..."):
        preview = attempt(preview_uploads, actor, uploads, participants=participants, describe=said)
    if preview is not None:
        for key in [k for k in st.session_state if str(k).startswith(("upload_keep:", "upload_role:"))]:
            del st.session_state[key]  # a new preview starts from what it read, not the last one's choices
        st.session_state[PENDING] = PendingUpload(uploads, participants, unit, replace, preview)


def role_key(transcript: str, speaker: str) -> str:
    return f"upload_role:{transcript}:{speaker}"


def keep_key(pending: PendingUpload, file: str) -> str:
    """The session key of the "Import this file" box of an uploaded file (one per file, which may
    hold several transcripts: a survey's participants)."""
    files = list(dict.fromkeys(t.file for t in pending.preview.transcripts))
    return f"upload_keep:{files.index(file)}"


def upload_preview(pending: PendingUpload) -> None:
    """Each previewed transcript: layout, speakers with their role (editable) and why, first turns,
    and whether to import its file (a document with no speakers, such as the interview protocol,
    starts left out)."""
    for file, message in (*pending.preview.skipped, *pending.preview.failed):
        st.warning(plain(message), icon=":material/warning:")
    shown_files: set[str] = set()
    for t in pending.preview.transcripts:
        with st.container(border=True):
            st.markdown(f"**{plain(t.name)}** · participant {plain(t.participant)} · from {plain(t.file)}")
            if t.layout:
                st.caption(plain(f"Read as {t.layout}" + (f"; runner-up {t.runner_up}" if t.runner_up else "")))
            if t.layout == NO_SPEAKERS_LAYOUT:
                st.warning("No speakers found (no speaker labels, Q/A marks, timestamps or caption cues): it reads "
                           "as a document, not an interview. Tick it to import it as one speaker's text.",
                           icon=":material/help:")
            if t.file not in shown_files:
                shown_files.add(t.file)
                st.checkbox("Import this file", value=t.layout != NO_SPEAKERS_LAYOUT, key=keep_key(pending, t.file))
            for s in t.speakers:
                who, role = st.columns([3, 1], vertical_alignment="center")
                who.markdown(f"**{plain(s.name)}** · {s.turns} turns, {s.words} words  \n{plain(s.reason)}")
                role.selectbox("Role", ROLES, index=ROLES.index(s.role), key=role_key(t.name, s.name),
                               label_visibility="collapsed")
            st.text("\n".join(f"{speaker}: {words}" for speaker, words in t.opening))
    go, cancel = st.columns(2)
    go.button("Import", icon=":material/upload:", type="primary", on_click=confirm_upload,
              disabled=not pending.preview.transcripts, key="upload_confirm")
    cancel.button("Cancel", on_click=lambda: st.session_state.pop(PENDING, None), key="upload_cancel")


def confirm_upload() -> None:
    """Import the previewed uploads with the roles as shown (a callback: the list below shows them)."""
    pending = st.session_state.pop(PENDING, None)
    if pending is None:
        return
    changed = {t.name: {s.name: chosen for s in t.speakers
                        if (chosen := st.session_state.get(role_key(t.name, s.name), s.role)) != s.role}
               for t in pending.preview.transcripts}
    left_out = [t.name for t in pending.preview.transcripts
                if not st.session_state.get(keep_key(pending, t.file), t.layout != NO_SPEAKERS_LAYOUT)]
    try:
        st.session_state[RESULT] = upload_transcripts(
            study, actor, pending.files, participants=pending.participants, unit=pending.unit,
            replace=pending.replace, roles={name: roles for name, roles in changed.items() if roles},
            left_out=left_out, describe=said)
    except StudyError as exc:
        st.session_state[RESULT] = exc


def show_result() -> None:
    summary = st.session_state.pop(RESULT, None)
    if isinstance(summary, StudyError):
        error(summary)
        return
    if summary is None:
        return
    done = [("imported", summary.imported), ("replaced", summary.replaced), ("already in the study", summary.unchanged)]
    said = ", ".join(f"{len(names)} {what}" for what, names in done if names)
    if said:
        st.success(plain(said.capitalize() + "."), icon=":material/check_circle:")
    for file, message in (*summary.skipped, *summary.failed):
        st.warning(plain(message), icon=":material/warning:")
    if summary.not_carried:
        st.warning("Codings that could not be carried over to the new text:", icon=":material/warning:")
        st.dataframe({"coding not carried": summary.not_carried}, hide_index=True)


def participants_section() -> None:
    rows = list_participants(study)
    if rows:
        st.dataframe(table_styler(participant_table(rows)), hide_index=True, width="stretch")
    else:
        st.info("No participants yet: they are added with their transcripts.")
    if not actor.is_admin:
        return
    with st.form("participants", clear_on_submit=True):
        upload = st.file_uploader("Participants CSV", type=["csv"],
                                  help="A 'participant' column and any attributes (age, role, ...).")
        if st.form_submit_button("Save participants", icon=":material/group_add:") and upload is not None:
            try:
                count = upload_participants(study, actor, UploadedFile(upload.name, upload.getvalue()))
            except StudyError as exc:
                error(exc)
            else:
                st.success(f"Saved {count} participant(s).", icon=":material/check_circle:")


def speakers_section() -> None:
    """Admins: each speaker of a stored transcript with their role and why; a role changed here keeps
    every coding, memo and decision (``study speakers NAME --set-role`` on the command line)."""
    names = [r["name"] for r in transcript_rows(study)]
    if not names:
        return
    name = st.selectbox("Transcript", names, key="speakers_transcript")
    for s in attempt(transcript_speakers, study, actor, name) or []:
        who, role = st.columns([3, 1], vertical_alignment="center")
        who.markdown(f"**{plain(s.name)}** · {s.turns} turns, {s.words} words  \n{plain(s.reason)}")
        key = f"stored_role:{name}:{s.name}"
        st.session_state[key] = s.role  # what is stored, after any change this run
        role.selectbox("Role", ROLES, key=key, label_visibility="collapsed",
                       on_change=change_role, args=(name, s.name, key))


def change_role(transcript: str, speaker: str, key: str) -> None:
    act(set_speaker_role, study, actor, transcript, speaker, st.session_state[key],
        done=lambda r: f"{r.name} is now {r.role} in {transcript}; codings, memos and decisions stay.")


def exclusion_section() -> None:
    """Admins: leave a transcript or a participant out of findings and agreement, take it back, or
    remove a transcript for good (the audit log keeps what it held)."""
    records = exclusion.exclusions(study)
    if records:
        st.dataframe(table_styler(exclusion.exclusion_table(records)), hide_index=True, width="stretch")
    else:
        st.caption("Nothing is excluded: every transcript counts in findings and agreement.")
    people = [r["participant"] for r in list_participants(study)]
    options = [("transcript", r["name"]) for r in transcript_rows(study)] + [("participant", p) for p in people]
    if not options:
        return
    chosen = st.selectbox("Transcript or participant", options, format_func=lambda o: f"{o[0]}: {o[1]}",
                          key="exclusion_target")
    reason = st.text_input("Reason (optional)", key="exclusion_reason", placeholder="e.g. uploaded by mistake")
    kind, name = chosen
    excluded = any(r.kind == kind and r.name == name for r in records)
    left, right = st.columns(2)
    if excluded:
        left.button("Include again", icon=":material/undo:", width="stretch", key="exclusion_include",
                    on_click=act, args=(exclusion.include, study, actor, name, kind),
                    kwargs={"done": f"{kind} {name} counts again."})
    else:
        left.button("Exclude from findings", icon=":material/visibility_off:", width="stretch",
                    key="exclusion_exclude", help="Kept in the study and reversible.",
                    on_click=act, args=(exclusion.exclude, study, actor, name, kind, reason),
                    kwargs={"done": f"{kind} {name} is left out of findings and agreement."})
    sure = right.checkbox(f"Yes, delete this {kind} and everything coded on it", key="exclusion_sure")
    right.button("Remove", icon=":material/delete:", width="stretch", disabled=not sure, key="exclusion_remove",
                 on_click=act, args=(exclusion.remove, study, actor, name, kind),
                 kwargs={"done": lambda r: f"Removed {r.kind} {r.name}: {r.codings} coding(s) and {r.memos} memo(s); "
                                           "the audit log keeps all of it."})


st.title("Transcripts")
show_flash()
listing, people_tab = st.tabs(["Transcripts", "Participants"])
with listing:
    table_slot = st.container()  # filled after an import so that the list shows it
    if actor.is_admin:
        with st.expander("Add transcripts", icon=":material/upload_file:"):
            upload_form()
        with st.expander("Speakers and roles", icon=":material/record_voice_over:"):
            speakers_section()
        with st.expander("Exclude or remove", icon=":material/visibility_off:"):
            exclusion_section()
    with table_slot:
        transcript_list()
with people_tab:
    participants_section()
