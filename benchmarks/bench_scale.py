"""How cost grows with the study: every command (and the pages' library calls) on studies of
issue 20's sizes, each in a fresh process, with wall time and peak memory, and the growth from
the smallest size to the largest beside the growth of the work (segments and codings).

Sizes: S 12 transcripts x 100 segments, 2 raters; M 100 x 200, 4 raters; L 500 x 200, 6 raters
(100,000 segments, ~300,000 codings). The first raters' codings are written in bulk
(``bench_archive.build``); the last rater's arrive through ``study codings import`` (a CSV
written here), then every rater marks every transcript done, one rater after another.

Run from the project root:
    python benchmarks/bench_scale.py                    # S, M and L on SQLite
    python benchmarks/bench_scale.py --sizes S,M --postgres   # and each size on PostgreSQL too
    python benchmarks/bench_scale.py --sizes L --backends postgresql
PostgreSQL is started by the benchmark, as the tests start theirs (scripts/postgres.sh), unless --server
names one (its database is then kept, to EXPLAIN what was slow). On PostgreSQL each command's note gives the
server's CPU seconds (its backends', read from the postmaster's /proc entry: the server must run on this
machine) and, where pg_stat_statements is loaded, the statements' execution time and the slowest statement.
Targets (issue 20, at L on both backends): marking 500 transcripts done <= 5 s, codings import
>= 20,000 codings/s on SQLite and >= 10,000/s on PostgreSQL, archive <= 15 s (and its restore, into an
empty database, of the same order), a Code page click
as fast as at S.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_archive import build  # noqa: E402  (the bulk builder of an archived study)

SIZES = {"S": (12, 100, 2), "M": (100, 200, 4), "L": (500, 200, 6)}  # transcripts, segments, raters
CODE = "Challenges/Model search"

# The pages' library calls, timed inside a fresh process: the first call (what a page's first render
# pays, wall and CPU, in the note), then the median of more (a page's process is long-lived: the
# cost of one more rerun, i.e. one click).
PAGE_CALLS = {
    "Code page: transcript_progress": (
        "from study import workspace\n"
        "call = lambda: workspace.transcript_progress(study, Actor('rater0', 'coder'))"),
    "Code page: coder_view": (
        "from study import workspace\n"
        "first = workspace.transcript_progress(study, Actor('rater0', 'coder'))[0].id\n"
        "call = lambda: workspace.coder_view(study, Actor('rater0', 'coder'), first)"),
    "Code page: a click (apply_change)": (
        "from study import codings, workspace\n"
        "coder = Actor('rater0', 'coder')\n"
        "first = workspace.transcript_progress(study, coder)[0]\n"
        "codings.mark_done(study, CLI, 'rater0', first.name, done=False)  # reopened: clicks are refused on done work\n"
        "segment = workspace.transcript_segments(study, coder, first.id)[1].id\n"
        "code = workspace.codebook_entries(study)[0].id\n"
        "state = [False]\n"
        "def call():\n"
        "    state[0] = not state[0]\n"
        "    workspace.apply_change(study, coder, first.id, workspace.Change(segment, code, state[0]))"),
    "Agreement: per transcript": (
        "from study.agreement.breakdown import agreement_by\n"
        "call = lambda: agreement_by(study, CLI, RATERS, 'transcript')"),
    "Agreement page: per pair (all raters)": (  # every pair of the study's raters (L: 6 raters, 15 pairs)
        "from study.agreement.breakdown import agreement_by\n"
        "call = lambda: agreement_by(study, CLI, RATERS, 'pair')"),
    "Agreement page: per pair, participant level": (
        "from study.agreement.breakdown import agreement_by\n"
        "call = lambda: agreement_by(study, CLI, RATERS, 'pair', 'participant')"),
    "Agreement page: report, participant level (all raters)": (
        "from study.agreement.study_agreement import agreement_report\n"
        "call = lambda: agreement_report(study, CLI, RATERS, 'participant')"),
    "Agreement page: report (first tab)": (  # the other tabs are computed when opened
        "from study.agreement.study_agreement import agreement_report\n"
        "call = lambda: agreement_report(study, CLI, RATERS[:2], 'segment')"),
    "Adjudicate page: docket": (  # the progress and filters, the unresolved segments' ids, the first card's item
        "from study import adjudication, disputes\n"
        "def call():\n"
        "    adjudication.docket(study, CLI, RATERS[:2])\n"
        "    shown = disputes.shown(study, CLI, RATERS[:2], disputes.DisagreementFilter(unresolved_only=True))\n"
        "    disputes.disagreements_on(study, CLI, RATERS[:2], shown.segments[:1])"),
    "Adjudicate page: decisions (a page)": (
        "from study import adjudication\n"
        "call = lambda: adjudication.decisions_page(study, CLI, RATERS[:2])"),
    "Findings page: coverage, frequency": (  # the chart tab: the table's exemplars are chosen when it opens
        "from study import findings\n"
        "from study.coverage import source_coverage\n"
        "from study.sources import choose_source, findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "def call():\n"
        "    source_coverage(study, CLI, choose_source(study, CLI, choice.source, choice.combine))\n"
        "    findings.frequency_table(study, CLI, None, choice.source, choice.combine, quotes=False)"),
    "Findings page: frequency table tab, counts": (  # drawn first, while the exemplar quotes are chosen
        "from study import findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: findings.frequency_table(study, CLI, None, choice.source, choice.combine, quotes=False)"),
    "Findings page: frequency table tab, with quotes": (  # the counts, then the table with every code's exemplar
        "from study import findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "def call():\n"
        "    findings.frequency_table(study, CLI, None, choice.source, choice.combine, quotes=False)\n"
        "    findings.frequency_table(study, CLI, None, choice.source, choice.combine, after_counts=True)"),
    "Agreement page: disagreements tab": (  # the filters' choices, the segments' ids, the first page of 50
        "from study import disputes\n"
        "def call():\n"
        "    disputes.docket(study, CLI, RATERS[:2])\n"
        "    disputes.docket_page(study, CLI, disputes.shown(study, CLI, RATERS[:2]))"),
    "Adjudicate page: first card (evidence)": (
        "from study import disputes\n"
        "from study.disputes import dispute_evidence\n"
        "shown = disputes.shown(study, CLI, RATERS[:2], disputes.DisagreementFilter(unresolved_only=True))\n"
        "[first] = disputes.disagreements_on(study, CLI, RATERS[:2], shown.segments[:1])\n"
        "call = lambda: dispute_evidence(study, CLI, RATERS[:2], first.transcript, first.segment, first.disputed)"),
    "Quotes page: one code": (  # its first page of 50, as the page draws it
        "from study import quotes\n"
        "call = lambda: quotes.quotes_page(study, CLI, [CODE])"),
    "Quotes page: a theme, all coders": (
        "from study import quotes\n"
        "call = lambda: quotes.quotes_page(study, CLI, theme=CODE.split('/')[0], source=','.join(RATERS))"),
    "Transcripts page: table": (  # its first page of 50, as the page draws it
        "from study import workspace\n"
        "call = lambda: workspace.transcripts_page(study, CLI)"),
    # Every other page's first render, tab by tab (study/app/views/): a tab drawn on every run (st.tabs
    # without on_change, an expander) counts in its page's first render; a lazy tab (on_change="rerun",
    # an expander drawn only while open) is its own probe. As an admin (CLI) unless the probe says coder.
    "Code page: retrieval panel": (  # the sidebar's codings of the first code, beside the workspace
        "from study import retrieval, workspace\n"
        "coder = Actor('rater0', 'coder')\n"
        "first = workspace.transcript_progress(study, coder)[0].id\n"
        "code = workspace.codebook_entries(study)[0].id\n"
        "def call():\n"
        "    rater = retrieval.retrieval_raters(study, coder)[0]\n"
        "    retrieval.retrieve(study, coder, code, rater, first)"),
    "Transcripts page: table (coder)": (
        "from study import workspace\n"
        "call = lambda: workspace.transcripts_page(study, Actor('rater0', 'coder'))"),
    "Transcripts page: admin expanders": (  # drawn on every run: speakers, fixes, exclusions, conventions
        "from study import corrections, exclusion\n"
        "from study.listing import participant_of, segment_rows, transcript_names\n"
        "from study.participants import list_participants\n"
        "from study.speakers import transcript_speakers\n"
        "from study.taught_conventions import saved_conventions\n"
        "def call():\n"
        "    saved_conventions(study)\n"
        "    name = transcript_names(study)[0]\n"
        "    transcript_speakers(study, CLI, name)\n"
        "    segment_rows(study, name)\n"
        "    participant_of(study, name)\n"
        "    corrections.flagged_codings(study, CLI, name)\n"
        "    exclusion.exclusion_table(exclusion.exclusions(study))\n"
        "    list_participants(study), transcript_names(study)"),
    "Transcripts page: participants tab": (
        "from study.participants import list_participants, participant_table\n"
        "call = lambda: participant_table(list_participants(study))"),
    "Codebook page (admin)": (
        "from study import codes\n"
        "def call():\n"
        "    codes.theme_paths(study)\n"
        "    codes.codebook_table(codes.codebook_entries(study, CLI))\n"
        "    codes.codebook_yaml(study)"),
    "Codebook page (coder)": (
        "from study import codes\n"
        "def call():\n"
        "    codes.theme_paths(study)\n"
        "    codes.codebook_table(codes.codebook_entries(study, Actor('rater0', 'coder')))\n"
        "    codes.codebook_yaml(study)"),
    "Agreement page: report, 6 raters": (
        "from study.agreement.study_agreement import agreement_report\n"
        "call = lambda: agreement_report(study, CLI, RATERS, 'segment')"),
    "Agreement page: report, participant turns only": (
        "from study.agreement.study_agreement import agreement_report\n"
        "call = lambda: agreement_report(study, CLI, RATERS[:2], 'segment', participant_turns_only=True)"),
    "Agreement page: report (coder)": (  # the bands only
        "from study.agreement import visibility\n"
        "from study.agreement.study_agreement import agreement_report\n"
        "visibility.set_coders_see_agreement(study, CLI, True)\n"
        "def call():\n"
        "    coder = Actor('rater0', 'coder')\n"
        "    agreement_report(study, coder, visibility.comparable_raters(study, coder)[:2], 'segment')"),
    "Agreement page: per theme, chart": (  # the first tab's expander and the chart tab, from the report
        "from study import charts\n"
        "from study.agreement import visibility\n"
        "from study.agreement.study_agreement import agreement_report\n"
        "from study.agreement.tables import theme_table\n"
        "from study.suggest import suggesters\n"
        "def call():\n"
        "    visibility.comparable_raters(study, CLI), visibility.coders_see_agreement(study), suggesters(study)\n"
        "    report = agreement_report(study, CLI, RATERS[:2], 'segment')\n"
        "    theme_table(report), charts.agreement_figure(report)"),
    "Agreement page: per transcript, 2 raters": (  # as the page opens it (two raters chosen)
        "from study.agreement.breakdown import agreement_by\n"
        "call = lambda: agreement_by(study, CLI, RATERS[:2], 'transcript')"),
    "Agreement page: participant unit (report)": (
        "from study.agreement.study_agreement import agreement_report\n"
        "call = lambda: agreement_report(study, CLI, RATERS[:2], 'participant')"),
    "Agreement page: participant unit, 6 raters": (
        "from study.agreement.study_agreement import agreement_report\n"
        "call = lambda: agreement_report(study, CLI, RATERS, 'participant')"),
    "Agreement page: participant unit, disagreements tab": (
        "from study.adjudication import disagreement_page, disagreements\n"
        "call = lambda: disagreement_page(disagreements(study, CLI, RATERS[:2], 'participant'), RATERS[:2], 1, 50)"),
    "Agreement page: span unit": (
        "from study.agreement.span_study import span_agreement\n"
        "from study.agreement.tables import span_table\n"
        "call = lambda: span_table(span_agreement(study, CLI, RATERS[:2]))"),
    "Agreement page: span unit, 6 raters": (
        "from study.agreement.span_study import span_agreement\n"
        "from study.agreement.tables import span_table\n"
        "call = lambda: span_table(span_agreement(study, CLI, RATERS))"),
    "Adjudicate page: raters, filters": (
        "from study import adjudication, codes\n"
        "from study.agreement.visibility import comparable_raters\n"
        "def call():\n"
        "    comparable_raters(study, CLI), codes.theme_paths(study)\n"
        "    adjudication.docket(study, CLI, RATERS[:2])"),
    "Adjudicate page: all shown (expander)": (  # the overview's first page, when opened
        "from study import disputes\n"
        "shown = disputes.shown(study, CLI, RATERS[:2], disputes.DisagreementFilter(unresolved_only=True))\n"
        "call = lambda: disputes.docket_page(study, CLI, shown, 1, 50)"),
    "Quotes page: filters": (  # the choices drawn before any code is chosen
        "from study import codes\n"
        "from study.findings import study_participants\n"
        "from study.listing import transcript_names\n"
        "from study.sources import findings_sources\n"
        "def call():\n"
        "    codes.codebook_entries(study, CLI), codes.theme_paths(study), findings_sources(study, CLI)\n"
        "    study_participants(study), transcript_names(study)"),
    "Quotes page: one code (coder)": (
        "from study import quotes\n"
        "call = lambda: quotes.quotes_page(study, Actor('rater0', 'coder'), [CODE])"),
    "Search page: filters": (
        "from study import codes\n"
        "from study.findings import study_participants\n"
        "from study.listing import transcript_names\n"
        "from study.participants import attribute_values\n"
        "from study.sources import findings_sources\n"
        "def call():\n"
        "    study_participants(study), attribute_values(study), codes.codebook_entries(study, CLI)\n"
        "    transcript_names(study), findings_sources(study, CLI)"),
    "Search page: a word": (
        "from study import search\n"
        "call = lambda: search.results_table(search.search(study, CLI, 'model', search.Filters(), 100, 0))"),
    "Search page: a word, a code (coder)": (
        "from study import search\n"
        "call = lambda: search.search(study, Actor('rater0', 'coder'), 'model', search.Filters(codes=(CODE,)), 100, 0)"),
    "Findings page: participants x codes": (
        "from study import findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: findings.matrix_table(study, CLI, None, choice.source, choice.combine)"),
    "Findings page: factors": (
        "from study import findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: findings.factors_table(study, CLI, CODE.split('/')[0], 2, choice.source, choice.combine)"),
    "Findings page: demographics": (
        "from study import findings\n"
        "from study.coverage import source_coverage\n"
        "from study.sources import choose_source, findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "coverage = source_coverage(study, CLI, choose_source(study, CLI, choice.source, choice.combine))\n"
        "call = lambda: findings.demographics_table(study, coverage)"),
    "Findings page: co-occurrence (segment)": (
        "from study import charts, findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: charts.cooccurrence_figure(findings.cooccurrence_table(\n"
        "    study, CLI, None, 'segment', choice.source, choice.combine))"),
    "Findings page: co-occurrence (participant)": (
        "from study import findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: findings.cooccurrence_table(study, CLI, None, 'participant', choice.source, choice.combine)"),
    "Findings page: saturation": (
        "from study.saturation import saturation\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: saturation(study, CLI, None, choice.source, choice.combine)"),
    "Findings page: framework": (  # its first page (findings.FRAMEWORK_ROWS participants), as the page opens
        "from study import findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: findings.framework_page(study, CLI, None, choice.source, choice.combine)"),
    "Findings page: framework download (whole)": (  # what a download button builds: every participant's row
        "from study import findings\n"
        "from study.sources import findings_sources\n"
        "choice = findings_sources(study, CLI)[0]\n"
        "call = lambda: findings.framework_table(study, CLI, None, choice.source, choice.combine)"),
    "Exchange page": (  # the codebook's .qdc is built on every run; the project only on its button
        "from study import project_memos, qdpx\n"
        "def call():\n"
        "    qdpx.codebook_bytes(study, CLI), project_memos.project_memos(study, CLI)"),
    "Audit page": (  # the filters' choices and the newest entries
        "from study import audit_log\n"
        "call = lambda: (audit_log.audit_choices(study, CLI), audit_log.audit_log(study, CLI))"),
}
PAGE_SCRIPT = """
import json, statistics, sys, time
from study.auth import CLI, Actor
from study.database import Study
RATERS = {raters!r}
CODE = {code!r}
from study.app.preload import import_slow_libraries
import_slow_libraries()  # the app's server imports these as it starts (study/app/preload.py)
study = Study.open({url!r})
{setup}
from sqlalchemy import event
_slowest = [0.0, ""]  # the slowest statement of the calls timed: where an unexpected cost is spent
@event.listens_for(study.engine, "before_cursor_execute")
def _before(conn, cursor, statement, parameters, context, executemany):
    conn.info["bench_started"] = time.perf_counter()
