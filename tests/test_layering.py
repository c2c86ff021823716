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


# -- no import circles: each module builds on the ones below it ------------------------------


def module_name(path: Path) -> str:
    parts = path.relative_to(STUDY.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """The package's modules ``path`` imports when it runs (late imports inside functions count;
    imports under ``if TYPE_CHECKING:`` are for the type checker only and do not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.ImportFrom):
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else [])) \
                if node.level else node.module or ""
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return (found & modules) - {module_name(path)}


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The groups of modules that import each other, directly or round about (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        for other in graph[module]:
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            group = []
            while not group or group[-1] != module:
                group.append(stack.pop())
            if len(group) > 1:
                circles.append(sorted(group))

    for module in graph:
        if module not in index:
            visit(module)
    return circles


def study_import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for p in STUDY.rglob("*.py")}
    return {name: imported_modules(path, set(paths)) for name, path in paths.items()}


def test_no_module_of_the_package_imports_itself_round_about():
    graph = study_import_graph()
    assert "study.coding_write" in graph["study.codings"]  # the scan sees imports
    assert import_circles(graph) == []


def test_the_circle_finder_finds_a_circle():
    assert import_circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def orm_sessions_opened(path: Path) -> list[int]:
    """Lines of ``path`` that open an ORM session (``Session(...)``, ``sessionmaker(...)``) outside
    ``database.ended_safely(...)``, which ends it with the cycle collector paused (CPython 3.11's
    heap corruption at a session's end: see its docstring)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrapped = {id(arg) for node in ast.walk(tree) if isinstance(node, ast.Call)
               and getattr(node.func, "id", getattr(node.func, "attr", None)) == "ended_safely" for arg in node.args}
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call) and id(node) not in wrapped
            and getattr(node.func, "id", getattr(node.func, "attr", None)) in ("Session", "sessionmaker")]


def test_every_orm_session_ends_through_ended_safely():
    # Study.session makes its sessionmaker once and ends each session through ended_safely
    allowed = {"database.py": 1}
    found = {str(p.relative_to(STUDY)): len(lines) for p in STUDY.rglob("*.py") if (lines := orm_sessions_opened(p))}
    assert found == allowed
    assert orm_sessions_opened(STUDY / "archive" / "writing.py") == []  # its two sessions are wrapped
