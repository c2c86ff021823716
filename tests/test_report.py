"""The findings report: one document with methods, numbered tables and figures, and quotes.

Uses the study of test_findings (three participants, raters alice and bob, four codes).
"""
from __future__ import annotations

import csv
import io
import re

import docx
import pytest
from click.testing import CliRunner

from study import adjudication, appendix, charts, codes, report
from study.auth import CLI
from study.cli import cli
from study.codings import apply_code, mark_done
from tests.factories import add_consensus_coding, add_raters, finish_without_carrying
from tests.test_findings import P1_SEARCH, P10_SEARCH, coded_study


@pytest.fixture
def coded(study):
    return coded_study(study)


def finished(study):
    for rater in ("alice", "bob"):
        for name in ("P1-interview", "P2-interview", "P10-interview"):
            mark_done(study, CLI, rater, name, anyway=True)
    return study


def captions(document, kind):
    return [p.text for p in document.paragraphs if p.style.name == "Caption" and p.text.startswith(kind)]


def test_word_report_has_methods_numbered_tables_figures_and_quotes(coded, tmp_path):
    built = report.build_report(finished(coded), CLI, source="alice,bob")
    path = report.write_report(built, tmp_path / "report.docx")
    document = docx.Document(path)
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == report.DEFAULT_TITLE
    methods = texts[texts.index("Method") + 1]
    # 3 transcripts of 2 answers = 4 segments each = 12 segments; 4 codes in 2 themes
    assert "3 transcript(s) of interviews with 3 participant(s), cut into 12 segments by speaker turns" in methods
    assert "The codebook holds 4 codes in 2 themes." in methods
    assert "Coding was done by 2 raters (alice, bob)." in methods
    assert "Krippendorff's alpha" in methods  # from the agreement module's methods sentence
    assert "the union of alice, bob" in methods
    # tables: Challenges frequency, Attributes frequency, Attributes factors (Popularity: 2 >= 2), agreement
    assert captions(document, "Table") == [
        "Table 1: Participants mentioning each code: Challenges",
        "Table 2: Participants mentioning each code: Attributes",
        "Table 3: Factors of Attributes by group",
        "Table 4: Agreement per code between alice, bob",
    ]
    assert len(document.tables) == 4
    challenges = document.tables[0]
    assert [c.text for c in challenges.rows[0].cells][:5] == ["Code", "N", "of", "%", "Participants"]
    assert [c.text for c in challenges.rows[1].cells][:5] == ["Model search", "2", "3", "66.7", "P1, P10"]
    assert [c.text for c in document.tables[3].rows[0].cells][:3] == ["Code", "Units", "Alpha"]
    assert [re.sub(r":.*", "", c) for c in captions(document, "Figure")] == [
        "Figure 1", "Figure 2", "Figure 3", "Figure 4"]  # Challenges, Attributes, saturation, agreement
    if charts.static_export_problem() is None:
        assert len(document.inline_shapes) == 4
        # drawn in one batch, each figure still gets its own picture (Word stores identical ones once)
        pictures = {p.blob for p in document.part.related_parts.values() if p.content_type == "image/png"}
        assert len(pictures) == 4 and all(blob.startswith(b"\x89PNG") for blob in pictures)
    else:
        assert sum("Figure not embedded" in t for t in texts) == 4
    appendix = texts[texts.index("Appendix: quotes per code"):]
    assert "Challenges/Model search" in appendix
    assert f"“{P1_SEARCH}” (P1-interview #1)" in appendix


def test_report_without_two_raters_says_why_agreement_is_missing(study):
    from tests.factories import add_interview, load_small_codebook

    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", ["We search a lot."])
    add_raters(study, "alice")
    apply_code(study, CLI, "alice", "P1-interview", 1, "Challenges/Model search")
    built = report.build_report(study, CLI)
    assert "fewer than two raters have coded" in built.methods
    assert built.agreement is None
    assert [t.table.name for t in built.tables] == ["frequency", "frequency"]


