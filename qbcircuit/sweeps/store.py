"""The results store of a sweep: a folder that is only ever added to, one file per point.

    OUT/sweep.json          format, package version, the sweep's digest and config text
    OUT/points/NNNNN-K.json one finished point (parameters, key, values, trajectory)
    OUT/sweep.csv           one row per finished point (rewritten at the end of a run)

Every file is written by rename (:func:`qbcircuit.results.write_atomic`): a killed run leaves
whole files only. A store whose manifest differs in format, version or digest is refused.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.results import write_atomic
from qbcircuit.sweeps.spec import SweepPoint

__all__ = ["MANIFEST", "STORE_FORMAT", "Store"]

STORE_FORMAT = "qbcircuit-sweep/1"
MANIFEST = "sweep.json"


class Store:
    """The folder ``root`` holding the sweep whose content hashes to ``digest``."""

    def __init__(self, root: str | os.PathLike[str], digest: str) -> None:
        self.root = Path(root)
        self.digest = digest
        self.points = self.root / "points"

    def check(self) -> None:
        """Refuse a store of another format, version or sweep, or a folder holding something
        else; writes nothing."""
        manifest = self.root / MANIFEST
        if manifest.exists():
            try:
                document = json.loads(manifest.read_text())
            except (OSError, ValueError) as error:
                raise QbcircuitError(f"Cannot read the sweep store {manifest}: {error}.") from None
            where = f"The sweep store {self.root}"
            if document.get("format") != STORE_FORMAT:
                raise QbcircuitError(
                    f"{where} has format {document.get('format')!r}, not {STORE_FORMAT!r}; "
                    "use another --out."
                )
            if document.get("version") != __version__:
                raise QbcircuitError(
                    f"{where} was written by qbcircuit {document.get('version')}, this is "
                    f"{__version__}; its points are not mixed with new ones: use another --out."
                )
            if document.get("digest") != self.digest:
                raise QbcircuitError(
                    f"{where} holds a different sweep (config digest {document.get('digest')}, "
                    f"this one {self.digest}); never mixed: use another --out."
                )
            return
        if self.root.exists() and any(self.root.iterdir()):
            raise QbcircuitError(
                f"Folder {self.root} is not empty and holds no sweep; use another --out."
            )

    def create(self, text: str, size: int) -> None:
        """Write the manifest of a new store (after :meth:`check`; kept if it exists)."""
        manifest = self.root / MANIFEST
        if manifest.exists():
            return
        document = {
            "format": STORE_FORMAT,
            "version": __version__,
            "digest": self.digest,
            "points": size,
            "config": text,
        }
        write_atomic(manifest, json.dumps(document, indent=1))

    def finished(self, point: SweepPoint) -> dict[str, Any] | None:
        """The stored record of ``point``, or None if it has not finished (or is unreadable)."""
        path = self.points / point.filename
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return record if record.get("key") == point.key else None

    def write(self, point: SweepPoint, result: Mapping[str, Any]) -> dict[str, Any]:
        record = {
            "index": point.index,
            "key": point.key,
            "parameters": dict(point.parameters),
            "model": point.config.model.as_dict(),
            "method": point.method,
            **result,
        }
        write_atomic(self.points / point.filename, json.dumps(record))
        return record

    def write_table(self, rows: Sequence[Mapping[str, Any]]) -> Path:
        return write_atomic(self.root / "sweep.csv", table_csv(rows))


def table_csv(rows: Sequence[Mapping[str, Any]]) -> str:
    """CSV of flat rows; columns in order of first appearance, floats as repr."""
    columns: list[str] = []
    for row in rows:
        columns.extend(name for name in row if name not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(name, "")) for name in columns])
    return buffer.getvalue()


def _cell(value: Any) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)
