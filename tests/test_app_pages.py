"""The app's study pages (Transcripts, Codebook, Agreement, Adjudicate, Findings, Audit) run
headless with streamlit.testing.v1.AppTest on a copy of the sample study."""
from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from study import adjudication, audit_log, auth, codes, codings, corrections, findings, report, sources
from study.agreement import visibility
from study.agreement.study_agreement import agreement_report
from study.auth import Actor
from study.codings import done_by, segments_frame
from study.errors import NotAllowed
from study.listing import segment_rows, transcript_rows
from study.store import Study

ROOT = Path(__file__).resolve().parents[1]
ADMIN = Actor("admin", "admin")
ALICE = Actor("alice", "coder")
ADMIN_PAGES = ("adjudicate", "findings", "audit")
CODER_PAGES = ("transcripts", "codebook", "agreement")
TITLES = {"transcripts": "Transcripts", "codebook": "Codebook", "agreement": "Agreement",
          "adjudicate": "Adjudicate", "findings": "Findings", "audit": "Audit log"}


def ensure_compared_transcript(study: Study) -> None:
    """alice and bob both finished one transcript (the sample codings do that; else code one here)."""
    if set.intersection(*done_by(study, auth.CLI, ["alice", "bob"]).values()):
        return
    segments = segments_frame(study)
    first = segments.transcript.iloc[0]
    mine = segments[(segments.transcript == first) & (segments.role == "participant")].segment.tolist()
    for n, index in enumerate(mine[:6]):
        codings.apply_code(study, auth.CLI, "alice", first, int(index), "Decision stages/Model selection")
        if n % 2 == 0:
            codings.apply_code(study, auth.CLI, "bob", first, int(index), "Decision stages/Model selection")
        else:
            codings.apply_code(study, auth.CLI, "bob", first, int(index), "Decision stages/Model deployment")
    for rater in ("alice", "bob"):
        codings.mark_done(study, auth.CLI, rater, first, anyway=True)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory, sample_studies) -> Path:
    path = sample_studies.copy(tmp_path_factory.mktemp("sample") / "study.db")
    study = Study.open(f"sqlite:///{path}")
    ensure_compared_transcript(study)
    study.close()
    return path


@pytest.fixture
def study_db(sample_db, tmp_path, monkeypatch) -> str:
    """A fresh copy of the sample study, served to the app through STUDY_DB."""
    copy = tmp_path / "study.db"
    shutil.copy(sample_db, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("STUDY_DB", url)
    st.cache_resource.clear()  # the app keeps one Study per process: forget the last test's
    st.cache_data.clear()
    return url


@pytest.fixture
def study(study_db) -> Study:
    s = Study.open(study_db)
    yield s
    s.close()


# The Transcripts page's admin tools, drawn only once opened (a click on each expander's header)
TRANSCRIPT_TOOLS = ("tools_add", "tools_speakers", "tools_fix", "tools_exclude")


def open_page(page: str, actor: Actor, opened: tuple[str, ...] = ()) -> AppTest:
    """``page`` as ``actor`` sees it, with the expanders keyed ``opened`` open, as clicks open them."""
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=120)
    at.session_state["actor"] = actor
    at.run()
    at.switch_page(f"views/{page}.py")
    for key in opened:
        at.session_state[key] = True
    return at.run()


def texts(at: AppTest) -> str:
    """What the page says: its Markdown, messages and text, and the text (not the markup) of its HTML blocks."""
    said = [str(e.value) for kind in ("markdown", "caption", "info", "success", "warning", "error", "text")
            for e in getattr(at, kind)]
    return "\n".join(said + [html_text(e.value) for e in at.get("html")])