def test_report_names_the_missing_agreement_module(coded, monkeypatch):
    monkeypatch.setattr(report, "_agreement_function", lambda: None)
    built = report.build_report(finished(coded), CLI)
    assert "no agreement module" in built.methods


def test_methods_say_what_was_adjudicated_carried_and_is_still_open_in_that_order(coded):
    """Finishing carries the three agreed segments (P1#1, P2#1, P10#1); three are disputed (P1#3,
    P2#3, P10#3), and the adjudicator decides one of them (twice: the latest decision counts)."""
    adjudication.resolve(finished(coded), CLI, ["alice", "bob"], "P1-interview", 3, "take:bob")
    adjudication.resolve(coded, CLI, ["alice", "bob"], "P1-interview", 3, "both")
    methods = report.build_report(coded, CLI).methods
    decided = methods.index("an adjudicator decided 1 segment(s) on which alice and bob disagreed")
    carried = methods.index("3 segment(s) on which they agreed were carried into the consensus as agreed")
    still_open = methods.index("2 disagreement(s) are still open, so the consensus, and any finding drawn from it, "
                               "is provisional")
    assert decided < carried < still_open
    assert "resolved" not in methods  # never claims that every disagreement was resolved
    adjudication.resolve(coded, CLI, ["alice", "bob"], "P2-interview", 3, "neither")
    adjudication.resolve(coded, CLI, ["alice", "bob"], "P10-interview", 3, "take:alice")
    methods = report.build_report(coded, CLI).methods
    assert ("an adjudicator decided 3 segment(s) on which alice and bob disagreed; 3 segment(s) on which they "
            "agreed were carried into the consensus as agreed; no disagreement is still open.") in methods
    assert "Warning" not in methods


def prose(built):
    """Every paragraph of the report, in order: the lead warning, the methods, the rest."""
    return " ".join(block.text for block in built.blocks if isinstance(block, report.Paragraph))


def test_finished_work_makes_the_consensus_the_default_and_the_methods_say_what_it_covers(coded):
    built = report.build_report(finished(coded), CLI)
    # finishing the three transcripts carried the raters' agreements into the consensus
    assert "rest on the consensus codings (adjudicated)" in built.methods
    assert "Included: 3 participant(s) (P1, P2, P10) with 3 transcript(s) finished by alice and bob." in built.methods
    # three disputed segments (P1#3, P2#3, P10#3) are open: the report leads with the warning
    assert built.blocks[0].text.startswith("Warning: provisional counts. 3 disagreement(s) between alice and bob "
                                           "are still open")


def test_the_report_says_each_count_and_the_warning_once(coded):
    """Found by a new user: the methods gave the adjudication's counts three times (adjudication
    sentence, coverage sentence, warning) and the provisional warning twice (lead and methods)."""
    adjudication.resolve(finished(coded), CLI, ["alice", "bob"], "P1-interview", 3, "take:bob")
    built = report.build_report(coded, CLI)
    text = prose(built)
    assert built.methods == (
        built.methods[:built.methods.index("Adjudication:")]
        + "Adjudication: an adjudicator decided 1 segment(s) on which alice and bob disagreed; 3 segment(s) on which "
          "they agreed were carried into the consensus as agreed; 2 disagreement(s) are still open, so the consensus, "
          "and any finding drawn from it, is provisional. The tables and figures rest on the consensus codings "
          "(adjudicated). Included: 3 participant(s) (P1, P2, P10) with 3 transcript(s) finished by alice and bob.")
    for fact in ("decided", "carried", "2 disagreement(s)", "provisional"):
        assert built.methods.count(fact) == 1, fact
    for fact in ("Warning", "These counts may change", "Adjudicate them"):
        assert text.count(fact) == 1, fact
    assert built.blocks[0].text.startswith("Warning: provisional counts. 2 disagreement(s) between alice and bob")
    assert "Warning" not in built.methods and "provisional" in built.methods  # the warning leads, above the methods