@event.listens_for(study.engine, "after_cursor_execute")
def _after(conn, cursor, statement, parameters, context, executemany):
    spent = time.perf_counter() - conn.info.pop("bench_started", time.perf_counter())
    if spent > _slowest[0]:
        _slowest[:] = [spent, " ".join(statement.split())[:100]]
wall, cpu = time.perf_counter(), time.process_time()
call()  # the first call in this process: what a page's first render pays
_first_call = (time.perf_counter() - wall, time.process_time() - cpu)  # a name no setup uses (they use 'first')
times, cpu = [], time.process_time()
for _ in range({repeat}):
    started = time.perf_counter(); call(); times.append(time.perf_counter() - started)
print(json.dumps([statistics.median(times), *_first_call, (time.process_time() - cpu) / {repeat}, *_slowest]))
"""


@dataclass
class Measure:
    seconds: float | None  # None: failed or timed out
    peak_mb: float
    note: str = ""
    cpu: float | None = None  # the process's user + system seconds: less swayed by a busy machine than wall time
    server_cpu: float | None = None  # PostgreSQL's backends' CPU seconds for this command
    work: float | None = None  # codings per second, where the command's work is a count


@dataclass
class Results:
    rows: dict[str, dict[str, Measure]] = field(default_factory=dict)  # command -> column -> measure
    columns: list[str] = field(default_factory=list)
    work: dict[str, tuple[int, int]] = field(default_factory=dict)  # column -> (segments, codings)

    def put(self, column: str, command: str, measure: Measure) -> None:
        self.rows.setdefault(command, {})[column] = measure
        cpu = f"cpu {measure.cpu:6.2f} s" if measure.cpu is not None else ""
        if measure.server_cpu is not None:
            cpu += f"  server cpu {measure.server_cpu:6.2f} s"
        print(f"  {column:6} {command:38} {_seconds(measure):>9}  {cpu}  peak {measure.peak_mb:6.0f} MB"
              f"{'  ' + measure.note if measure.note else ''}", flush=True)


def timed(command: list[str], env: dict, cwd: Path, timeout: float) -> tuple[Measure, str]:
    """(wall seconds and peak resident memory of one fresh process, its stdout)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=err)
        deadline = started + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                _, status, usage = os.wait4(process.pid, 0)
                return Measure(None, usage.ru_maxrss / 1024, f"stopped after {timeout:.0f} s"), ""
            time.sleep(0.02)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if process.returncode:
        last = (stderr.strip().splitlines() or ["?"])[-1]
        return Measure(None, usage.ru_maxrss / 1024, f"failed: {last[:120]}"), stdout
    return Measure(wall, usage.ru_maxrss / 1024, cpu=usage.ru_utime + usage.ru_stime), stdout