def html_text(body: str) -> str:
    """An HTML block's text as a reader sees it: styles and tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]*>", "", re.sub(r"<style>.*?</style>", "", body, flags=re.S)))


# -- every page renders -----------------------------------------------------------


@pytest.mark.parametrize("page", CODER_PAGES + ADMIN_PAGES)
def test_page_renders_for_an_admin(study_db, page):
    at = open_page(page, ADMIN)
    assert not at.exception
    assert at.title[0].value == TITLES[page]
    assert not at.error


@pytest.mark.parametrize("page", CODER_PAGES)
def test_page_renders_for_a_coder(study_db, page):
    at = open_page(page, ALICE)
    assert not at.exception
    assert at.title[0].value == TITLES[page]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_a_coder_cannot_reach_admin_pages(study_db, page):
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=60)
    at.session_state["actor"] = ALICE
    at.run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"views/{page}.py")


def test_the_library_refuses_a_coder_what_admin_pages_show(study):
    with pytest.raises(NotAllowed):
        audit_log.audit_log(study, ALICE)
    with pytest.raises(NotAllowed):
        adjudication.disagreements(study, ALICE, ["alice", "bob"])
    with pytest.raises(NotAllowed):
        adjudication.auto_adjudicate(study, ALICE, ["alice", "bob"])
    with pytest.raises(NotAllowed):
        findings.frequency_table(study, ALICE, source="bob")
    with pytest.raises(NotAllowed):
        report.build_report(study, ALICE, source="bob")
    with pytest.raises(NotAllowed):
        agreement_report(study, ALICE, ["alice", "bob"])
    with pytest.raises(NotAllowed):
        codes.merge_codes(study, ALICE, "Decision stages/Model selection", "Decision stages/Model deployment")


# -- transcripts ------------------------------------------------------------------


def test_transcripts_show_each_coders_progress_to_an_admin(study_db):
    table = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS).dataframe[0].value
    assert {"transcript", "participant", "segments", "alice", "bob"} <= set(table.columns)
    assert table["alice"].str.contains("done").any()


def test_a_coder_sees_only_their_own_progress(study_db):
    at = open_page("transcripts", ALICE)
    table = at.dataframe[0].value
    assert "alice" in table.columns and "bob" not in table.columns
    assert not at.file_uploader  # no upload for coders


def test_the_transcripts_list_pages_and_finds(study_db, study):
    from tests.factories import add_interview

    before = len(transcript_rows(study))
    for n in range(55 - before):
        add_interview(study, f"Z{n:02d}", f"Z{n:02d}", ["Yes."])
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    assert len(at.dataframe[0].value) == 50
    assert "1–50 of 55 transcripts · page 1 of 2" in texts(at)
    at.button(key="transcripts_page:next").click().run()
    assert list(at.dataframe[0].value["transcript"]) == [f"Z{n:02d}" for n in range(50 - before, 55 - before)]
    at.text_input(key="transcripts_find").set_value("z0").run()  # a new filter starts at its first page
    assert list(at.dataframe[0].value["transcript"]) == [f"Z{n:02d}" for n in range(10)]
    assert "10 of 10 transcripts" in texts(at)


def test_the_transcripts_pages_tools_are_drawn_once_opened(study_db):
    at = open_page("transcripts", ADMIN)  # closed: the page draws the table and the tools' headers only
    assert not at.file_uploader and at.dataframe
    assert [e.label for e in at.expander][:4] == ["Add transcripts", "Speakers and roles", "Fix after import",
                                                  "Exclude or remove"]
    at.session_state["tools_add"] = True  # a click on "Add transcripts"
    assert at.run().file_uploader


def test_admin_uploads_a_transcript_and_sees_it_listed(study_db):
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    uploader = at.file_uploader[0]
    uploader.upload("P99-2024-01-01.txt", b"Interviewer: Which model?\n\nP99: The one with most downloads.\n",
                    "text/plain")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception
    assert "P99-2024-01-01" not in set(at.dataframe[0].value["transcript"])  # previewed, not stored yet
    at.button(key="upload_confirm").click()
    at.run()
    assert not at.exception
    assert any("1 imported" in s.value for s in at.success)
    assert "Imported: P99-2024-01-01." in [c.value.replace("\\", "") for c in at.caption]  # which one (escaped text)
    assert "P99-2024-01-01" in set(at.dataframe[0].value["transcript"])


def test_upload_preview_shows_speakers_and_roles_and_stores_the_roles_chosen(study_db, study):
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.file_uploader[0].upload("P98.txt", b"Sam: I started in 2019.\n\nKim: What did you build?\n\n"
                                          b"Sam: Classifiers.\n\nKim: Which ones?\n", "text/plain")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception
    shown = texts(at)
    assert "asks questions in 2 of 2 turns" in shown  # Kim; Sam asks none
    assert "Sam: I started in 2019." in shown
    assert at.selectbox(key="upload_role:P98:Kim").value == "interviewer"
    assert "P98" not in {t["name"] for t in transcript_rows(study)}
    at.selectbox(key="upload_role:P98:Kim").set_value("participant")
    at.selectbox(key="upload_role:P98:Sam").set_value("interviewer")
    at.run()
    at.button(key="upload_confirm").click()
    at.run()
    assert not at.exception
    assert {(s["speaker"], s["role"]) for s in segment_rows(study, "P98")} == {
        ("Sam", "interviewer"), ("Kim", "participant")}


def test_admin_changes_a_stored_speakers_role_and_the_codings_stay(study_db, study):
    first = transcript_rows(study)[0]["name"]
    segments = segment_rows(study, first)
    participant = next(s["speaker"] for s in segments if s["role"] == "participant")
    codings_before = codings.codings_of(study, auth.CLI, "alice", first)
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.selectbox(key="speakers_transcript").set_value(first).run()
    at.selectbox(key=f"stored_role:{first}:{participant}").set_value("interviewer").run()
    assert not at.exception
    assert any("is now interviewer" in t.value for t in at.toast)
    assert {s["role"] for s in segment_rows(study, first) if s["speaker"] == participant} == {"interviewer"}
    assert codings.codings_of(study, auth.CLI, "alice", first) == codings_before


def test_admin_corrects_a_typo_and_splits_a_turn_after_import_and_the_codings_follow(study_db, study):
    first = transcript_rows(study)[0]["name"]
    coded = next(r for r in codings.codings_of(study, auth.CLI, "alice", first) if r.segment is not None)
    segment = next(s for s in segment_rows(study, first) if s["index"] == coded.segment)
    later = [(r.code, r.segment) for r in codings.codings_of(study, auth.CLI, "alice", first)
             if r.segment is not None and r.segment > coded.segment]
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.selectbox(key="fix_transcript").set_value(first).run()
    at.selectbox(key="fix_segment").set_value(coded.segment).run()
    area = next(a for a in at.text_area if a.key.startswith(f"fix_text:{first}:{coded.segment}:"))
    area.set_value(segment["text"] + " (sic)")
    at.button[[b.label for b in at.button].index("Save the correction")].click().run()
    assert not at.exception
    assert any("now reads" in t.value for t in at.toast)
    assert next(s for s in segment_rows(study, first) if s["index"] == coded.segment)["text"] == segment["text"] + " (sic)"
    assert any(f.rater == "alice" for f in corrections.flagged_codings(study, ADMIN, first))
    words = segment["text"].split()
    at.text_input(key="fix_split_before").set_value(" ".join(words[len(words) // 2:len(words) // 2 + 3]))
    at.button[[b.label for b in at.button].index("Split the turn")].click().run()
    assert not at.exception
    assert any("is two turns" in t.value for t in at.toast)
    assert [(code, index + 1) for code, index in later] == [
        (r.code, r.segment) for r in codings.codings_of(study, auth.CLI, "alice", first)
        if r.segment is not None and r.segment > coded.segment + 1]


def test_a_participants_table_uploaded_later_moves_imported_transcripts_and_says_what_it_could_not(study_db, study):
    first = transcript_rows(study)[0]["name"]
    at = open_page("transcripts", ADMIN)
    at.session_state["transcripts_tab"] = "Participants"  # a click on the tab: drawn only once opened
    at.run()
    uploader = next(u for u in at.file_uploader if u.label == "Participants CSV")
    uploader.upload("people.csv", f"participant,transcript\nP77,{first}\nP78,not-imported\n".encode(), "text/csv")
    at.form_submit_button[[b.label for b in at.form_submit_button].index("Save participants")].click().run()
    assert not at.exception
    assert any("1 transcript(s) given to the participant the table names" in s.value for s in at.success)
    assert any("not\\-imported" in w.value for w in at.warning)
    assert next(r for r in transcript_rows(study) if r["name"] == first)["participant"] == "P77"


def test_a_bad_upload_is_a_friendly_warning(study_db):
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.file_uploader[0].upload("empty.txt", b"  \n", "text/plain")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception
    assert at.button(key="upload_confirm").disabled  # nothing to import
    assert [w.value for w in at.warning] == ["empty\\.txt\\: is empty; export the transcript again"]


# -- codebook ---------------------------------------------------------------------


def test_admin_adds_a_code(study_db, study):
    at = open_page("codebook", ADMIN)
    next(t for t in at.text_input if t.label == "Name").set_value("Gut feeling")
    next(t for t in at.text_area if t.label == "Definition").set_value("The participant picks a model by intuition.")
    next(b for b in at.button if b.label == "Add code").click().run()
    assert not at.exception
    assert any(e.name == "Gut feeling" for e in codes.codebook_entries(study, ADMIN))


def test_admin_adds_a_code_below_a_code_and_findings_offer_the_parent_rule_per_table(study_db, study):
    parent = codes.codebook_entries(study, ADMIN)[0]
    at = open_page("codebook", ADMIN)
    next(s for s in at.selectbox if s.label == "Under").set_value(parent.ref)
    next(t for t in at.text_input if t.label == "Name").set_value("Gut feeling")
    next(t for t in at.text_area if t.label == "Definition").set_value("Picked by intuition.")
    next(b for b in at.button if b.label == "Add code").click().run()
    assert not at.exception
    child = next(e for e in codes.codebook_entries(study, ADMIN) if e.name == "Gut feeling")
    assert (child.parent_id, child.ref) == (parent.id, f"{parent.ref}/Gut feeling")
    at = open_page("findings", ADMIN)
    rule = at.segmented_control(key="parent-rule-Frequency")
    assert rule.value == "with-codes-below"
    rule.set_value("own-codings").run()
    assert not at.exception
    open_table_tab(at)
    assert "A code counts only its own codings" in texts(at)
    at.segmented_control(key="findings_view").set_value("Participants × codes").run()
    assert at.segmented_control(key="parent-rule-Participants × codes").value == "with-codes-below"  # per table


def test_codebook_downloads_yaml(study_db):
    at = open_page("codebook", ALICE)
    assert [b.proto.label for b in at.get("download_button")] == ["Download codebook (YAML)"]


# -- agreement --------------------------------------------------------------------


def test_agreement_shows_the_table_with_bands_to_an_admin(study_db):
    at = open_page("agreement", ADMIN)
    assert not at.exception
    assert at.metric[0].label == "Median α over codes"
    assert "α" in at.dataframe[0].value.columns or "alpha" in at.dataframe[0].value.columns


def test_a_coder_sees_agreement_only_when_allowed(study_db, study):
    at = open_page("agreement", ALICE)
    assert not at.metric
    assert "ask your study" in texts(at)
    visibility.set_coders_see_agreement(study, ADMIN, True)
    at = open_page("agreement", ALICE)
    assert not at.exception
    assert [m.label for m in at.metric] == ["Codes with a band", "Segments compared"]
    assert list(at.dataframe[0].value.columns) == ["Theme", "Code", "Applied by you", "Agreement"]
    assert not at.tabs  # no chart, breakdowns or disagreements: nothing with a figure in it


# -- adjudicate -------------------------------------------------------------------


def test_admin_resolves_a_disagreement(study_db, study):
    at = open_page("adjudicate", ADMIN)
    before = adjudication.adjudication_progress(study, ["alice", "bob"], ADMIN).resolved
    at.text_input[0].set_value("alice's reading fits the definition").run()
    at.button(key="decide-take:alice").click().run()
    assert not at.exception
    assert adjudication.adjudication_progress(study, ["alice", "bob"], ADMIN).resolved == before + 1
    record = adjudication.resolutions(study, ADMIN, ["alice", "bob"])[-1]
    assert record.decision == "take:alice" and record.reason == "alice's reading fits the definition"


def test_carry_agreements_button_builds_the_consensus(study_db, study):
    at = open_page("adjudicate", ADMIN)
    next(b for b in at.button if b.label == "Carry agreements").click().run()
    assert not at.exception
    assert sources.findings_sources(study, ADMIN)[0].source == "consensus"


def test_the_consensus_decisions_are_read_when_opened_a_page_at_a_time(study_db, study):
    adjudication.auto_adjudicate(study, ADMIN, ["alice", "bob"])
    at = open_page("adjudicate", ADMIN)
    decided = next(e for e in at.expander if e.label == "Consensus decisions")
    assert not decided.dataframe  # not read until opened
    at.session_state["adjudicate_history"] = True
    at.run()
    decided = next(e for e in at.expander if e.label == "Consensus decisions")
    total = len(adjudication.resolutions(study, ADMIN, ["alice", "bob"]))
    shown = decided.dataframe[0].value
    assert len(shown) == min(total, 50) and total > 0
    assert f"of {total:,} decisions" in texts(at)


# -- findings ---------------------------------------------------------------------


def open_table_tab(at) -> None:
    """The Frequency view's Table tab, as a click on it: computed when opened."""
    at.session_state["frequency_tab"] = "Table"
    at.run()
    assert not at.exception