def test_report_uses_the_consensus_when_it_exists(coded):
    add_consensus_coding(coded, "P2-interview", 1, "Attributes/Traditional/Popularity")
    built = report.build_report(coded, CLI)
    assert built.source.raters == ("consensus",)
    assert "The tables and figures rest on the consensus codings (adjudicated)." in built.methods
    assert built.tables[1].table.rows[0]["ids"] == ["P2"]  # Attributes: Popularity by P2 only


def test_html_report_is_self_contained_escaped_and_deterministic(coded, tmp_path):
    built = report.build_report(coded, CLI)
    first = report.write_report(built, tmp_path / "a.html").read_text(encoding="utf-8")
    second = report.write_report(report.build_report(coded, CLI), tmp_path / "b.html").read_text(encoding="utf-8")
    assert first == second
    assert re.search(r"<script[^>]*\bsrc=", first) is None  # plotly.js inlined, not fetched
    assert first.count('id="figure-') == len(built.figures) == 4  # two themes' bars, saturation, agreement
    assert "<caption>Table 1: Participants mentioning each code: Challenges" in first


def test_html_report_escapes_quotes(study, tmp_path):
    from tests.factories import add_interview, load_small_codebook

    load_small_codebook(study)
    add_interview(study, "P1-interview", "P1", ["<script>alert(1)</script> is what we typed"])
    add_raters(study, "alice")
    apply_code(study, CLI, "alice", "P1-interview", 1, "Challenges/Model search")
    finish_without_carrying(study, "alice", "P1-interview")
    text = report.report_html(report.build_report(study, CLI))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert(1)" not in text


def test_word_report_is_the_same_bytes_for_the_same_database(coded):
    assert report.report_docx(report.build_report(coded, CLI)) == report.report_docx(report.build_report(coded, CLI))


def test_markdown_report_links_its_figure_files(coded, tmp_path):
    path = report.write_report(report.build_report(coded, CLI), tmp_path / "report.md")
    text = path.read_text(encoding="utf-8")
    assert "**Table 1: Participants mentioning each code: Challenges**" in text
    links = re.findall(r"\]\((report_figures/[^)]+)\)", text)
    assert len(links) == 4 and all((tmp_path / link).is_file() for link in links)
    if charts.static_export_problem() is None:  # drawn in one browser session, like the Word report's
        assert all(link.endswith(".png") and (tmp_path / link).read_bytes().startswith(b"\x89PNG") for link in links)
    else:
        assert all(link.endswith(".html") for link in links)


