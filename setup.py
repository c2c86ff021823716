"""Build hook: the wheel carries the sample study (transcripts_sample/, codebook/) as package data
under study/sample/, so `study demo` works from any install. The folders stay at the top of the
checkout, where researchers find them; the metadata lives in pyproject.toml."""
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLE_FOLDERS = ("transcripts_sample", "codebook")


class BuildWithSample(build_py):
    def run(self):
        super().run()
        here = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "study" / "sample"
        for name in SAMPLE_FOLDERS:
            if (here / name).is_dir():
                shutil.copytree(here / name, target / name, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildWithSample})
