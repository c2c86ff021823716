"""Imports each domain's commands so that they register on the ``study`` group."""
from . import (  # noqa: F401
    agreement_cmds,
    archive_cmds,
    app_cmds,
    codebook_cmds,
    coding_cmds,
    exchange_cmds,
    exclusion_cmds,
    findings_cmds,
    store_cmds,
    transcript_cmds,
)