def test_markdown_report_without_a_browser_links_interactive_figures(coded, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    text = report.write_report(report.build_report(coded, CLI), tmp_path / "report.md").read_text(encoding="utf-8")
    links = re.findall(r"\[[^]]+ \(interactive\)\]\((report_figures/[^)]+\.html)\)", text)
    assert len(links) == 4 and all((tmp_path / link).is_file() for link in links)


def test_cli_report_writes_the_document(coded, db_url, tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["--db", db_url, "report", "--source", "alice", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "4 figures" in result.output and out.is_file()
    assert "the codings of alice" in out.read_text(encoding="utf-8")


def test_cli_report_refuses_unknown_suffixes(coded, db_url, tmp_path):
    result = CliRunner().invoke(cli, ["--db", db_url, "report", "--out", str(tmp_path / "report.pdf")])
    assert result.exit_code != 0 and ".docx" in result.output


def test_word_report_through_a_warm_browser_session_is_the_same_document(coded, tmp_path):
    with report.figure_session(tmp_path / "r.docx") as images:
        built = report.build_report(coded, CLI, images=images)  # figures start drawing as they are made
        path = report.write_report(built, tmp_path / "r.docx", images)
    assert path.read_bytes() == report.report_docx(built)


def test_word_report_without_a_browser_says_so_where_each_figure_goes(coded, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    built = report.build_report(coded, CLI)
    document = docx.Document(io.BytesIO(report.report_docx(built)))
    missing = [p.text for p in document.paragraphs if p.text.startswith("[Figure not embedded")]
    assert len(missing) == len(built.figures) > 0
    assert all("cannot make static images here" in text for text in missing)


def test_figures_drawn_one_after_another_in_one_browser_do_not_carry_over(coded):
    built = report.build_report(coded, CLI)
    first, second = built.figures[0].figure, built.figures[-1].figure
    with charts.StaticSession() as session:
        images = session.images([first, second]).result()
    with charts.StaticSession() as fresh:
        again = fresh.images([first]).result()  # drawn in a tab that drew nothing before
    with charts.StaticSession() as session:
        after_other = session.images([second, first]).result()
    assert images[0] == again[0] == after_other[1]


# -- the report's numbers, pinned by hand ------------------------------------------------


def test_report_tables_hold_the_hand_counted_numbers(coded):
    """The union of alice and bob on the three finished interviews (see ``coded_study``):
    Model search: P1#1 (both), P10#1 (both), P10#3 (alice) -> P1, P10: 2 of 3;
    Missing attributes: P2#3 (alice), P10#3 (bob) -> P2, P10: 2 of 3;
    Popularity: P1#3 (bob), P2#1 (both) -> P1, P2: 2 of 3; License: P1#3 (alice) -> 1 of 3."""
    built = report.build_report(finished(coded), CLI, source="alice,bob")
    challenges, attributes, factors, agreement = (t.table for t in built.tables)
    assert [(r["code"], r["participants"], r["of"], r["percent"], r["ids"]) for r in challenges.rows] == [
        ("Model search", 2, 3, 66.7, ["P1", "P10"]), ("Missing attributes", 2, 3, 66.7, ["P2", "P10"])]
    assert [(r["code"], r["participants"], r["of"], r["percent"], r["ids"]) for r in attributes.rows] == [
        ("Popularity", 2, 3, 66.7, ["P1", "P2"]), ("License", 1, 3, 33.3, ["P1"])]
    # exemplar: both long quotes are participant turns of 15-60 words; P1's was applied by both raters
    assert challenges.rows[0]["quote"] == {"text": P1_SEARCH, "participant": "P1", "transcript": "P1-interview",
                                           "segment": 1}
    # Factors (at least 2 participants): Traditional keeps Popularity (2); Portability's License (1) is left out
    assert [(r["group"], r["participants"], r["factors"]) for r in factors.rows] == [
        ("Traditional", 2, [{"code": "Popularity", "ref": "Attributes/Traditional/Popularity", "participants": 2}])]
    assert "Groups with no factor mentioned by 2 or more: Portability." in factors.notes
    # Model search over the 12 segments of the finished interviews: both 1 on 2, alice only on 1, both 0 on 9.
    # Coincidences o11 = 4, o10 = o01 = 1, o00 = 18; n1 = 5, n0 = 19, n = 24;
    # alpha = 1 - (n - 1) * (o10 + o01) / (2 * n1 * n0) = 1 - 23 * 2 / 190 = 0.7579
    model_search = next(r for r in agreement.rows if r["code"] == "Challenges/Model search")
    assert model_search["units"] == 12
    assert model_search["alpha"] == pytest.approx(1 - 23 * 2 / 190)


def test_report_appendix_quotes_each_coded_segment_by_code_and_participant(coded):
    built = report.build_report(finished(coded), CLI, source="alice,bob")
    texts = [(b.level if isinstance(b, report.Heading) else 0, b.text)
             for b in built.blocks if isinstance(b, (report.Heading, report.Paragraph))]
    texts = texts[texts.index((1, "Appendix: quotes per code")) + 1:]
    # codebook order; participants in natural order (P10 after P2); whole quotes, segment order
    assert texts == [
        (2, "Challenges/Model search"),
        (3, "P1"), (0, f"“{P1_SEARCH}” (P1-interview #1)"),
        (3, "P10"), (0, "“Search is hard.” (P10-interview #1)"), (0, f"“{P10_SEARCH}” (P10-interview #3)"),
        (2, "Challenges/Missing attributes"),
        (3, "P2"), (0, "“The card never says what data it was trained on.” (P2-interview #3)"),
        (3, "P10"), (0, f"“{P10_SEARCH}” (P10-interview #3)"),
        (2, "Attributes/Traditional/Popularity"),
        (3, "P1"), (0, "“The license decides it.” (P1-interview #3)"),
        (3, "P2"), (0, "“Downloads and likes are what we look at first.” (P2-interview #1)"),
        (2, "Attributes/Portability/License"),
        (3, "P1"), (0, "“The license decides it.” (P1-interview #3)"),
    ]


def test_word_report_quotes_speech_without_the_transcripts_note_numbers(study, db_url, tmp_path):
    """A transcript annotated in Word ("…model hub.¹" with the note below): the report's quote is the speech."""
    from study.listing import segment_rows
    from tests.factories import load_small_codebook
    from tests.test_transcripts import write_annotated_docx

    load_small_codebook(study)
    path = write_annotated_docx(tmp_path / "P1-interview.docx")
    result = CliRunner().invoke(cli, ["--db", db_url, "import", str(path)])
    assert result.exit_code == 0, result.output
    [answer] = [r for r in segment_rows(study, "P1-interview") if "model hub" in r["text"]]
    add_raters(study, "alice")
    apply_code(study, CLI, "alice", "P1-interview", answer["index"], "Challenges/Model search")
    finish_without_carrying(study, "alice", "P1-interview")
    document = docx.Document(io.BytesIO(report.report_docx(report.build_report(study, CLI, source="alice"))))
    quotes = [p.text for p in document.paragraphs if p.text.startswith("“We use")]
    assert quotes == [f"“We use the model hub. It holds 10 m3 of cards, more or less.” (P1-interview #{answer['index']})"]


def test_a_report_after_a_new_coding_counts_it(coded):
    """The codings are read once per change to the study and shared by a build's tables: a change
    in between is never answered from the earlier read."""
    before = report.build_report(coded, CLI, source="alice")
    mark_done(coded, CLI, "alice", "P2-interview", done=False)
    apply_code(coded, CLI, "alice", "P2-interview", 1, "Challenges/Model search")
    finish_without_carrying(coded, "alice", "P2-interview")
    after = report.build_report(coded, CLI, source="alice")
    ids = [next(r["ids"] for r in built.tables[0].table.rows if r["code"] == "Model search")
           for built in (before, after)]
    assert ids == [["P1", "P10"], ["P1", "P2", "P10"]]
    assert "P2-interview #1" in "\n".join(b.text for b in after.blocks if isinstance(b, report.Paragraph))


def test_a_code_at_the_top_level_has_a_findings_section_of_its_own(coded):
    """A code in no theme (a top-level NVivo node) is counted like a theme's: alice codes P1 #1 and
    P10 #1 "Mood", bob P10 #1 "Mood/Calm" (under it) -> Mood's section: Mood P1, P10 (2 of 3),
    Calm P10 (1 of 3)."""
    codes.add_code(coded, CLI, "", "Mood", "How they felt.")
    codes.add_code(coded, CLI, "Mood", "Calm", "At ease.")
    for rater, transcript, ref in [("alice", "P1-interview", "Mood"), ("alice", "P10-interview", "Mood"),
                                   ("bob", "P10-interview", "Mood/Calm")]:
        mark_done(coded, CLI, rater, transcript, done=False)
        apply_code(coded, CLI, rater, transcript, 1, ref)
        finish_without_carrying(coded, rater, transcript)
    built = report.build_report(coded, CLI, source="alice,bob")
    headings = [b.text for b in built.blocks if isinstance(b, report.Heading)]
    findings = headings[headings.index("Findings") + 1:headings.index("Saturation")]
    assert findings == ["Challenges", "Attributes", "Mood"]
    mood = next(t.table for t in built.tables if t.table.title.endswith(": Mood"))
    assert [(r["code"], r["participants"], r["of"], r["ids"]) for r in mood.rows] == [
        ("Mood", 2, 3, ["P1", "P10"]), ("Calm", 1, 3, ["P10"])]


# -- an appendix longer than a document holds -------------------------------------------------------
# The union appendix above holds 8 quotes: Model search 3 (P1 #1, P10 #1, P10 #3), Missing attributes 2,
# Popularity 2, License 1.


def appendix_texts(built):
    texts = [b.text for b in built.blocks if isinstance(b, (report.Heading, report.Paragraph))]
    return texts[texts.index("Appendix: quotes per code") + 1:]


def test_a_code_with_more_quotes_than_a_document_holds_shows_each_participants_first_in_turn(coded, monkeypatch):
    monkeypatch.setattr(appendix, "QUOTES_PER_CODE", 2)
    texts = appendix_texts(report.build_report(finished(coded), CLI, source="alice,bob", quotes_file="r-quotes.csv"))
    assert texts[0] == ("This appendix shows 7 of the 8 quotes: a code with more than 2 shows 2, and says so "
                        "under its heading. Every quote is in r-quotes.csv, written beside this report.")
    model_search = texts[texts.index("Challenges/Model search") + 1:texts.index("Challenges/Missing attributes")]
    assert model_search == [  # P1's first, then P10's first; P10's second (#3) is the one left out
        "Showing 2 of 3 quotes, from 2 of 2 participants (each participant's first quote in turn, then their "
        "second, and so on); the other 1 are in the file of every quote.",
        "P1", f"“{P1_SEARCH}” (P1-interview #1)", "P10", "“Search is hard.” (P10-interview #1)"]


def test_no_quote_is_left_out_silently_every_one_is_in_the_file_beside_the_report(coded, db_url, tmp_path, monkeypatch):
    whole = appendix_texts(report.build_report(finished(coded), CLI, source="alice,bob"))
    monkeypatch.setattr(appendix, "QUOTES_PER_CODE", 1)
    out = tmp_path / "r.docx"
    result = CliRunner().invoke(cli, ["--db", db_url, "report", "--source", "alice,bob", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert f"every quote is in {tmp_path / 'r-quotes.csv'}" in result.output
    texts = [p.text for p in docx.Document(out).paragraphs]
    texts = texts[texts.index("Appendix: quotes per code") + 1:]
    assert texts[0].startswith("This appendix shows 4 of the 8 quotes") and "r-quotes.csv" in texts[0]
    assert sum(t.startswith("Showing 1 of ") for t in texts) == 3  # License has one quote: shown whole
    with (tmp_path / "r-quotes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    # the file holds exactly the uncapped appendix's quotes, code by code, in its order
    quoted = [f"“{r['text']}” ({r['transcript']} #{r['segment']})" for r in rows]
    assert quoted == [t for t in whole if t.startswith("“")]
    assert [r["code"] for r in rows] == ["Challenges/Model search"] * 3 + ["Challenges/Missing attributes"] * 2 + [
        "Attributes/Traditional/Popularity"] * 2 + ["Attributes/Portability/License"]
    assert [r["participant"] for r in rows[:3]] == ["P1", "P10", "P10"]


def test_an_appendix_shown_whole_writes_no_quotes_file(coded, tmp_path):
    built = report.build_report(finished(coded), CLI, source="alice,bob", quotes_file="r-quotes.csv")
    report.write_report(built, tmp_path / "r.md")
    assert built.every_quote is None and not (tmp_path / "r-quotes.csv").exists()
    assert not any(t.startswith(("This appendix shows", "Showing ")) for t in appendix_texts(built))
