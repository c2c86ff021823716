"""Review pages at scale (issue 10): the Adjudicate page's filters, jump and side-by-side card,
the Transcripts page's exclusion, the Findings page's coverage line. AppTest on the sample study."""
from __future__ import annotations

from study import adjudication, exclusion
from tests.test_app_pages import ADMIN, TRANSCRIPT_TOOLS, open_page, sample_db, study, study_db, texts  # noqa: F401

RATERS = ["alice", "bob"]


def test_filtering_by_transcript_shows_only_its_disagreements(study_db, study):
    items = adjudication.disagreements(study, ADMIN, RATERS)
    unresolved = [d for d in items if not d.resolution]
    last = unresolved[-1].transcript
    at = open_page("adjudicate", ADMIN)
    at.multiselect(key="adjudicate_transcripts").set_value([last]).run()
    assert not at.exception
    expected = [d for d in unresolved if d.transcript == last]
    assert f"Disagreement 1 of {len(expected)}" in texts(at)
    assert f"{last} · segment {expected[0].segment}" in texts(at).replace("\\", "")


def test_jump_to_any_item_and_decide_with_its_button(study_db, study):
    at = open_page("adjudicate", ADMIN)
    at.number_input(key="adjudicate_go").set_value(3).run()
    assert "Disagreement 3 of" in texts(at)
    shown = [d for d in adjudication.disagreements(study, ADMIN, RATERS) if not d.resolution]
    target = shown[2]
    at.button(key="decide-neither").click().run()
    assert not at.exception
    record = adjudication.resolutions(study, ADMIN, RATERS)[-1]
    assert (record.transcript, record.segment, record.decision) == (target.transcript, target.segment, "neither")


def test_the_card_shows_both_raters_codes_without_checkboxes(study_db):
    at = open_page("adjudicate", ADMIN)
    assert not at.checkbox  # nothing that looks clickable but is not
    assert "disputed" in texts(at)


def test_an_admin_excludes_a_transcript_from_the_transcripts_page(study_db, study):
    at = open_page("transcripts", ADMIN, TRANSCRIPT_TOOLS)
    target = at.selectbox(key="exclusion_target").value
    at.text_input(key="exclusion_reason").set_value("pilot interview").run()
    at.button(key="exclusion_exclude").click().run()
    assert not at.exception
    [record] = exclusion.exclusions(study)
    assert (record.kind, record.name, record.reason) == (target[0], target[1], "pilot interview")
    at.button(key="exclusion_include").click().run()
    assert exclusion.exclusions(study) == []


def test_findings_state_what_they_count(study_db):
    at = open_page("findings", ADMIN)
    assert "Included: 10 participant(s)" in texts(at).replace("\\", "")


def test_agreement_page_breaks_down_per_transcript_and_pair(study_db, study):
    at = open_page("agreement", ADMIN)
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Per code", "Chart", "Per transcript", "Per pair", "Disagreements"]
    finished = agreement_report_transcripts(study)
    assert not at.tabs[2].dataframe  # a tab is computed when opened
    at.session_state["agreement_tab"] = "Per transcript"
    per_transcript = at.run().tabs[2].dataframe[0].value
    at.session_state["agreement_tab"] = "Per pair"
    per_pair = at.run().tabs[3].dataframe[0].value
    assert list(per_transcript["transcript"]) == finished  # the CLI's labels (study.agreement.tables)
    assert list(per_pair["pair"]) == ["alice & bob"]


def test_the_disagreements_tab_lists_every_disagreement_a_page_at_a_time(study_db, study):
    items = adjudication.disagreements(study, ADMIN, RATERS)
    at = open_page("agreement", ADMIN)
    at.session_state["agreement_tab"] = "Disagreements"
    at.run()
    assert not at.exception
    assert f"{len(items):,} segment(s) where the raters' codes differ" in texts(at)
    shown = at.tabs[4].dataframe[0].value
    assert len(shown) == min(len(items), 50) and len(items) > 0


def test_the_disagreements_tab_filters_as_the_list_is_filtered(study_db, study):
    items = adjudication.disagreements(study, ADMIN, RATERS)
    code = sorted({c for d in items for c in d.disputed})[0]
    expected = adjudication.filter_disagreements(items, adjudication.DisagreementFilter(codes=(code,), rater="bob"))
    at = open_page("agreement", ADMIN)
    at.session_state["agreement_tab"] = "Disagreements"
    at.run()
    at.multiselect(key="agreement_codes").set_value([code])
    at.selectbox(key="agreement_rater").set_value("bob").run()
    assert not at.exception
    assert f"{len(expected):,} segment(s) where the raters' codes differ" in texts(at)
    shown = at.tabs[4].dataframe[0].value
    assert list(zip(shown["transcript"], shown["segment"])) == [(d.transcript, d.segment) for d in expected[:50]]
    assert 0 < len(expected) < len(items)


def agreement_report_transcripts(study) -> list[str]:
    from study.agreement.study_agreement import agreement_report

    return list(agreement_report(study, ADMIN, RATERS, replicates=0).transcripts)


def test_an_admin_creates_a_theme_with_a_slash_from_the_codebook_page(study_db, study):
    from study import codes

    at = open_page("codebook", ADMIN)
    name_box = next(t for t in at.text_input if t.label == "Name of the new theme")
    name_box.set_value("Tools/Infrastructure")
    next(b for b in at.button if b.label == "Create theme").click().run()
    assert not at.exception
    assert "Tools\\/Infrastructure" in codes.theme_paths(study)


def test_decisions_update_the_counts_and_the_shown_list_as_reading_them_again_would(study_db, study):
    everything = adjudication.disagreements(study, ADMIN, RATERS)
    unresolved = [d for d in everything if not d.resolution]
    before = adjudication.adjudication_progress(study, RATERS, ADMIN)
    at = open_page("adjudicate", ADMIN)
    at.button(key="decide-both").click().run()
    at.button(key="decide-take:bob").click().run()  # unresolved only: each decision brings the next
    assert not at.exception
    decided = adjudication.resolutions(study, ADMIN, RATERS)[-2:]
    assert [(r.transcript, r.segment, r.decision) for r in decided] == [
        (unresolved[0].transcript, unresolved[0].segment, "both"), (unresolved[1].transcript, unresolved[1].segment,
                                                                     "take:bob")]
    assert f"Disagreement 1 of {len(unresolved) - 2}" in texts(at)
    assert f"{unresolved[2].transcript} · segment {unresolved[2].segment}" in texts(at).replace("\\", "")
    progress = at.get("progress")[0].proto.text
    assert f"{before.resolved + 2} of {before.disputed} disputed segments resolved" in progress
    at.toggle(key="adjudicate_unresolved").set_value(False).run()  # every disagreement, the decided too
    assert f"Disagreement 1 of {len(everything)}" in texts(at)
    first = everything.index(unresolved[0]) // 50  # the overview's page that holds the first decision
    at.session_state["adjudicate_table_page"] = first + 1
    at.session_state["adjudicate_overview"] = True
    at.run()
    overview = next(e for e in at.expander if e.label.startswith("All ")).dataframe[0].value
    again = adjudication.disagreement_table(adjudication.disagreements(study, ADMIN, RATERS), RATERS)
    assert list(zip(overview["transcript"], overview["segment"], overview["resolution"])) == [
        (row["transcript"], row["segment"], row["resolution"]) for row in again.rows[first * 50:first * 50 + 50]]
    assert "both" in set(overview["resolution"])
