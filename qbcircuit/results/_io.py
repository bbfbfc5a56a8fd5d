"""Atomic writes and the checked reading of saved results."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import QbcircuitError

__all__ = ["LABELS", "write_atomic"]

LABELS = ("exact", "pulse", "aer", "tomography", "hardware")


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write via a temporary file in the same folder and rename: never a half-written file."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def remove_temporaries(folder: str | os.PathLike[str]) -> list[str]:
    """Delete the temporary files :func:`write_atomic` leaves in ``folder`` when its process is
    killed mid-write (``.NAME.*.tmp``, never a finished file); return their names. A command
    that writes into a folder calls it first, so a killed run leaves nothing behind its rerun."""
    removed = []
    for stale in Path(folder).glob(".*.tmp"):
        if stale.is_file():
            stale.unlink(missing_ok=True)
            removed.append(stale.name)
    return removed


def _frozen(values: Any) -> NDArray[np.float64]:
    array = np.array(values, dtype=float)
    array.setflags(write=False)
    return array


def _read_json(path: str | os.PathLike[str], kind: str) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise QbcircuitError(f"Cannot read {kind} from {os.fspath(path)!r}: {error}.") from None
    if document.get("kind") != kind:
        raise QbcircuitError(f"File {os.fspath(path)!r} does not hold a {kind}.")
    return document
