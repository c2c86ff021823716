"""Small studies built in code, without transcript files: for tests of codings, agreement, findings."""
from __future__ import annotations

import io
import zipfile

from study import codes
from study.codebook import parse_codebook
from study.importing.reading import ImportOptions
from study.importing.storing import add_parsed_transcript
from study.store import Study
from study.transcripts import ParsedTranscript, Turn
from study.auth import CLI, Actor

SMALL_CODEBOOK = """
name: Small test codebook
themes:
  - name: Challenges
    codes:
      - name: Model search
        definition: Finding a suitable model is hard.
        keywords: [search, find]
      - name: Missing attributes
        definition: The model card lacks information.
        keywords: [model card, missing]
  - name: Attributes
    themes:
      - name: Traditional
        codes:
          - name: Popularity
            definition: Downloads, likes, stars.
            keywords: [downloads, likes]
      - name: Portability
        codes:
          - name: License
            definition: The licence terms of the model.
            keywords: [license, licence]
"""


def parsed_from_turns(turns: list[tuple[str, str]]) -> ParsedTranscript:
    """A transcript laid out as 'Speaker: body' paragraphs, with exact turn offsets."""
    text, spans = "", []
    for speaker, body in turns:
        label = f"{speaker}: "
        start = len(text) + len(label)
        text += label + body + "\n\n"
        spans.append(Turn(speaker, start, start + len(body)))
    return ParsedTranscript(text, tuple(spans), {})


def timed_turns(parsed: ParsedTranscript) -> list[tuple[str, str, str | None]]:
    """(speaker, text, timestamp) of each turn a reader found."""
    return [(turn.speaker, parsed.turn_text(turn), turn.timestamp) for turn in parsed.turns]


def assert_exact_offsets(parsed: ParsedTranscript) -> None:
    """Every turn is a non-empty, trimmed slice of the text, in order, not overlapping; no CR is left."""
    previous_end = 0
    for turn in parsed.turns:
        body = parsed.text[turn.start:turn.end]
        assert body and body == body.strip()
        assert previous_end <= turn.start < turn.end <= len(parsed.text)
        previous_end = turn.end
    assert "\r" not in parsed.text


def docx_members(paragraphs: list[str]) -> dict[str, bytes]:
    """The zip members (name -> bytes) of a .docx holding ``paragraphs``, to rebuild it broken."""
    import docx

    buffer = io.BytesIO()
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def add_interview(study: Study, name: str, participant: str, answers: list[str], unit: str = "turn") -> None:
    """An interview alternating interviewer questions and the participant's answers."""
    turns: list[tuple[str, str]] = []
    for n, answer in enumerate(answers, start=1):
        turns += [("Interviewer", f"Question {n}?"), (participant, answer)]
    add_parsed_transcript(study, name, parsed_from_turns(turns), participant,
                          ImportOptions(unit=unit, interviewer="Interviewer"))


def add_raters(study: Study, *names: str) -> None:
    """Coders without password, as an import adds them: the raters a test codes for (applying a code
    or writing a memo never adds one). Names already users are left as they are."""
    from study import auth

    known = {user["name"] for user in auth.users(study)}
    for name in names:
        if name not in known:
            auth.add_user(study, name, "coder", None, CLI)


def load_small_codebook(study: Study) -> None:
    codes.load_into_study(study, parse_codebook(SMALL_CODEBOOK, source="small.yaml"), CLI)


# The people of ``two_coders_study``.
ADMIN = Actor("ann", "admin")
ALICE = Actor("alice", "coder")
BOB = Actor("bob", "coder")


def two_coders_study(study: Study) -> Study:
    """Two interviews (four segments each), admin ann, alice and bob coding the first one."""
    from study import auth, codings

    load_small_codebook(study)
    for name, role in (("ann", "admin"), ("alice", "coder"), ("bob", "coder")):
        auth.add_user(study, name, role, "password-123", CLI)
    add_interview(study, "P01", "P01", ["I search by downloads.", "The license matters."])
    add_interview(study, "P02", "P02", ["Model cards miss things.", "Likes tell me little."])
    alice = auth.Actor("alice", "coder")
    codings.apply_code(study, alice, "alice", "P01", 1, "Challenges/Model search")
    codings.apply_code(study, alice, "alice", "P01", 3, "Attributes/License")
    codings.apply_code(study, auth.Actor("bob", "coder"), "bob", "P01", 1, "Attributes/Popularity")
    return study


def finish_without_carrying(study: Study, rater: str, transcript: str) -> None:
    """Mark a transcript done for ``rater`` without carrying agreements into the consensus (as
    versions before carrying on done did): findings count it, the consensus is left as it is."""
    from sqlalchemy import select

    from study import codings
    from study.store import User

    with study.session() as session:
        user = session.scalar(select(User).where(User.name == rater))
        codings.set_done(session, CLI, user.id, codings.find_transcript(session, transcript).id, True, carry=False)


def add_consensus_coding(study: Study, transcript: str, index: int, ref: str) -> None:
    """A code in the adjudicated consensus, written as adjudication writes it (no rater may)."""
    from study.auth import CLI, consensus_user
    from study.coding_write import CodingKey, CodingWrite, write_codings
    from study.codings import find_segment, find_transcript

    def work(session):
        t = find_transcript(session, transcript)
        key = CodingKey(consensus_user(session).id, t.id, find_segment(session, t, index).id,
                        codes.resolve(session, ref).id)
        write_codings(session, CLI, [CodingWrite(key)], consensus=True)

    study.transaction(work)


def open_app(monkeypatch, study: Study, actor: Actor, **query: str):
    """The app (streamlit.testing AppTest) on ``study``, signed in as ``actor``, run once at the
    address ``?query`` (the Code page, the default)."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    monkeypatch.setenv("STUDY_DB", study.engine.url.render_as_string(hide_password=False))
    st.cache_resource.clear()
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "study" / "app" / "main.py"), default_timeout=120)
    at.session_state["actor"] = actor
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()