class ServerClock:
    """A PostgreSQL server's CPU seconds so far (its postmaster's own and its exited children's, from /proc,
    plus the live backends'), and what pg_stat_statements counted, if it is loaded: read before and after a
    command, the difference is what the command cost the server."""

    def __init__(self, url: str):
        import sqlalchemy as sa

        self.engine = sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        with self.engine.connect() as conn:
            backend = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            try:  # created by an earlier run, the extension still answers only when preloaded
                conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_stat_statements"))
                conn.execute(sa.text("SELECT pg_stat_statements_reset()"))
                self.statements = True
            except sa.exc.DBAPIError:  # not in shared_preload_libraries: CPU only
                self.statements = False
        self.postmaster = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
        self.tick = os.sysconf("SC_CLK_TCK")

    def cpu(self) -> float:
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            if entry.name == str(self.postmaster):
                total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
            elif fields[1] == str(self.postmaster):
                total += int(fields[11]) + int(fields[12])
        return total / self.tick

    def reset(self) -> float:
        import sqlalchemy as sa

        if self.statements:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT pg_stat_statements_reset()"))
        return self.cpu()

    def since(self, started: float) -> tuple[float, str]:
        """(server CPU seconds since `started`, a note of the statements' time and the slowest one)."""
        import sqlalchemy as sa

        time.sleep(0.2)  # the command's backend exits after its client does
        cpu, note = self.cpu() - started, ""
        if self.statements:
            with self.engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT total_exec_time, calls, query FROM pg_stat_statements "
                    "WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY total_exec_time DESC")).all()
            total = sum(r.total_exec_time for r in rows) / 1000
            if rows:
                top = rows[0]
                note = (f"server statements {total:.2f} s; slowest {top.total_exec_time / 1000:.2f} s "
                        f"x{top.calls}: {' '.join(top.query.split())[:100]}")
        return cpu, note


