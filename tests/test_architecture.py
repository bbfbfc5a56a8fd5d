"""Imports run one way: app -> pipeline -> paths -> core (every import of the package read from
the source, lazy ones included), and no module grows past the size a reader takes in at once."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qbcircuit"
LAYERS = {
    "core": {
        "_checks",
        "_install",
        "_threads",
        "_version",
        "model",
        "dicke",
        "thermo",
        "observables",
        "results",
    },
    "paths": {"exact", "circuits", "emulation", "pulse", "tomography", "backends"},
    "pipeline": {"pipeline"},
    "app": {
        "_launch",
        "config",
        "mainjob",
        "jobs",
        "jobfile",
        "sweeps",
        "plots",
        "cli",
        "compare",
        "studies",
        "reports",
    },
}
RANK = {name: rank for rank, names in enumerate(LAYERS.values()) for name in names}
MAX_LINES = 350
FORMER_HOMES = {"tomography/__init__.py": {"pipeline"}, "tomography/emulate.py": {"pipeline"}}
"""Aliases of moved names, kept for one release: their only upward import."""


def top(module: str) -> str:
    return module.split(".")[1] if module.startswith("qbcircuit.") else ""


def imported(path: Path) -> set[str]:
    """The top-level qbcircuit modules ``path`` imports (anywhere in the file)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "qbcircuit":
                names |= {alias.name for alias in node.names}
            names.add(top(node.module))
        elif isinstance(node, ast.Import):
            names |= {top(alias.name) for alias in node.names}
    return {n for n in names if n in RANK}


def sources():
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name != "__main__.py")


def owner(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_run_one_way(path):
    if path == PACKAGE / "__init__.py":
        return  # the package's front door re-exports every layer
    name = owner(path)
    assert name in RANK, f"{name} belongs to no layer"
    allowed = FORMER_HOMES.get(str(path.relative_to(PACKAGE)), set())
    upward = {n for n in imported(path) if RANK[n] > RANK[name]} - allowed
    assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)} from a higher layer"


def test_config_does_not_import_the_sweeps():
    for path in (PACKAGE / "config").glob("*.py"):
        assert "sweeps" not in imported(path), path.name


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines"


def test_the_front_door_loads_nothing_until_a_name_is_used():
    import subprocess
    import sys

    probe = (
        "import sys, qbcircuit; before = 'qiskit' in sys.modules; "
        "[getattr(qbcircuit, name) for name in qbcircuit.__all__]; "
        "print(before, 'qiskit' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]