@pytest.mark.parametrize("view", ["Frequency", "Participants × codes", "Factors", "Demographics",
                                  "Co-occurrence", "Saturation", "Framework"])
def test_each_findings_view_renders(study_db, view):
    at = open_page("findings", ADMIN)
    at.segmented_control(key="findings_view").set_value(view).run()
    assert not at.exception
    assert not at.error


def test_findings_name_a_transcript_not_yet_coded_and_leave_it_out_of_m(study_db, study):
    from tests.factories import add_interview

    add_interview(study, "P11-2022-08-09", "P11", ["Nothing coded here yet."])
    at = open_page("findings", ADMIN)
    assert not at.exception
    shown = re.sub(r"\\(.)", r"\1", texts(at))  # the page escapes Markdown: read it as the reader does
    assert "Not yet coded: P11-2022-08-09 (1 transcript(s) not marked done by alice and bob)" in shown
    assert "not yet coded: P11-2022-08-09 (left out of M)" in shown


@pytest.mark.parametrize("view", ["Frequency", "Participants × codes", "Demographics", "Framework"])
def test_findings_say_what_m_covers_once_per_view(study_db, study, view):
    """The page states the coverage above every view; the table's caption (which carries it into files) does
    not repeat it."""
    from tests.factories import add_interview

    add_interview(study, "P11-2022-08-09", "P11", ["Nothing coded here yet."])
    at = open_page("findings", ADMIN)
    at.segmented_control(key="findings_view").set_value(view).run()
    if view == "Frequency":
        open_table_tab(at)
    assert not at.exception
    shown = re.sub(r"\\(.)", r"\1", texts(at))
    assert shown.count("Included: ") == 1 and shown.count("(left out of M)") == 1
    assert "participants whose transcripts are coded" in shown  # the rest of the table's caption stays


