"""The three wings: the engine imports neither renderer, each renderer imports only the engine,
and the front ends sit above both. No import runs upward."""
import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
ENGINE = sorted(p for p in (REPO / "nnviz_core").glob("*.py"))
DASHBOARD = sorted((REPO / "nnviz_core" / "dashboard").glob("*.py"))
SCENES = sorted(p for p in (REPO / "scenes").rglob("*.py"))
FRONT_ENDS = sorted((REPO / "nnviz_core" / "frontends").glob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, anywhere in it (functions too), as absolute names."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, node.module] if node.module else base)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from . import memory`
    return names


def reaches(path: Path, *banned: str) -> list[str]:
    return sorted(n for n in imported(path) for b in banned if n == b or n.startswith(b + "."))


@pytest.mark.parametrize("path", ENGINE, ids=lambda p: p.name)
def test_the_engine_imports_no_renderer_and_no_front_end(path):
    assert not reaches(path, "manim", "matplotlib", "scenes", "nnviz_core.dashboard", "nnviz_core.frontends")


@pytest.mark.parametrize("path", DASHBOARD + SCENES, ids=lambda p: str(p.relative_to(REPO)))
def test_a_renderer_imports_only_the_engine(path):
    other = "nnviz_core.dashboard" if path in SCENES else "scenes"
    assert not reaches(path, "nnviz_core.frontends", other)
    assert not reaches(path, "matplotlib" if path in SCENES else "manim")


def test_the_engine_loads_neither_manim_nor_matplotlib_and_scenes_load_no_matplotlib():
    """What is loaded, not only what is written: a module imported on the way counts too."""
    engine = [module_name(p) for p in ENGINE]
    scenes = [module_name(p) for p in SCENES if p.name != "slides.py"]  # slides load manim-slides
    probe = (f"import importlib, sys\n"
             f"for m in {engine!r}: importlib.import_module(m)\n"
             f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {{'manim', 'matplotlib'}}))\n"
             f"for m in {scenes!r}: importlib.import_module(m)\n"
             f"print('matplotlib' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:2] == ["[]", "False"]


def test_the_front_ends_are_all_that_import_scenes_in_the_core():
    core = [p for p in (REPO / "nnviz_core").rglob("*.py") if p not in FRONT_ENDS]
    assert not [str(p) for p in core if reaches(p, "scenes")]
    assert [p.name for p in FRONT_ENDS if reaches(p, "scenes")]  # the CLI and render do


@pytest.mark.parametrize("name", ["coolwarm", "berlin", "viridis"])
def test_the_engines_weight_maps_are_matplotlibs(name):
    """The engine's tables (no matplotlib) against matplotlib's own maps, entry by entry."""
    from matplotlib import colormaps

    from nnviz_core.colormaps import MAPS
    from nnviz_core.palette import to_hex

    theirs = [to_hex(rgb)[1:] for rgb in colormaps[name](np.linspace(0, 1, 256))]
    assert MAPS[name] == theirs
