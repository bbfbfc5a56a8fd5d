"""Reuse of finished outputs: a stamp per output with the digest of what determines it and the
hashes of the files written, so a damaged or missing file is recomputed, never reused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from qbcircuit._checks import QbcircuitError
from qbcircuit.results import RatioStudy, Trajectory, write_atomic

__all__ = ["SUFFIXES", "cached"]

T = TypeVar("T", Trajectory, RatioStudy)

SUFFIXES = (".json", ".csv", ".npz")


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _intact(out: Path, name: str, digest: str) -> list[str] | None:
    """The files of ``name`` when its stamp holds ``digest`` and every file it lists is there
    with the content recorded when it was written; None otherwise."""
    try:
        stamp = json.loads((out / f".{name}.digest").read_text())
        if stamp["digest"] != digest:
            return None
        files = dict(stamp["files"])
        if any(_hash(out / file) != sha for file, sha in files.items()):
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return sorted(files)


def cached(
    out: Path,
    name: str,
    digest: str,
    compute: Callable[[], T],
    load: Callable[[Path], T],
    files: list[str],
) -> tuple[T, bool]:
    """Reuse ``out/name.*`` when its stamp matches ``digest`` and its files are intact (the
    hashes recorded when they were written); else compute and save, and record them. The
    files used are added to ``files``."""
    target = out / f"{name}.json"
    kept = _intact(out, name, digest)
    if kept is not None:
        try:
            result = load(target)
        except QbcircuitError:
            kept = None
        else:
            files += kept
            return result, True
    result = compute()
    result.save(target)
    written = [f"{name}{suffix}" for suffix in SUFFIXES if (out / f"{name}{suffix}").exists()]
    if not isinstance(result, Trajectory) or result.states is None:
        written = [f for f in written if not f.endswith(".npz")]  # a stale one is not ours
    stamp = {"digest": digest, "files": {f: _hash(out / f) for f in written}}
    write_atomic(out / f".{name}.digest", json.dumps(stamp))
    files += written
    return result, False
