"""The core never depends on the UI: only the app (study/app/) imports Streamlit."""
from __future__ import annotations

import ast
from pathlib import Path

STUDY = Path(__file__).resolve().parents[1] / "study"


def streamlit_imports(path: Path) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        if any(name == "streamlit" or name.startswith("streamlit.") for name in names):
            lines.append(node.lineno)
    return lines


def test_only_the_app_imports_streamlit():
    core = [p for p in STUDY.rglob("*.py") if (STUDY / "app") not in p.parents]
    assert len(core) > 30  # the scan sees the package
    offenders = {str(p.relative_to(STUDY)): streamlit_imports(p) for p in core if streamlit_imports(p)}
    assert offenders == {}


def test_the_scan_finds_the_apps_streamlit_imports():
    assert streamlit_imports(STUDY / "app" / "main.py")
