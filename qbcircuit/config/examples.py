"""The example configs: the default experiment, a device-sized one, a sweep.

An installed wheel carries them inside the package (``qbcircuit/_examples``); a checkout reads
them from ``circuits/``. ``qbcircuit init`` copies them into a folder to start from.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from qbcircuit._checks import QbcircuitError

__all__ = ["EXAMPLES", "example_path", "write_examples"]

EXAMPLES = {
    "default.toml": "the main job's default experiment (qbcircuit run)",
    "hardware_n2.toml": "a device-sized experiment, N = 2 (qbcircuit submit / collect)",
    "sweep.toml": "long-time W/E and charging time over N and dB (qbcircuit sweep)",
}


def example_path(name: str) -> Path:
    """The packaged copy of the example ``name``, else the checkout's ``circuits/name``."""
    if name not in EXAMPLES:
        raise QbcircuitError(f"No example config {name!r}; there are {', '.join(EXAMPLES)}.")
    packaged = resources.files("qbcircuit").joinpath("_examples", name)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[2] / "circuits" / name
    if checkout.is_file():
        return checkout
    raise QbcircuitError(f"The example config {name} is missing from this installation.")


def write_examples(folder: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """Copy every example config into ``folder`` (created if needed); an existing file is
    refused before anything is written, unless ``force``."""
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise QbcircuitError(f"{target} exists and is not a folder.")
    paths = [target / name for name in EXAMPLES]
    taken = [p for p in paths if p.exists()]
    if taken and not force:
        raise QbcircuitError(f"{taken[0]} exists; pass --force to overwrite the example configs.")
    sources = [example_path(name) for name in EXAMPLES]
    target.mkdir(parents=True, exist_ok=True)
    for source, path in zip(sources, paths, strict=True):
        path.write_text(source.read_text())
    return paths