def test_findings_frequency_quotes_are_chosen_only_for_the_table(study_db, monkeypatch):
    chosen = []
    monkeypatch.setattr(findings, "exemplars", lambda *args: chosen.append(args) or {})
    at = open_page("findings", ADMIN)
    assert [t.label for t in at.tabs] == ["Chart", "Table"]
    assert at.tabs[1].dataframe and len(chosen) == 1  # the table opens first, its quotes chosen once
    at.session_state["frequency_tab"] = "Chart"  # a click on the Chart tab
    at.run()
    assert not at.exception and not at.tabs[1].dataframe
    assert len(chosen) == 1  # the chart shows no quotes: none chosen again


def test_the_table_tab_shows_the_counts_while_the_quotes_are_chosen(study_db, monkeypatch):
    """Choosing the exemplar quotes ranks every coded segment (at 500 interviews most of the tab's time): the
    counts are drawn first, and the rest of the page; then the counts are replaced by the whole table, with
    its quotes and its downloads once."""
    from study.app.components import chart_warmup

    events = []
    chosen, drawn, warm = findings.exemplars, st.dataframe, chart_warmup.warm_charts
    monkeypatch.setattr(findings, "exemplars", lambda *args: events.append("quotes") or chosen(*args))
    monkeypatch.setattr(st, "dataframe", lambda data, *args, **kw: events.append(list(data.data))
                        or drawn(data, *args, **kw))  # the table's columns, as drawn
    monkeypatch.setattr(chart_warmup, "warm_charts", lambda: events.append("page end") or warm())  # after the report
    at = open_page("findings", ADMIN)
    assert not at.exception
    counts, end, quotes, whole = events
    assert "Exemplar quote" not in counts and end == "page end" and quotes == "quotes"
    assert whole == [*counts, "Exemplar quote"]
    assert len(at.tabs[1].dataframe) == 1 and at.tabs[1].dataframe[0].value["Exemplar quote"].str.len().max() > 0
    labels = [b.proto.label for b in at.tabs[1].get("download_button")]
    assert sorted(labels) == sorted(set(labels)) and "CSV" in labels