def rater_csv(url: str, rater_seed: int, path: Path) -> int:
    """One more rater's codings as the import reads them: 1-2 codes per participant turn."""
    import sqlalchemy as sa

    from study import codes, schema
    from study.database import Study

    study = Study.open(url)
    with study.session() as session:
        refs = [code.ref for code in codes.all_codes(session)]
    study.close()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        segments = conn.execute(
            sa.select(schema.transcripts.c.name, schema.segments.c.index)
            .join(schema.transcripts, schema.segments.c.transcript_id == schema.transcripts.c.id)
            .where(schema.segments.c.role == "participant")
            .order_by(schema.transcripts.c.id, schema.segments.c.index)).all()
    engine.dispose()
    rng, rows = random.Random(rater_seed), 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["transcript", "segment", "code", "memo"])
        for name, index in segments:
            for ref in sorted(set(rng.sample(refs, rng.randint(1, 2)))):
                writer.writerow([name, index, ref, "see the card" if rng.random() < 0.03 else ""])
                rows += 1
    return rows


def transcript_names(url: str) -> list[str]:
    import sqlalchemy as sa

    from study import schema

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        names = conn.execute(sa.select(schema.transcripts.c.name).order_by(schema.transcripts.c.id)).scalars().all()
    engine.dispose()
    return names


