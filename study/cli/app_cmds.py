"""Commands that start things: the sample study and the browser app."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..app.proxies import server_settings
from . import cli, open_study
from .lazy import library
from .output import emit, emit_table

listing = library("study.listing")
codes = library("study.codes")
demo = library("study.demo")

# The launcher (st.App with our routes and headers) that serves app/main.py.
APP_FILE = Path(__file__).resolve().parents[1] / "app" / "server.py"


@cli.command("demo")
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--no-app", is_flag=True, help="Only build and print the sample study; do not start the app.")
@click.pass_context
def demo_command(ctx, port, no_app) -> None:
    """Build the bundled sample study (first run only) and open the app on it.

    Example: study demo --port 8502
    """
    study = open_study(ctx)
    if not demo.has_transcripts(study):
        click.echo("Building the sample study (synthetic transcripts, codebook, two raters' codings)...", err=True)
        demo.build_sample_study(study)
    emit_table(listing.transcript_table(listing.transcript_rows(study)), "table")
    click.echo()
    emit(codes.code_rows(study), "table", ["theme", "code", "definition"])
    click.echo("\nDemo accounts: " + ", ".join(f"{a.name} / {a.password} ({a.role})" for a in demo.DEMO_ACCOUNTS))
    if not no_app:
        ctx.invoke(app, port=port)


@cli.command()
@click.option("--port", type=int, default=8501, show_default=True)
@click.option("--address", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 serves a team on your network.")
@click.option("--max-upload-mb", type=int, default=50, show_default=True)
@click.option("--trusted-proxy", "proxies", multiple=True, metavar="ADDRESS",
              help="A reverse proxy (address or network) whose X-Forwarded-For header names the client; "
                   "repeat for several. Without it the header is ignored.")
@click.pass_context
def app(ctx, port, address, max_upload_mb, proxies) -> None:
    """Serve the browser app (Streamlit) on this study.

    Example: study --db team.db app --port 8502 --trusted-proxy 127.0.0.1
    """
    settings = server_settings(proxies)
    study = open_study(ctx)
    if not APP_FILE.is_file():
        raise click.ClickException(f"the app is not next to the package ({APP_FILE}); run from a source checkout")
    env = {**os.environ, "STUDY_DB": study.engine.url.render_as_string(hide_password=False), **settings}
    command = [
        sys.executable, "-m", "streamlit", "run", str(APP_FILE),
        "--server.port", str(port), "--server.address", address, "--server.headless", "true",
        "--server.enableXsrfProtection", "true", "--server.maxUploadSize", str(max_upload_mb),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        "--client.toolbarMode", "minimal",
    ]
    click.echo(f"Serving the app on http://{address}:{port} (Ctrl+C stops it)", err=True)
    study.close()
    sys.stdout.flush()
    sys.stderr.flush()
    # Become the server (no child left behind): SIGTERM or Ctrl+C to `study app` stops Streamlit itself.
    os.execve(sys.executable, command, env)
