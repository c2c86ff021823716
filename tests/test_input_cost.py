"""Inputs cost what they are, not what they expand to: every reader reads long runs of one character
in time linear in their length, and files that expand far past their size (cells, pages, unzipped
bytes, text) are refused with one line naming the file and the limit.

The attacks are the shapes issue 17 found: 40 KB of spaces that took 232 s (quadratic in the run),
a 4.9 KB .xlsx that took 5.8 GB and 89 s, a 457-byte .odt stored as a 100 MB transcript, a PDF of
few hundred kilobytes that read for minutes, an empty folder named x.docx.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_layouts import DIALOGUE, minimal_odt, minimal_pdf, minimal_rtf, minimal_xlsx, write_docx

# Characters whose runs the layouts' patterns meet: blanks, label and heading punctuation, digits, letters.
RUN_CHARACTERS = " \t.:-*#[(_0a>\u00a0"
RUN = 20_000  # a reader quadratic in a run spends ~10^8 steps on one; linear ones read all files in seconds
SECONDS_FOR_ALL = 300  # a hang guard only, far above a linear read (a few seconds): not a timing


def with_runs(lines: list[str], character: str) -> list[str]:
    """``lines`` with a run of ``character`` on a line of its own, after a label, inside a sentence
    and ending the text."""
    run = character * RUN
    label, said = lines[1].split(": ", 1)
    return [lines[0], run, f"{label}: {run}{said}", f"{lines[2]}{run} and on", lines[3] + run]


def documents(folder: Path) -> list[Path]:
    written = []
    for n, character in enumerate(RUN_CHARACTERS):
        lines = with_runs(DIALOGUE, character)
        text = "\n\n".join(lines) + "\n"
        files = {
            "txt": text.encode("utf-8"),
            "md": text.encode("utf-8"),
            "srt": "".join(f"{i + 1}\n00:00:0{i},000 --> 00:00:0{i + 1},000\n{line}\n\n"
                           for i, line in enumerate(lines)).encode("utf-8"),
            "vtt": ("WEBVTT\n\n" + "".join(f"00:00:0{i}.000 --> 00:00:0{i + 1}.000\n{line}\n\n"
                                           for i, line in enumerate(lines))).encode("utf-8"),
            "csv": ("speaker,text\n" + "".join(f'"{line.split(": ", 1)[0]}","{line.split(": ", 1)[-1]}"\n'
                                               for line in lines)).encode("utf-8"),
            "odt": minimal_odt(lines),
            "rtf": minimal_rtf(lines),
            "pdf": minimal_pdf([line.replace("(", "\\(") for line in lines]),
            "xlsx": minimal_xlsx([["Speaker", "Text"]] + [line.split(": ", 1)[-2:] for line in lines if ": " in line]),
        }
        for suffix, data in files.items():
            path = folder / f"runs-{n}.{suffix}"
            path.write_bytes(data)
            written.append(path)
        written.append(write_docx(folder / f"runs-{n}.docx", lines))
    return written


READ_ALL = """
import json, sys, traceback
from pathlib import Path
from study.errors import StudyError
from study.transcripts import read_transcript
for name in json.loads(sys.argv[1]):
    try:
        read_transcript(Path(name))
        print("read", name, flush=True)
    except StudyError as exc:
        print("refused", name, str(exc).replace(chr(10), " "), flush=True)
    except Exception:
        print("CRASH", name, traceback.format_exc().replace(chr(10), " | "), flush=True)
"""


def test_every_reader_reads_long_runs_of_spaces_and_punctuation_in_linear_time(tmp_path):
    paths = documents(tmp_path)
    try:
        done = subprocess.run([sys.executable, "-c", READ_ALL, json.dumps([str(p) for p in paths])],
                              capture_output=True, text=True, timeout=SECONDS_FOR_ALL, check=False)
    except subprocess.TimeoutExpired as exc:
        finished = (exc.stdout or b"").decode().count("\n") if isinstance(exc.stdout, bytes) else (exc.stdout or "").count("\n")
        pytest.fail(f"reading stalled after {finished} of {len(paths)} files: {paths[finished].name} "
                    f"(runs of {RUN_CHARACTERS[int(paths[finished].stem.split('-')[1])]!r})")
    lines = done.stdout.splitlines()
    assert done.returncode == 0, done.stderr
    assert len(lines) == len(paths)
    assert not [line for line in lines if line.startswith("CRASH")]
    assert sum(line.startswith("read") for line in lines) > len(paths) // 2  # the runs were read, not refused
