"""Exchange: the study as a REFI-QDA project or codebook for NVivo, MAXQDA, ATLAS.ti and
QualCoder, and their projects and codebooks imported (admins)."""
from __future__ import annotations

import streamlit as st

from study import project_memos, qdpx
from study.app.common import get_study, require_actor
from study.app.display import flash, plain, plain_lines, show_flash
from study.errors import StudyError
from study.importing.uploads import UploadedFile
from study.segmenting import UNITS

study, actor = get_study(), require_actor()
actor.require_admin("exchange the study with other QDA tools")
st.title("Exchange")
show_flash()

st.subheader("Download", anchor=False)
st.caption("Every rater's codings as their own selections (spans kept), memos as dated notes, the codebook, "
           "participants and their attributes.")
left, right = st.columns(2)
unique_names = left.checkbox("Unique code names, for QualCoder", key="qdpx_unique_names",
                             help="QualCoder keeps one code per name: a name used in two branches is written "
                                  "with its parent's, e.g. \"Latency (Performance)\". Other tools read names as they are.")
if left.button("Prepare the project (.qdpx)", icon=":material/inventory_2:"):
    st.session_state["qdpx_bytes"], written = qdpx.project_bytes(study, actor, unique_names)
    if written.not_written:
        flash("warning", "Not written: " + "; ".join(written.not_written))
        st.rerun()
if "qdpx_bytes" in st.session_state:
    left.download_button("Download study.qdpx", st.session_state["qdpx_bytes"], file_name="study.qdpx",
                         mime="application/zip", icon=":material/download:")
right.download_button("Download the codebook (.qdc)", qdpx.codebook_bytes(study, actor), file_name="codebook.qdc",
                      mime="application/xml", icon=":material/download:")

memos = project_memos.project_memos(study, actor)
if memos:
    with st.expander(f"Project memos other tools' projects brought ({len(memos)}); an export gives them back"):
        for memo in memos:
            st.markdown(f"**{plain(memo.name or 'Project memo')}** {plain(memo.author or '')} {plain(memo.created or '')}")
            st.markdown(plain_lines(memo.text))

st.subheader("Import", anchor=False)
st.caption("A project's texts, codebook, participants, each user's codings as spans and their memos are imported "
           "together or not at all; a text missing from the file is left out and named. Texts the study has "
           "already take the file's codings, so several coders' projects merge.")
CREDIT_LABELS = {"coding": "the coding's creator", "selection": "the selection's creator"}
with st.form("qdpx-import", clear_on_submit=True):
    upload = st.file_uploader("A REFI-QDA project (.qdpx) or codebook (.qdc)", type=["qdpx", "qdc"])
    unit = st.selectbox("Segments of new texts", UNITS, index=UNITS.index("turn"))
    credit = st.radio("Where a coding was made by another user than its selection (NVivo writes both), "
                      "credit it to", qdpx.CREDITS, format_func=CREDIT_LABELS.get, horizontal=True)
    if st.form_submit_button("Import", icon=":material/upload:") and upload is not None:
        try:
            result = qdpx.import_upload(study, actor, UploadedFile(upload.name, upload.getvalue()), unit, credit)
        except StudyError as exc:
            flash("error", str(exc))
        else:
            if isinstance(result, qdpx.CodebookExchange):
                flash("success", f"Codebook imported: {result.codes} code(s) added.")
                for item in result.skipped:
                    flash("warning", item)
            else:
                flash("success", result.headline())
                if result.details():
                    flash("warning", "\n".join(result.details()))
        st.session_state.pop("qdpx_bytes", None)
        st.rerun()
