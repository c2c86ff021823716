"""``study fix``: correct a stored transcript after import — speakers, turns, a typo, its participant.

Each command is one library call (``study.speakers``, ``study.corrections``, ``study.participants``):
one transaction, one audit entry; codings, spans, memos and decisions follow.
"""
from __future__ import annotations

from dataclasses import asdict

import click

from . import cli, open_study
from .output import NUMBER, emit, format_option
from .lazy import library

auth = library("study.auth")
corrections = library("study.corrections")
participants = library("study.participants")
speakers = library("study.speakers")


@cli.group("fix")
def fix_group() -> None:
    """Correct a transcript after import: speakers, turns, a typo, its participant (codings, memos and decisions follow)."""


@fix_group.command("rename-speaker")
@click.argument("transcript")
@click.argument("speaker")
@click.argument("new")
@click.pass_context
def rename_speaker(ctx, transcript, speaker, new) -> None:
    """Call a speaker of TRANSCRIPT by another name in every turn.

    Example: study fix rename-speaker P07-otter "Unknown Speaker" Dana
    """
    changed = speakers.rename_speaker(open_study(ctx, create=False), auth.CLI, transcript, speaker, new)
    click.echo(f"{speaker} is {changed.name} now in {transcript} ({changed.turns} turns).")


@fix_group.command("merge-speakers")
@click.argument("transcript")
@click.argument("speaker")
@click.argument("into")
@click.pass_context
def merge_speakers(ctx, transcript, speaker, into) -> None:
    """Give every turn of SPEAKER to INTO (one person read as two labels); INTO keeps their role.

    Example: study fix merge-speakers P07-otter "Speaker 3" Dana
    """
    merged = speakers.merge_speakers(open_study(ctx, create=False), auth.CLI, transcript, speaker, into)
    click.echo(f"{speaker}'s turns are {merged.name}'s now in {transcript} ({merged.turns} turns, {merged.role}).")


@fix_group.command("turn-speaker")
@click.argument("transcript")
@click.argument("segment", type=NUMBER)
@click.argument("speaker")
@click.option("--role", help="The role of a speaker new to the transcript (default participant).")
@click.pass_context
def turn_speaker(ctx, transcript, segment, speaker, role) -> None:
    """Give the turn holding SEGMENT (its number in `study segments`) to SPEAKER.

    Example: study fix turn-speaker P07-otter 12 Interviewer
    """
    _said(corrections.change_turn_speaker(open_study(ctx, create=False), auth.CLI, transcript, segment, speaker,
                                          role))


@fix_group.command("split")
@click.argument("transcript")
@click.argument("segment", type=NUMBER)
@click.option("--before", "before", metavar="TEXT", help="Split just before these words (once in the segment).")
@click.option("--at", "at", type=NUMBER, metavar="N", help="Split before character N of the segment's text.")
@click.option("--speaker", help="Who speaks the second part (default the same speaker).")
@click.option("--role", help="The role of a speaker new to the transcript (default participant).")
@click.pass_context
def split(ctx, transcript, segment, before, at, speaker, role) -> None:
    """Cut the turn holding SEGMENT in two; the second part may be another speaker's.

    Example: study fix split P07-otter 12 --before "So how do you" --speaker Interviewer
    """
    if (before is None) == (at is None):
        raise click.UsageError("give --before TEXT or --at N (one of them)")
    _said(corrections.split_turn(open_study(ctx, create=False), auth.CLI, transcript, segment,
                                 before if before is not None else at, speaker, role))


@fix_group.command("merge-turns")
@click.argument("transcript")
@click.argument("segment", type=NUMBER)
@click.pass_context
def merge_turns(ctx, transcript, segment) -> None:
    """Join the turn holding SEGMENT and the next one into one turn of the first's speaker.

    Example: study fix merge-turns P07-otter 12
    """
    _said(corrections.merge_turns(open_study(ctx, create=False), auth.CLI, transcript, segment))


@fix_group.command("text")
@click.argument("transcript")
@click.argument("segment", type=NUMBER)
@click.option("--replace", "old", metavar="OLD", help="Words to correct (once in the segment) ...")
@click.option("--with", "new", metavar="NEW", help="... and what they should read.")
@click.option("--text", "whole", metavar="TEXT", help="Or the segment's whole corrected text.")
@click.pass_context
def text(ctx, transcript, segment, old, new, whole) -> None:
    """Correct a typo in SEGMENT: later offsets and spans follow; codings on the changed words are
    kept and flagged (see `study fix flagged`).

    Example: study fix text P07-otter 12 --replace "hugging face" --with "Hugging Face"
    """
    study = open_study(ctx, create=False)
    if whole is not None:
        _said(corrections.correct_text(study, auth.CLI, transcript, segment, whole))
    elif old is not None and new is not None:
        _said(corrections.correct_text(study, auth.CLI, transcript, segment, (old, new)))
    else:
        raise click.UsageError("give --replace OLD --with NEW, or --text TEXT")


@fix_group.command("flagged")
@click.argument("transcript", required=False)
@format_option()
@click.pass_context
def flagged(ctx, transcript, fmt) -> None:
    """List codings whose words were corrected after they were made (all, or TRANSCRIPT's).

    Example: study fix flagged P07-otter
    """
    rows = corrections.flagged_codings(open_study(ctx, create=False), auth.CLI, transcript)
    emit([asdict(r) for r in rows], fmt)


@fix_group.command("rename-participant")
@click.argument("label")
@click.argument("new")
@click.pass_context
def rename_participant(ctx, label, new) -> None:
    """Call participant LABEL NEW (their transcripts and attributes stay).

    Example: study fix rename-participant interview-x P12
    """
    participants.rename_participant(open_study(ctx, create=False), auth.CLI, label, new)
    click.echo(f"Participant {label} is {new} now.")


@fix_group.command("participant")
@click.argument("transcript")
@click.argument("participant")
@click.pass_context
def participant(ctx, transcript, participant) -> None:
    """Give TRANSCRIPT to PARTICIPANT (made if new); a participant left with nothing is removed.

    Example: study fix participant Interview-2022-07-04 P02
    """
    click.echo(f"{participants.move_transcript(open_study(ctx, create=False), auth.CLI, transcript, participant)}.")


def _said(fixed) -> None:
    click.echo(f"Fixed: {fixed.said}.")
    for item in fixed.flagged:
        click.echo(f"  flagged (its words changed): {item}")