def measure_size(results: Results, column: str, url: str, size: tuple[int, int, int], folder: Path,
                 timeout: float, repeat: int, only: list[str], server: ServerClock | None = None) -> None:
    transcripts, segments, raters = size
    started = time.perf_counter()
    stored = build(url, transcripts, segments, raters - 1)
    built = time.perf_counter() - started
    last = f"rater{raters - 1}"
    csv_path = folder / f"{last}.csv"
    imported = rater_csv(url, raters, csv_path)
    results.work[column] = (transcripts * segments, stored + imported)
    print(f"{column}: {transcripts} transcripts x {segments} segments, {raters} raters, "
          f"{stored:,} codings built in {built:.1f} s, {imported:,} to import", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STUDY_DB": url}
    study = [sys.executable, "-m", "study"]

    def wanted(name: str) -> bool:
        return not only or any(word in name for word in only)

    def command(name: str, args: list[str], count: int | None = None, changes_study: bool = False) -> None:
        """Run and measure a command asked for; one that changes the study runs unmeasured when not
        asked for, so that what --only measures sees the study a full run would (its 6th rater, its consensus)."""
        if not wanted(name):
            if changes_study:
                timed([*study, *args], env, folder, timeout)
            return
        started = server.reset() if server else None
        measure, _ = timed([*study, *args], env, folder, timeout)
        if count and measure.seconds:
            measure.work = count / measure.seconds
            measure.note = f"{measure.work:,.0f} codings/s ({count / measure.cpu:,.0f} per CPU second)"
        _add_server(measure, server, started)
        results.put(column, name, measure)

    command("codings import (one rater)", ["codings", "import", str(csv_path), "--rater", last], imported,
            changes_study=True)
    names = transcript_names(url)
    rater_names = [f"rater{r}" for r in range(raters)]
    for n, rater in enumerate(rater_names, start=1):
        label = {1: "first", 2: "second", 3: "third"}.get(n, "last" if n == raters else None)
        name, args = f"codings done, all ({label} rater)", ["codings", "done", *names, "--rater", rater, "--anyway"]
        if label:
            command(name, args, changes_study=True)
        else:  # not measured, still marked: the findings count finished transcripts
            timed([*study, *args], env, folder, timeout)
    command("table frequency", ["table", "frequency", "--format", "csv"])
    command("adjudicate --auto", ["adjudicate", "--raters", ",".join(rater_names), "--auto"], changes_study=True)
    command("quotes --code", ["quotes", "--code", CODE, "--format", "csv"])
    command("report --out r.docx", ["report", "--out", str(folder / "r.docx")])
    command("archive DIR", ["archive", str(folder / "archive")])
    if wanted("restore DIR"):
        if not (folder / "archive" / "manifest.json").is_file():  # asked for alone: the archive it restores
            timed([*study, "archive", str(folder / "archive")], env, folder, timeout)
        command("restore DIR (into an empty database)",
                ["--db", empty_database(url, folder), "restore", str(folder / "archive")])
    for name, setup in PAGE_CALLS.items():
        if not wanted(name):
            continue
        script = PAGE_SCRIPT.format(raters=rater_names, code=CODE, url=url, setup=setup, repeat=repeat)
        started = server.reset() if server else None
        measure, out = timed([sys.executable, "-c", script], env, folder, timeout)
        if measure.seconds is not None:
            warm, first_wall, first_cpu, warm_cpu, slowest, statement = json.loads(out)
            measure = Measure(warm, measure.peak_mb, f"per call, warm (wall; {warm_cpu:.2f} s CPU, mean); first call "
                                                     f"{first_wall:.2f} s wall, {first_cpu:.2f} s CPU; slowest "
                                                     f"statement {slowest:.2f} s: {statement}")
        _add_server(measure, server, started)  # the set-up's, the first call's and the repeats' together
        results.put(column, name, measure)


def empty_database(url: str, folder: Path) -> str:
    """A new, empty database beside the study's (a file in ``folder``; on PostgreSQL, on its server)."""
    if url.startswith("sqlite"):
        return f"sqlite:///{folder / 'restored.db'}"
    return postgres_database(f"{url.rsplit('/', 1)[0]}/postgres", f"{url.rsplit('/', 1)[1]}_restored")


def _add_server(measure: Measure, server: ServerClock | None, started: float | None) -> None:
    if server is None:
        return
    measure.server_cpu, note = server.since(started)
    measure.note = "; ".join(n for n in (measure.note, note) if n)


def _seconds(measure: Measure | None) -> str:
    if measure is None:
        return "-"
    return "fail" if measure.seconds is None else f"{measure.seconds:.2f} s"


def print_table(results: Results) -> None:
    columns = results.columns
    first, last = columns[0], next((c for c in reversed(columns) if c.startswith("L")), columns[-1])
    print("\nwall s/CPU s[+server CPU s] (peak MB); growth: the largest size over the smallest (wall), beside the growth of the work")
    header = f"{'command':38}" + "".join(f"{c:>26}" for c in columns) + f"{'growth ' + last + '/' + first:>18}"
    print(header)
    print("-" * len(header))
    for command, by_column in results.rows.items():
        cells = []
        for c in columns:
            m = by_column.get(c)
            cpu = f"/{m.cpu:.1f}" if m and m.cpu is not None else ""
            cpu += f"+{m.server_cpu:.1f}" if m and m.server_cpu is not None else ""
            cells.append(f"{_seconds(m)}{cpu} ({m.peak_mb:.0f})" if m else "-")
        a, b = by_column.get(first), by_column.get(last)
        growth = f"x{b.seconds / a.seconds:.1f}" if a and b and a.seconds and b.seconds else "-"
        print(f"{command:38}" + "".join(f"{cell:>26}" for cell in cells) + f"{growth:>18}")
    if first in results.work and last in results.work:
        (s0, c0), (s1, c1) = results.work[first], results.work[last]
        print(f"{'work: segments / codings':38}"
              + "".join(f"{results.work[c][0]:>15,} /{results.work[c][1]:>9,}" if c in results.work else f"{'-':>26}"
                        for c in columns)
              + f"{f'x{s1 / s0:.0f} / x{c1 / c0:.0f}':>18}")


class Postgres:
    """A throwaway server, started the way the tests start theirs: a shell sources
    scripts/postgres.sh, prints the URL and waits; closing its input stops the server."""

    def __enter__(self) -> str:
        self.shell = subprocess.Popen(
            ["bash", "-c", "source scripts/postgres.sh && echo \"$STUDY_TEST_PG_URL\" && read _"],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        url = self.shell.stdout.readline().strip()
        if not url.startswith("postgresql"):
            self.__exit__()
            raise SystemExit("PostgreSQL did not start (is it installed? see scripts/postgres.sh)")
        return url

    def __exit__(self, *_) -> None:
        self.shell.stdin.close()
        self.shell.wait(timeout=60)


def postgres_database(server: str, name: str) -> str:
    import sqlalchemy as sa

    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return f"{server.rsplit('/', 1)[0]}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="S,M,L", help="comma-separated, of S, M, L")
    parser.add_argument("--backends", default="sqlite", help="sqlite, postgresql or both, comma-separated")
    parser.add_argument("--postgres", action="store_true", help="L on PostgreSQL too (as --backends sqlite,postgresql "
                                                               "for the largest size only)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds before one command is stopped")
    parser.add_argument("--only", default="", help="comma-separated words: measure only the commands naming one "
                                                   "(e.g. 'import,done,archive,Code page')")
    parser.add_argument("--repeat", type=int, default=5, help="calls per page measure (median)")
    parser.add_argument("--server", default="", help="a running PostgreSQL server's URL (on this machine) to use "
                                                     "instead of a throwaway one; its databases are kept")
    options = parser.parse_args()
    sizes = [s.strip().upper() for s in options.sizes.split(",")]
    backends = [b.strip() for b in options.backends.split(",")]
    runs = [(size, backend) for size in sizes for backend in backends]
    if options.postgres and (sizes[-1], "postgresql") not in runs:
        runs.append((sizes[-1], "postgresql"))
    results = Results()
    print(f"{os.cpu_count()} CPU(s), load {os.getloadavg()[0]:.2f}", flush=True)
    server = Postgres() if any(b == "postgresql" for _, b in runs) and not options.server else None
    pg_url = options.server or (server.__enter__() if server else None)
    try:
        for size, backend in runs:
            column = size if backend == "sqlite" else f"{size} pg"
            results.columns.append(column)
            with tempfile.TemporaryDirectory(prefix=f"bench-scale-{size}-") as folder:
                folder = Path(folder)
                url = (f"sqlite:///{folder / 'study.db'}" if backend == "sqlite"
                       else postgres_database(pg_url, f"bench_scale_{size.lower()}_{os.getpid()}"))
                measure_size(results, column, url, SIZES[size], folder, options.timeout, options.repeat,
                             [w for w in options.only.split(',') if w],
                             ServerClock(url) if backend == "postgresql" else None)
                if backend == "postgresql" and options.server:
                    print(f"kept: {url}", flush=True)
                shutil.rmtree(folder / "archive", ignore_errors=True)
    finally:
        if server:
            server.__exit__()
    print_table(results)


if __name__ == "__main__":
    main()
