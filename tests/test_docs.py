"""Every Python example of the README and the documentation runs as written.

Each page's ``python`` blocks run in order in one namespace (a page reads as one session), in
an empty folder. The getting-started page reads the main job's trajectory file, which is made
here the way the main job makes it. Pages whose examples need an extra that is not installed
are skipped with the reason. The tutorials (docs/tutorials/*.py) run in the documentation
build, which executes them.
"""

from __future__ import annotations

import importlib.util
import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(
    [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")], key=lambda p: str(p.relative_to(ROOT))
)
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)
EXTRAS = {"qbcircuit import StarModel, pulse": "qiskit_dynamics"}


def blocks(page: Path) -> list[str]:
    return BLOCK.findall(page.read_text())


def test_pages_with_examples_are_found():
    with_examples = {p.relative_to(ROOT).as_posix() for p in PAGES if blocks(p)}
    assert {"README.md", "docs/getting-started.md", "docs/guide/python-api.md"} <= with_examples


@pytest.mark.parametrize(
    "page", [p for p in PAGES if blocks(p)], ids=lambda p: p.relative_to(ROOT).as_posix()
)
def test_examples_run_as_written(page, tmp_path, monkeypatch):
    code = blocks(page)
    for marker, module in EXTRAS.items():
        if any(marker in block for block in code) and importlib.util.find_spec(module) is None:
            pytest.skip(f"{page.name} needs {module} (the pulse profile)")
    monkeypatch.chdir(tmp_path)
    if any("qbcircuit-out/trajectory.json" in block for block in code):
        from qbcircuit import exact
        from qbcircuit.config import RunConfig, default_config_path

        config = RunConfig.from_toml(default_config_path())
        trajectory = exact.evolve(config.model, config.times.times())
        trajectory.save("qbcircuit-out/trajectory.json")
    module = types.ModuleType("docs_example")  # a real module: dataclasses look it up
    monkeypatch.setitem(sys.modules, module.__name__, module)
    for number, block in enumerate(code, start=1):
        exec(compile(block, f"{page.name}, example {number}", "exec"), module.__dict__)
