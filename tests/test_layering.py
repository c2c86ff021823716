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


def readme_layout() -> str:
    readme = (STUDY.parent / "README.md").read_text(encoding="utf-8")
    start = readme.index("Layout: `study/`")
    return readme[start:readme.index("\n\n", start)]


def test_the_readme_layout_names_every_module_of_the_package():
    modules = {p.stem for p in STUDY.glob("*.py") if not p.stem.startswith("__")}
    packages = {p.name for p in STUDY.iterdir() if (p / "__init__.py").is_file()}
    assert {"schema", "agreement", "app", "cli"} <= modules | packages  # the scan sees the package
    layout = readme_layout()
    unnamed = sorted(name for name in modules if f"`{name}`" not in layout) + \
        sorted(name for name in packages if f"`{name}/`" not in layout and f"`study/{name}/`" not in layout)
    assert unnamed == []
