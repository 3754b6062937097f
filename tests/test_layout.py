"""The package's layout holds: rooms by stage, imports one way, small modules and functions, no globals assigned.

Read from the source with `ast`, so the test fails on the line that breaks a rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "mangacolor"
ROOMS = ("data", "nets", "train", "paint")
# Who may import whom: a room never imports a later stage, and nothing imports the CLI or the app.
FORBIDDEN = {
    "data": ("mangacolor.nets", "mangacolor.train", "mangacolor.paint", "mangacolor.metrics"),
    "nets": ("mangacolor.train", "mangacolor.paint", "mangacolor.metrics"),
    "train": ("mangacolor.paint",),
    "paint": ("mangacolor.train",),
}
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40


def modules(folder: Path = PACKAGE) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def imported(path: Path) -> set[str]:
    """Every mangacolor module `path` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in names if name.startswith("mangacolor")}


def test_the_package_is_in_rooms_by_stage():
    for room in ROOMS:
        assert (PACKAGE / room / "__init__.py").is_file(), room
    flat = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert set(flat) <= {
        "__init__",
        "app",
        "cli",
        "color",
        "config",
        "files",
        "metrics",
        "platforms",
        "startup",
        "visualize",
    }


@pytest.mark.parametrize("room", ROOMS)
def test_imports_run_one_way(room: str):
    for path in modules(PACKAGE / room):
        for name in imported(path):
            assert not name.startswith(FORBIDDEN[room]), f"{path.relative_to(ROOT)} imports {name}"


def test_nothing_imports_the_cli_or_the_app():
    for path in modules():
        if path.stem in ("cli", "app"):
            continue
        for name in imported(path):
            assert not name.startswith(("mangacolor.cli", "mangacolor.app")), f"{path.relative_to(ROOT)} imports {name}"


def test_modules_and_functions_stay_small():
    for path in modules():
        tree = ast.parse(path.read_text())
        lines = len(path.read_text().splitlines())
        assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)}: {lines} lines"
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                assert length <= MAX_FUNCTION_LINES, (
                    f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length} lines"
                )


def _module_aliases(tree: ast.Module) -> set[str]:
    """Names bound to mangacolor modules: `from mangacolor import compose`, `import mangacolor.x as y`."""
    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mangacolor"):
            aliases |= {alias.asname or alias.name for alias in node.names if alias.name.islower()}
        elif isinstance(node, ast.Import):
            aliases |= {alias.asname or alias.name for alias in node.names if alias.name.startswith("mangacolor")}
    return aliases


@pytest.mark.parametrize("folder", ["bench", "tests", "tools"])
def test_nothing_outside_a_module_assigns_to_its_globals(folder: str):
    """Sweeps and tests build settings objects; `compose.TINT_FADE = 4` would leak into every later colorizer."""
    for path in sorted((ROOT / folder).rglob("*.py")):
        tree = ast.parse(path.read_text())
        aliases = _module_aliases(tree)
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            for target in targets:
                if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    assert target.value.id not in aliases, (
                        f"{path.relative_to(ROOT)}:{node.lineno} assigns {target.value.id}.{target.attr}"
                    )


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(path: Path, known: set[str]) -> set[str]:
    """The mangacolor modules `path` imports when it runs (not under `if TYPE_CHECKING:`):
    `from a.b import c` is an edge to a.b.c where that is a module, else to a.b."""
    edges = set()
    tree = ast.parse(path.read_text())
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mangacolor"):
            for alias in node.names:
                edges.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module)
        elif isinstance(node, ast.Import):
            edges |= {alias.name for alias in node.names if alias.name in known}
    return edges


def test_no_import_circle():
    """A module never imports, through others, a module that imports it (package __init__
    files that re-export their room's names are followed too)."""
    graph = {_module_name(p): p for p in modules()}
    edges = {name: _runtime_imports(path, set(graph)) for name, path in graph.items()}
    done: set[str] = set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            raise AssertionError("import circle: " + " -> ".join([*trail[trail.index(name) :], name]))
        if name in done:
            return
        for other in sorted(edges.get(name, ())):
            visit(other, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        if name != "mangacolor":  # the top-level __init__ re-exports from every room, as users reach them
            visit(name, [])
