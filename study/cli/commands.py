"""Imports each domain's commands so that they register on the ``study`` group."""
from . import app_cmds, codebook_cmds, coding_cmds, transcript_cmds  # noqa: F401