def test_the_framework_matrix_shows_a_page_of_participants(study_db, study, monkeypatch):
    from tests.factories import add_interview

    for label in ("P11", "P12"):  # the sample study's ten participants, and two more coded
        add_interview(study, f"{label}-2022-08-09", label, ["Yes."])
        for rater in ("alice", "bob"):
            codings.mark_done(study, auth.CLI, rater, f"{label}-2022-08-09", anyway=True)
    whole = [row["participant"] for row in findings.framework_table(study, ADMIN).rows]
    built = []
    monkeypatch.setattr(findings, "framework_table", lambda *args: built.append(args))
    at = open_page("findings", ADMIN)
    at.segmented_control(key="findings_view").set_value("Framework").run()
    assert list(at.dataframe[0].value["Participant"]) == whole[:10]
    assert "1–10 of 12 participants · page 1 of 2" in texts(at)
    at.button(key="framework_page:next").click().run()
    assert list(at.dataframe[0].value["Participant"]) == whole[10:] == ["P11", "P12"]
    assert not built  # the whole matrix is built by a download button's click alone


def test_findings_offer_each_table_format_and_the_report(study_db):
    at = open_page("findings", ADMIN)
    open_table_tab(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"Word", "LaTeX", "CSV", "Excel", "Markdown", "Word report", "HTML report"} <= set(labels)


