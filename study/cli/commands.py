"""Imports each domain's commands so that they register on the ``study`` group."""
from . import agreement_cmds, app_cmds, codebook_cmds, coding_cmds, findings_cmds, transcript_cmds  # noqa: F401
from . import exchange_cmds  # noqa: F401
