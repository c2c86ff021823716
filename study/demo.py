"""The bundled sample study: synthetic transcripts, the study's codebook, two raters' codings
and demo accounts, built into an empty database on first run."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from . import auth, codes, codings
from .codebook import load_codebook
from .errors import StudyError
from .importing.batch import import_files
from .participants import read_participants_csv
from .store import Study, Transcript

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def _sample_root() -> Path:
    """Where the sample study is: inside an installed package (``study/sample/``, copied there when
    the wheel is built), else the top of the source checkout."""
    installed = Path(__file__).resolve().parent / "sample"
    return installed if (installed / "transcripts_sample").is_dir() else PROJECT_ROOT


SAMPLE_DIR = _sample_root() / "transcripts_sample"
CODEBOOK_FILE = _sample_root() / "codebook" / "ptm_reuse.yaml"
CODINGS_DIR = SAMPLE_DIR / "codings"
DEMO = auth.Actor("demo", "system")  # who builds the sample study, as the audit log names it


@dataclass(frozen=True)
class DemoAccount:
    name: str
    role: str
    password: str


DEMO_ACCOUNTS = (
    DemoAccount("admin", "admin", "study-demo"),
    DemoAccount("alice", "coder", "study-demo"),
    DemoAccount("bob", "coder", "study-demo"),
)


def has_transcripts(study: Study) -> bool:
    with study.session() as session:
        return bool(session.scalar(select(func.count()).select_from(Transcript)))


def build_sample_study(study: Study, with_codings: bool = True) -> None:
    """Load the codebook, import the sample transcripts, add demo accounts and the raters' codings."""
    if not SAMPLE_DIR.is_dir() or not CODEBOOK_FILE.is_file():
        raise StudyError(
            f"the sample study is not next to the package ({SAMPLE_DIR})", "reinstall study from its wheel or a source checkout"
        )
    codes.load_into_study(study, load_codebook(CODEBOOK_FILE), DEMO)
    participants = read_participants_csv(SAMPLE_DIR / "participants.csv")
    files = sorted(p for p in SAMPLE_DIR.iterdir() if p.suffix in (".docx", ".txt", ".vtt", ".srt", ".md")
                   and p.name.lower() != "readme.md")
    summary = import_files(study, files, actor=DEMO, participants=participants)
    if summary.failed:
        raise StudyError("the sample transcripts did not import: " + "; ".join(m for _, m in summary.failed))
    for account in DEMO_ACCOUNTS:
        auth.add_user(study, account.name, account.role, account.password, DEMO)
    if with_codings:
        import_sample_codings(study)


def import_sample_codings(study: Study) -> list[str]:
    """Apply each rater's sample codings (codings/<rater>.csv) and mark their transcripts done."""
    raters = []
    for csv_file in sorted(CODINGS_DIR.glob("*.csv")):
        rater = csv_file.stem
        codings.import_codings_csv(study, auth.CLI, rater, csv_file)
        for name in sorted({row["transcript"] for row in codings.export_codings(study, auth.CLI, rater)}):
            codings.mark_done(study, auth.CLI, rater, name)
        raters.append(rater)
    return raters