# -- audit ------------------------------------------------------------------------


def test_audit_filters_by_text(study_db):
    at = open_page("audit", ADMIN)
    at.text_input[0].set_value("study-demo-no-such-thing").run()
    assert not at.exception
    assert "No entry matches." in texts(at)


def test_an_uploaded_document_with_no_speakers_starts_left_out_and_can_be_ticked_in(study_db, study):
    protocol = b"Interview protocol\n\nCould you describe your role?\n\nHow do you choose a model?\n"
    interview = b"Interviewer: Which model?\n\nP97: The one with most downloads.\n"
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.file_uploader[0].upload("P97.txt", interview, "text/plain")
    at.file_uploader[0].upload("Protocol.txt", protocol, "text/plain")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception
    assert "it reads as a document, not an interview" in texts(at)
    assert [box.value for box in at.checkbox if box.label == "Import this file"] == [True, False]
    at.button(key="upload_confirm").click()
    at.run()
    assert not at.exception
    names = {t["name"] for t in transcript_rows(study)}
    assert "P97" in names and "Protocol" not in names
    assert any(w.value.startswith("Protocol") and "left out at the preview" in w.value for w in at.warning)


def test_a_document_with_no_speakers_ticked_in_the_preview_is_imported(study_db, study):
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.file_uploader[0].upload("Notes.txt", b"Notes\n\nThe participant spoke fast.\n", "text/plain")
    at.form_submit_button[0].click()
    at.run()
    next(box for box in at.checkbox if box.label == "Import this file").check()
    at.run()
    at.button(key="upload_confirm").click()
    at.run()
    assert not at.exception
    assert "Notes" in {t["name"] for t in transcript_rows(study)}


def test_a_role_changed_in_the_preview_decides_the_others_again_with_their_reasons(study_db, study):
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    # Kim asks in 2 of 2 turns, Sam in none; the note-taker Lea opens the recording.
    at.file_uploader[0].upload("P96.txt", b"Lea: Recording now.\n\nKim: What did you build?\n\n"
                                          b"Sam: Classifiers.\n\nKim: Which ones?\n\nSam: Small ones.\n", "text/plain")
    at.form_submit_button[0].click()
    at.run()
    assert "not the interviewer (Kim is)" in texts(at).replace("\\", "")  # Markdown escapes the brackets
    at.selectbox(key="upload_role:P96:Kim").set_value("other")
    at.run()
    assert not at.exception
    shown = texts(at).replace("\\", "")
    assert "set by you" in shown and "not the interviewer (Kim is)" not in shown
    assert "no interviewer found" in shown  # with Kim other, nobody left clearly asks
    at.button(key="upload_confirm").click()
    at.run()
    assert {(s["speaker"], s["role"]) for s in segment_rows(study, "P96")} == {
        ("Lea", "participant"), ("Kim", "other"), ("Sam", "participant")}


# Nothing marks where a label ends ("Voice 1 Thanks"), and "Voice" is no role word: no reader reads it alone
# (a role word before a space, "Speaker 1 Thanks", is read: the spaced-label shape).
BARE_LABELS = (b"Voice 1 Thanks for joining. How did you start?\nVoice 2 By accident, a friend needed help.\n"
               b"Voice 1 Which model?\nVoice 2 A sentiment model.\n")


