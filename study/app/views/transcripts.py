"""Transcripts: the study's interviews with each coder's progress; admins add files and participants."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import streamlit as st

from study.app.common import get_study, require_actor
from study.app.display import (
    Typed, act, attempt, error, first_page, flash, page_number, pager, plain, said, show_flash, table_styler,
)
from study import corrections, exclusion, workspace
from study.taught_conventions import forget_convention, save_convention, saved_conventions, with_saved
from study.transcripts import Convention, convention_from_example
from study.errors import StudyError
from study.importing.preview import ImportPreview
from study.importing.reading import SUPPORTED
from study.importing.uploads import UploadedFile, preview_uploads, upload_participants, upload_transcripts
from study.listing import TRANSCRIPT_ORDERS, participant_of, segment_rows, transcript_names
from study.roles import ROLES
from study.speakers import merge_speakers, rename_speaker, set_speaker_role, transcript_speakers
from study.participants import list_participants, move_transcript, participant_table, rename_participant
from study.segmenting import UNITS
from study.transcripts import DEFAULT_MAX_BYTES, NO_SPEAKERS_LAYOUT

study, actor = get_study(), require_actor()
ROWS = 50  # transcripts a page


PAGE = "transcripts_page"  # session state: the listing's page number


def transcript_list() -> None:
    """The transcripts a page at a time, found by name or participant and sorted in the database."""
    find, order, direction = st.columns([3, 2, 1], vertical_alignment="bottom")
    contains = find.text_input("Find", key="transcripts_find", placeholder="transcript or participant",
                               on_change=first_page, args=(PAGE,))
    chosen = order.selectbox("Sort by", TRANSCRIPT_ORDERS, key="transcripts_order", on_change=first_page,
                             args=(PAGE,))
    descending = direction.toggle("Descending", key="transcripts_descending", on_change=first_page, args=(PAGE,))
    page = attempt(workspace.transcripts_page, study, actor, page_number(PAGE), ROWS, chosen, descending, contains)
    if page is None:
        return
    if not page.total:
        st.info(plain(f"No transcript's name or participant holds “{contains.strip()}”.") if contains.strip() else
                "No transcripts yet." + (" Add some below." if actor.is_admin else " Ask your study's admin to add them."))
        return
    table = page.table
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
    pager(PAGE, page, "transcripts")
    st.caption(("Each coder's column: " if actor.is_admin else "Your progress: ")
               + "segments coded / segments to code (the participant's turns), and “done” once marked done.")


SUMMARY_NAMES = 10  # transcripts an import's summary names
PENDING, RESULT = "upload_pending", "upload_result"  # session state: the previewed uploads; the last import


@dataclass(frozen=True)
class PendingUpload:
    """Uploads previewed and waiting for the admin to confirm them."""

    files: tuple[UploadedFile, ...]
    participants: UploadedFile | None
    unit: str
    replace: bool
    preview: ImportPreview
    conventions: tuple[Convention, ...] = ()  # turn starts taught at this preview, not yet saved


def upload_form() -> None:
    with st.form("upload", clear_on_submit=True, border=False):
        # No type filter: the uploader's caption would list every type in one line, cut off on a
        # laptop's screen; the help names them, and the preview refuses any other type by name.
        files = st.file_uploader(
            "Transcript files", accept_multiple_files=True,
            help=f"Transcripts ({', '.join(SUPPORTED)}), or a CSV of survey responses; "
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
    kept_conventions()
    if PENDING in st.session_state:
        upload_preview(st.session_state[PENDING])


def kept_conventions() -> None:
    """How turns start as the study keeps it (taught in a preview, or on the command line): each
    read into every import, until forgotten here or with ``study conventions --forget``."""
    for number, convention in enumerate(saved_conventions(study), start=1):
        shown, forget = st.columns([4, 1], vertical_alignment="center")
        shown.caption(plain(f"Every import reads: a turn starts {convention.describe()}."))
        forget.button("Forget", key=f"convention_forget:{number}:{convention.pattern}", icon=":material/delete:",
                      on_click=act, args=(forget_convention, study, actor, number),
                      kwargs={"done": lambda gone: f"Forgotten: a turn starts {gone.describe()}."})


def start_preview(files, people, unit: str, replace: bool) -> None:
    uploads = tuple(UploadedFile(f.name, f.getvalue()) for f in files)
    participants = UploadedFile(people.name, people.getvalue()) if people is not None else None
    st.session_state.pop(RESULT, None)
    with st.spinner("Reading..."):
        preview = attempt(read_uploads, uploads, participants, ())
    if preview is not None:
        st.session_state[PENDING] = PendingUpload(uploads, participants, unit, replace, preview)


def read_uploads(uploads, participants, conventions: tuple[Convention, ...]) -> ImportPreview:
    """The preview of the uploads, read with the conventions taught here and those the study keeps;
    the choices made on the last preview are dropped: it starts from what it read."""
    for key in [k for k in st.session_state if str(k).startswith(("upload_keep:", "upload_role:", "upload_set:",
                                                                   "teach_"))]:
        del st.session_state[key]
    return preview_uploads(actor, uploads, participants=participants, describe=said,
                           conventions=with_saved(study, conventions))


def teach(pending: PendingUpload, index: int) -> None:
    """A turn starts at the line picked in transcript ``index``'s preview, by the speaker named (or
    the label the line shows): every file of the batch is read again that way."""
    line = st.session_state.get(f"teach_line:{index}")
    if not line:
        flash("error", "Pick the line where a turn starts first.")
        return
    try:
        convention = convention_from_example(line, st.session_state.get(f"teach_speaker:{index}") or None)
        taught = (*pending.conventions, convention)
        preview = read_uploads(pending.files, pending.participants, taught)
    except StudyError as exc:
        flash("error", said(exc))
        return
    st.session_state[PENDING] = dataclasses.replace(pending, preview=preview, conventions=taught)
    flash("success", f"Every file read again: a turn starts {convention.describe()}.")


def role_key(transcript: str, speaker: str) -> str:
    return f"upload_role:{transcript}:{speaker}"


def keep_key(pending: PendingUpload, file: str) -> str:
    """The session key of the "Import this file" box of an uploaded file (one per file, which may
    hold several transcripts: a survey's participants), new for each reading of the batch (the
    browser keeps a box's state by its key, and a file read anew starts from what it read)."""
    files = list(dict.fromkeys(t.file for t in pending.preview.transcripts))
    return f"upload_keep:{len(pending.conventions)}:{files.index(file)}"


def set_key(transcript: str) -> str:
    """The session key of the speakers whose role the admin chose in ``transcript``'s preview."""
    return f"upload_set:{transcript}"


def chosen_roles(transcript: str) -> dict[str, str]:
    """The roles the admin chose in the preview of ``transcript`` (speaker -> role)."""
    return {name: st.session_state[role_key(transcript, name)] for name in st.session_state.get(set_key(transcript), ())
            if role_key(transcript, name) in st.session_state}


def role_chosen(transcript: str, speaker: str) -> None:
    st.session_state.setdefault(set_key(transcript), set()).add(speaker)


def upload_preview(pending: PendingUpload) -> None:
    """Each previewed transcript: layout, speakers with their role (editable) and why, first turns,
    and whether to import its file (a document with no speakers, such as the interview protocol,
    starts left out); its lines, to show where a turn starts when the reading missed it."""
    for file, message in (*pending.preview.skipped, *pending.preview.failed):
        st.warning(plain(message), icon=":material/warning:")
    saved = saved_conventions(study)
    if pending.conventions or saved:
        st.caption(plain("Read with: a turn starts " + "; ".join(
            c.describe() + (" (kept for the study)" if c in saved else "") for c in (*pending.conventions, *saved))))
    shown_files: set[str] = set()
    for index, t in enumerate(pending.preview.transcripts):
        with st.container(border=True):
            st.markdown(f"**{plain(t.name)}** · participant {plain(t.participant)} · from {plain(t.file)}")
            if t.layout:
                st.caption(plain(f"Read as {t.layout}" + (f"; runner-up {t.runner_up}" if t.runner_up else "")))
            for warning in t.warnings:
                st.caption(plain(warning))
            if t.words:
                st.caption(plain(f"Words: {t.words.describe()}"))
                if t.words.notes_text:
                    with st.expander(f"Not speech ({len(t.words.notes_text)} part(s): titles, notes, watermarks)"):
                        st.text("\n".join(t.words.notes_text))
            if t.layout == NO_SPEAKERS_LAYOUT:
                st.warning("No speakers found (no speaker labels, Q/A marks, timestamps or caption cues): it reads "
                           "as a document, not an interview. Show where a turn starts below, or tick it to import "
                           "it as one speaker's text.", icon=":material/help:")
            if t.file not in shown_files:
                shown_files.add(t.file)
                st.checkbox("Import this file", value=t.layout != NO_SPEAKERS_LAYOUT, key=keep_key(pending, t.file))
            preview_speakers(t)
            st.text("\n".join(f"{speaker}: {words}" for speaker, words in t.opening))
            every_turn(t)
            teach_form(t, index)
    if pending.conventions:
        st.checkbox("Keep how turns start for this study's later imports", key="teach_keep",
                    help="Saved conventions read every later import; `study conventions` lists and forgets them.")
    go, cancel = st.columns(2)
    go.button("Import", icon=":material/upload:", type="primary", on_click=confirm_upload,
              disabled=not pending.preview.transcripts, key="upload_confirm")
    cancel.button("Cancel", on_click=lambda: st.session_state.pop(PENDING, None), key="upload_cancel")


def preview_speakers(t) -> None:
    """Each speaker with the role chosen or decided and why; a role changed decides the others again."""
    for s in t.with_roles(chosen_roles(t.name)) if t.stats else t.speakers:
        who, role = st.columns([3, 1], vertical_alignment="center")
        who.markdown(f"**{plain(s.name)}** · {s.turns} turns, {s.words} words  \n{plain(s.reason)}")
        key = role_key(t.name, s.name)
        if s.name not in st.session_state.get(set_key(t.name), ()):
            st.session_state[key] = s.role  # decided again: shown as decided
        role.selectbox("Role", ROLES, key=key, label_visibility="collapsed", on_change=role_chosen,
                       args=(t.name, s.name))


def every_turn(t) -> None:
    """Every turn in order, its speaker and first words: a turn read under the wrong speaker shows
    here before anything is stored (the speakers' word counts only hint at it)."""
    if t.turn_count <= len(t.opening):
        return
    shown = "" if len(t.turns) == t.turn_count else f", the first {len(t.turns)}"
    with st.expander(f"All {t.turn_count} turns{shown}", icon=":material/format_list_numbered:"):
        st.text("\n".join(f"{n}. {speaker}: {words}" for n, (speaker, words) in enumerate(t.turns, 1)))


TEACH_LINES = 40  # the lines of a file the teach list offers at once


def lines_to_teach(lines: tuple[str, ...], found: str) -> tuple[str, ...]:
    """The file's lines holding every word typed in the search box (any case), in file order."""
    words = found.casefold().split()
    return tuple(line for line in lines if all(word in line.casefold() for word in words))


def teach_form(t, index: int) -> None:
    """Pick the line where a turn starts and, when nothing marks where the name ends, the speaker."""
    with st.expander("Turns start elsewhere? Show the reader one", icon=":material/school:"):
        found = st.text_input("Find a line", key=f"teach_find:{index}", placeholder="words of the line",
                              help=f"The list shows {TEACH_LINES} lines of the file at a time: type some of a "
                                   "line's words to reach any line.")
        lines = lines_to_teach(t.lines, found)
        if len(lines) > TEACH_LINES:
            st.caption(f"The first {TEACH_LINES} of {len(lines)} lines{' found' if found.strip() else ''}: "
                       "type words of the line you want to find it.")
        st.radio("A turn starts at this line", lines[:TEACH_LINES], index=None, key=f"teach_line:{index}",
                 format_func=plain)  # a line of the file, shown literally (no Markdown, no images)
        st.text_input("By this speaker (optional)", key=f"teach_speaker:{index}", placeholder="e.g. Speaker 1",
                      help="The words of the line that name the speaker; leave empty when the line shows it "
                           "(brackets, a colon, bold, capitals).")
        st.button("Read every file again", key=f"teach_go:{index}", icon=":material/refresh:",
                  on_click=teach, args=(st.session_state[PENDING], index))


def confirm_upload() -> None:
    """Import the previewed uploads with the roles as shown (a callback: the list below shows them)."""
    pending = st.session_state.pop(PENDING, None)
    if pending is None:
        return
    changed = {t.name: chosen_roles(t.name) for t in pending.preview.transcripts}
    left_out = [t.name for t in pending.preview.transcripts
                if not st.session_state.get(keep_key(pending, t.file), t.layout != NO_SPEAKERS_LAYOUT)]
    try:
        if st.session_state.get("teach_keep"):
            for convention in pending.conventions:
                save_convention(study, actor, convention)
        st.session_state[RESULT] = upload_transcripts(
            study, actor, pending.files, participants=pending.participants, unit=pending.unit,
            replace=pending.replace, roles={name: roles for name, roles in changed.items() if roles},
            left_out=left_out, describe=said, conventions=pending.conventions)
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
        for what, names in done:  # which ones: the list above is sorted, a new name may land on another page
            if names:
                shown = ", ".join(names[:SUMMARY_NAMES]) + (f" and {len(names) - SUMMARY_NAMES} more"
                                                            if len(names) > SUMMARY_NAMES else "")
                st.caption(plain(f"{what.capitalize()}: {shown}."))
    for file, message in (*summary.skipped, *summary.failed):
        st.warning(plain(message), icon=":material/warning:")
    for moved in summary.participants_moved:
        st.caption(plain(f"Given to the participant the table names: {moved}"))
    for warning in summary.warnings:
        st.warning(plain(warning), icon=":material/warning:")
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
                applied = upload_participants(study, actor, UploadedFile(upload.name, upload.getvalue()))
            except StudyError as exc:
                error(exc)
            else:
                st.success(f"Saved {applied.participants} participant(s); {len(applied.moved)} transcript(s) "
                           "given to the participant the table names.", icon=":material/check_circle:")
                for moved in applied.moved:
                    st.caption(plain(moved))
                if applied.not_in_study:
                    st.warning(plain(f"Not applied, no such transcript in the study: {', '.join(applied.not_in_study)}. "
                                     "Upload the table with those transcripts to apply it."), icon=":material/warning:")


def speakers_section() -> None:
    """Admins: each speaker of a stored transcript with their role and why; a role changed here keeps
    every coding, memo and decision (``study speakers NAME --set-role`` on the command line)."""
    names = transcript_names(study)
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


def fix_section() -> None:
    """Admins: correct a stored transcript (``study fix`` on the command line): speakers, one turn,
    a typo, its participant. Codings, spans, memos and decisions follow; each fix is audited."""
    names = transcript_names(study)
    if not names:
        return
    name = st.selectbox("Transcript", names, key="fix_transcript")
    segments = segment_rows(study, name)
    names = list(dict.fromkeys(s["speaker"] for s in segments))
    who, turn, person, flagged = st.tabs(["Speakers", "A turn", "Participant", "Flagged codings"])
    with who, st.form("fix_speakers", border=False):
        left, right = st.columns(2)
        left.selectbox("Speaker", names, key="fix_speaker")
        right.text_input("New name, or the speaker to merge into", key="fix_speaker_new",
                         placeholder="e.g. Dana")
        rename, merge = st.columns(2)
        rename.form_submit_button("Rename", on_click=fix_speaker, args=(name, rename_speaker), width="stretch")
        merge.form_submit_button("Merge into", on_click=fix_speaker, args=(name, merge_speakers), width="stretch",
                                 help="Every turn of the speaker goes to the other one, who keeps their role.")
    with turn:
        turn_fixes(name, segments, names)
    with person:
        participant = participant_of(study, name)
        st.caption(plain(f"{name} is participant {participant}'s."))
        with st.form("fix_participant", border=False):
            st.text_input("Participant", key="fix_participant", placeholder="e.g. P07")
            give, call = st.columns(2)
            give.form_submit_button("Give the transcript to them", on_click=fix_participant, width="stretch",
                                    args=(move_transcript, name, lambda moved: f"{moved}."))
            call.form_submit_button(f"Rename {participant}", on_click=fix_participant, width="stretch",
                                    args=(rename_participant, participant,
                                          lambda new: f"Participant {participant} is {new} now."))
    with flagged:
        items = attempt(corrections.flagged_codings, study, actor, name) or []
        if items:
            st.dataframe([{"segment": f.segment, "rater": f.rater, "code": f.code, "words": f.text,
                           "why": f.reason, "by": f.by} for f in items], hide_index=True, width="stretch")
        else:
            st.caption("No coding of this transcript had its words corrected.")


def turn_fixes(name: str, segments: list[dict], names: list[str]) -> None:
    """One turn: who speaks it, split it, merge it with the next, correct a typo in a segment."""
    if not segments:
        return
    index = st.selectbox("Segment", [s["index"] for s in segments], key="fix_segment",
                         format_func=lambda i: f"{i} · {segments[i]['speaker']}: {' '.join(segments[i]['text'].split())[:60]}")
    segment = segments[index] if index < len(segments) else segments[0]
    with st.form("fix_turn", border=False):
        left, right = st.columns(2)
        left.selectbox("Speaker", names, index=names.index(segment["speaker"]), key="fix_turn_speaker")
        right.text_input("Or a new speaker", key="fix_turn_new", placeholder="e.g. Note-taker")
        st.text_input("Split before these words", key="fix_split_before",
                      help="The words must stand once in the segment; the second part goes to the speaker above.")
        speaker, split, merge = st.columns(3)
        speaker.form_submit_button("Give the turn to the speaker", on_click=fix_turn_speaker, args=(name, index),
                                   width="stretch")
        split.form_submit_button("Split the turn", on_click=fix_split, args=(name, index), width="stretch")
        merge.form_submit_button("Merge with the next turn", on_click=act, width="stretch",
                                 args=(corrections.merge_turns, study, actor, name, index), kwargs={"done": said_fix})
    key = f"fix_text:{name}:{index}:{segment['start']}:{segment['end']}"
    with st.form("fix_text", border=False):
        st.text_area("Correct the text", value=segment["text"], key=key,
                     help="Later offsets and spans follow; codings on the changed words are kept and flagged.")
        st.form_submit_button("Save the correction", on_click=act, kwargs={"done": said_fix},
                              args=(correct_from, name, index, key))


def said_fix(fixed) -> str:
    return f"{fixed.said}." + (f" Flagged, their words changed: {'; '.join(fixed.flagged)}." if fixed.flagged else "")


def correct_from(name: str, index: int, key: str):
    return corrections.correct_text(study, actor, name, index, st.session_state[key])


def fix_speaker(name: str, action) -> None:
    act(action, study, actor, name, st.session_state["fix_speaker"], st.session_state["fix_speaker_new"],
        done=lambda s: f"{s.name} in {name}: {s.turns} turns, {s.role}.")


def fix_turn_speaker(name: str, index: int) -> None:
    speaker = st.session_state["fix_turn_new"].strip() or st.session_state["fix_turn_speaker"]
    act(corrections.change_turn_speaker, study, actor, name, index, speaker, done=said_fix)


def fix_split(name: str, index: int) -> None:
    speaker = st.session_state["fix_turn_new"].strip() or st.session_state["fix_turn_speaker"]
    act(corrections.split_turn, study, actor, name, index, st.session_state["fix_split_before"], speaker,
        done=said_fix)


def fix_participant(action, target: str, done) -> None:
    act(action, study, actor, target, st.session_state["fix_participant"], done=done)


def exclusion_section() -> None:
    """Admins: leave a transcript or a participant out of findings and agreement, take it back, or
    remove a transcript for good (the audit log keeps what it held)."""
    records = exclusion.exclusions(study)
    if records:
        st.dataframe(table_styler(exclusion.exclusion_table(records)), hide_index=True, width="stretch")
    else:
        st.caption("Nothing is excluded: every transcript counts in findings and agreement.")
    people = [r["participant"] for r in list_participants(study)]
    options = [("transcript", name) for name in transcript_names(study)] + [("participant", p) for p in people]
    if not options:
        return
    chosen = st.selectbox("Transcript or participant", options, format_func=lambda o: f"{o[0]}: {o[1]}",
                          key="exclusion_target")
    st.text_input("Reason (optional)", key="exclusion_reason", placeholder="e.g. uploaded by mistake")
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
                    on_click=act, args=(exclusion.exclude, study, actor, name, kind, Typed("exclusion_reason")),
                    kwargs={"done": f"{kind} {name} is left out of findings and agreement."})
    sure = right.checkbox(f"Yes, delete this {kind} and everything coded on it", key="exclusion_sure")
    right.button("Remove", icon=":material/delete:", width="stretch", disabled=not sure, key="exclusion_remove",
                 on_click=act, args=(exclusion.remove, study, actor, name, kind),
                 kwargs={"done": lambda r: f"Removed {r.kind} {r.name}: {r.codings} coding(s) and {r.memos} memo(s); "
                                           "the audit log keeps all of it."})


ADMIN_TOOLS = (  # (label, icon, key, section): drawn only while open, so the closed tools cost the page nothing
    ("Add transcripts", ":material/upload_file:", "tools_add", upload_form),
    ("Speakers and roles", ":material/record_voice_over:", "tools_speakers", speakers_section),
    ("Fix after import", ":material/build:", "tools_fix", fix_section),
    ("Exclude or remove", ":material/visibility_off:", "tools_exclude", exclusion_section),
)


def admin_tools() -> None:
    for label, icon, key, section in ADMIN_TOOLS:
        tool = st.expander(label, icon=icon, key=key, on_change="rerun")
        if tool.open:
            with tool:
                section()


st.title("Transcripts")
show_flash()
listing, people_tab = st.tabs(["Transcripts", "Participants"], key="transcripts_tab", on_change="rerun")
if listing.open:
    with listing:
        table_slot = st.container()  # filled after an import so that the list shows it
        if actor.is_admin:
            admin_tools()
        with table_slot:
            transcript_list()
if people_tab.open:
    with people_tab:
        participants_section()
