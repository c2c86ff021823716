"""``study search``: every turn whose words match, in context, filtered, and coding the hits;
``study retrieve``: where a code was applied before."""
from __future__ import annotations

import click

from . import cli, open_study
from .lazy import library
from .output import NUMBER, ROWS, emit_table, format_option

auth = library("study.auth")
retrieval = library("study.retrieval")
search = library("study.search")


def _attribute(_ctx, _param, values: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        name, equals, wanted = value.partition("=")
        if not equals or not name.strip():
            raise click.BadParameter(f"{value!r} is not NAME=VALUE (for example field=biology)")
        pairs.append((name.strip(), wanted.strip()))
    return tuple(pairs)



@cli.command("search")
@click.argument("words")
@click.option("--participant", multiple=True, help="Only this participant's transcripts (repeatable).")
@click.option("--attribute", multiple=True, callback=_attribute, metavar="NAME=VALUE",
              help="Only participants with this attribute value (repeatable).")
@click.option("--role", multiple=True, type=click.Choice(["interviewer", "participant"]), help="Speaker role.")
@click.option("--code", "codes", multiple=True, metavar="THEME/CODE", help="Only turns carrying this code (repeatable).")
@click.option("--transcript", multiple=True, help="Only this transcript (repeatable).")
@click.option("--rater", help="Whose codings --code, the Codes column and --apply use (default: any rater's "
                              "for --code).")
@click.option("--limit", type=ROWS, default=100, show_default=True)
@click.option("--offset", type=NUMBER, default=0, show_default=True)
@click.option("--apply", "apply_code", metavar="THEME/CODE", help="Apply this code to every hit listed, as --rater.")
@format_option("table", "json", "csv", "md")
@click.pass_context
def search_command(ctx, words, participant, attribute, role, codes, transcript, rater, limit, offset, apply_code,
                   fmt) -> None:
    """Find every turn whose words match: words (all of them, any order), "a phrase", or a
    prefix*; case and accents do not matter; words typed next to each other also find them
    written as one (hugging face: HuggingFace). Each hit is shown in its context.

    Example: study search '"model card" licen*' --role participant --attribute field=biology
    """
    study = open_study(ctx, create=False)
    filters = search.Filters(tuple(participant), attribute, tuple(role), tuple(codes), tuple(transcript), rater)
    results = search.search(study, auth.CLI, words, filters, limit, offset)
    if apply_code:
        if not rater:
            raise click.UsageError("--apply needs --rater: whose codings the code goes into")
        done = search.code_hits(study, auth.CLI, [hit.segment_id for hit in results.hits], apply_code, rater)
        click.echo(f"Applied {apply_code} to {done.applied} turn(s) for {rater} ({done.already} had it already).",
                   err=True)
        for name, why in done.refused:
            click.echo(f"Not applied in {name}: {why}", err=True)
        results = search.search(study, auth.CLI, words, filters, limit, offset)
    table = search.results_table(results)
    emit_table(table, fmt, list(table.rows) if fmt == "json" else None)


@cli.command("retrieve")
@click.argument("code")
@click.option("--rater", required=True, help="Whose codings: a coder, or consensus.")
@click.option("--except", "except_transcript", metavar="TRANSCRIPT", help="Leave out this transcript (the one being coded).")
@click.option("--limit", type=ROWS, default=50, show_default=True)
@format_option("table", "json", "csv", "md")
@click.pass_context
def retrieve_command(ctx, code, rater, except_transcript, limit, fmt) -> None:
    """A code's definition and every segment and span a rater applied it to (done or not), each
    with its place: what the Code page's side panel shows while coding.

    Example: study retrieve "Challenges/Model search" --rater alice --except P03
    """
    found = retrieval.retrieve(open_study(ctx, create=False), auth.CLI, code, rater, except_transcript, limit)
    table = retrieval.retrieval_table(found)
    emit_table(table, fmt, list(table.rows) if fmt == "json" else None)