def test_a_turn_start_shown_in_the_preview_rereads_every_file_and_can_be_kept(study_db, study):
    from study.taught_conventions import saved_conventions

    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.file_uploader[0].upload("Z1.txt", BARE_LABELS, "text/plain")
    at.file_uploader[0].upload("Z2.txt", BARE_LABELS.replace(b"sentiment", b"small"), "text/plain")
    at.form_submit_button[0].click()
    at.run()
    assert "upload_role:Z1:Unknown" in at.session_state  # read as one unknown speaker
    at.radio(key="teach_line:0").set_value("Voice 1 Thanks for joining. How did you start?")
    at.text_input(key="teach_speaker:0").input("Voice 1")
    at.button(key="teach_go:0").click()
    at.run()
    assert not at.exception
    assert at.selectbox(key="upload_role:Z1:Voice 1").value == "interviewer"
    assert at.selectbox(key="upload_role:Z2:Voice 2").value == "participant"  # the other file is read again too
    at.checkbox(key="teach_keep").check()
    at.button(key="upload_confirm").click()
    at.run()
    assert [s["speaker"] for s in segment_rows(study, "Z2")] == ["Voice 1", "Voice 2"] * 2
    assert [c.example for c in saved_conventions(study)] == ["Voice 1 Thanks for joining. How did you start?"]


def test_a_turn_start_past_the_first_40_lines_can_be_found_and_taught(study_db, study):
    # found by a new user: the teach list offered only a file's first 40 lines
    preamble = b"".join(f"Note {n} on the recording setup.\n".encode() for n in range(1, 46))
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.file_uploader[0].upload("Z3.txt", preamble + BARE_LABELS, "text/plain")
    at.form_submit_button[0].click()
    at.run()
    start = "Voice 1 Thanks for joining. How did you start?"  # line 46
    offered = at.radio(key="teach_line:0").options  # as shown (escaped)
    assert len(offered) == 40 and not any("Thanks for joining" in line for line in offered)
    assert any("The first 40 of 49 lines" in c.value for c in at.caption)
    at.text_input(key="teach_find:0").input("thanks JOINING")
    at.run()
    [offered] = at.radio(key="teach_line:0").options
    assert "Thanks for joining" in offered
    at.radio(key="teach_line:0").set_value(start)
    at.text_input(key="teach_speaker:0").input("Voice 1")
    at.button(key="teach_go:0").click()
    at.run()
    assert not at.exception
    assert at.selectbox(key="upload_role:Z3:Voice 2").value == "participant"


def test_the_upload_preview_lists_every_turn_in_order_before_anything_is_stored(study_db, study):
    # before, it showed the first three turns: a turn read under the wrong speaker further on was
    # visible only as a speaker's word count
    interview = (b"Ana: How did you start?\nBen: By accident.\nAna: Which model?\nBen: A small one.\n"
                 b"Ana: Why that one?\nBen: It was free.\n")
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    at.file_uploader[0].upload("T9.txt", interview, "text/plain")
    at.form_submit_button[0].click()
    at.run()
    assert not at.exception
    listed = next(e for e in at.expander if e.label == "All 6 turns")
    assert listed.text[0].value.splitlines() == [
        "1. Ana: How did you start?", "2. Ben: By accident.", "3. Ana: Which model?", "4. Ben: A small one.",
        "5. Ana: Why that one?", "6. Ben: It was free."]
    assert "T9" not in {r["name"] for r in transcript_rows(study)}  # nothing stored yet


def test_a_kept_convention_is_shown_and_forgotten_on_the_page(study_db, study):
    from study.taught_conventions import save_convention, saved_conventions
    from study.transcripts import convention_from_example

    save_convention(study, ADMIN, convention_from_example("[Speaker 1] Thanks"))
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    assert "a turn starts like '[Speaker 1] Thanks'" in texts(at).replace("\\", "")
    next(b for b in at.button if b.label == "Forget").click()
    at.run()
    assert not at.exception and saved_conventions(study) == ()


def test_admin_adds_a_code_at_the_top_level_of_the_codebook(study_db, study):
    at = open_page("codebook", ADMIN)
    under = next(s for s in at.selectbox if s.label == "Under")
    assert "the top level (no theme)" in under.options  # shown so, after the themes
    under.set_value("")
    next(t for t in at.text_input if t.label == "Name").set_value("Mood")
    next(t for t in at.text_area if t.label == "Definition").set_value("How they felt.")
    next(b for b in at.button if b.label == "Add code").click().run()
    assert not at.exception
    added = next(e for e in codes.codebook_entries(study, ADMIN) if e.name == "Mood")
    assert (added.ref, added.theme_path, added.top_theme) == ("Mood", (), "")
