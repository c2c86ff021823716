"""Libraries a page needs that are slow to import, imported by the app's server when it starts.

scikit-learn (Cohen's kappa on the Agreement page, with SciPy) costs about two seconds of CPU to
import, pandas most of one, the transcript readers (python-docx, regex: the Transcripts page's tools)
a few tenths: a user's first page would pay them. The server imports them in a
background thread as it starts, so they are in ``sys.modules`` before anyone has signed in.
This module imports no Streamlit: ``benchmarks/bench_scale.py`` imports the same list to time a
page's first render as the server gives it.
"""
from __future__ import annotations

import importlib
import threading

SLOW_TO_IMPORT = ("pandas", "sklearn.metrics", "study.transcripts")


def import_slow_libraries() -> None:
    for name in SLOW_TO_IMPORT:
        importlib.import_module(name)


def preload_in_background() -> threading.Thread:
    """Start importing the slow libraries in a daemon thread (a page that needs one first waits
    on Python's import lock, never imports twice)."""
    thread = threading.Thread(target=import_slow_libraries, name="study-preload", daemon=True)
    thread.start()
    return thread
