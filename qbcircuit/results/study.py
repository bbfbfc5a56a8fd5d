"""Long-time limits and the W/E-versus-N study of them."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._version import __version__
from qbcircuit.model import StarModel
from qbcircuit.results._io import _read_json, write_atomic

__all__ = ["REACH_STATUS", "LongTime", "RatioStudy"]


REACH_STATUS = ("reached", "not reached", "unknown")


@dataclass(frozen=True)
class LongTime:
    """The t -> infinity limit of the all-ground state and the time it takes to get there.

    ``n_stationary`` is the number of independent stationary states of the Dicke sector
    (N+1 at exact battery resonance, 1 when the battery is detuned). ``reach_time`` bounds the
    time after which |E(t) - E_inf| <= ``tolerance`` * E_inf (nan where no exact route gives
    it); ``energy_at_horizon`` and ``ergotropy_at_horizon`` are E and W at t = ``horizon``.
    """

    model: StarModel
    energy: float
    ergotropy: float
    charger_excitation: float
    n_stationary: int
    reach_time: float = math.nan
    tolerance: float = math.nan
    horizon: float = math.nan
    energy_at_horizon: float = math.nan
    ergotropy_at_horizon: float = math.nan
    version: str = __version__

    @property
    def ratio(self) -> float:
        return self.ergotropy / self.energy if self.energy > 0 else math.nan

    @property
    def ratio_at_horizon(self) -> float:
        """W/E at t = horizon (nan where not computed or E = 0)."""
        energy = self.energy_at_horizon
        return self.ergotropy_at_horizon / energy if energy > 0 else math.nan

    @property
    def status(self) -> str:
        """ "reached" (reach_time <= horizon), "not reached", or "unknown" (no reach time)."""
        if math.isnan(self.reach_time):
            return "unknown"
        return "reached" if self.reach_time <= self.horizon else "not reached"

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model.as_dict(),
            "energy": self.energy,
            "ergotropy": self.ergotropy,
            "ratio": self.ratio,
            "charger_excitation": self.charger_excitation,
            "n_stationary": self.n_stationary,
            "reach_time": self.reach_time,
            "tolerance": self.tolerance,
            "horizon": self.horizon,
            "status": self.status,
            "energy_at_horizon": self.energy_at_horizon,
            "ergotropy_at_horizon": self.ergotropy_at_horizon,
            "version": self.version,
        }

    @classmethod
    def from_dict(cls, document: Mapping[str, Any]) -> LongTime:
        """The inverse of :meth:`to_dict` (derived entries are recomputed, not read)."""
        names = [f.name for f in dataclasses.fields(cls) if f.name != "model"]
        return cls(
            model=StarModel.from_dict(document["model"]),
            **{name: document[name] for name in names if name in document},
        )


@dataclass(frozen=True)
class RatioStudy:
    """Long-time W/E versus N in three series, each with its reach time and its value at the
    horizon: ``resonant`` (dB = 0 at the base drive F: past N* ~ 4F/g a dark state traps the
    battery and the limit is not reached), ``scaled`` (dB = 0 with F = drive_ratio * g * N:
    charged in a time independent of N) and ``detuned`` (dB = ``detuning``, the unique,
    maximally mixed limit)."""

    base: StarModel
    detuning: float
    resonant: tuple[LongTime, ...]
    detuned: tuple[LongTime, ...]
    scaled: tuple[LongTime, ...] = ()
    drive_ratio: float = math.nan
    version: str = __version__

    @property
    def n_values(self) -> NDArray[np.int64]:
        return np.array([entry.model.n_batteries for entry in self.resonant])

    def series(self) -> dict[str, tuple[LongTime, ...]]:
        """The series by name, in the CSV's order (``scaled`` only when computed)."""
        named = {"resonant": self.resonant, "scaled": self.scaled, "detuned": self.detuned}
        return {name: entries for name, entries in named.items() if entries}

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "RatioStudy",
            "version": self.version,
            "base": self.base.as_dict(),
            "detuning": self.detuning,
            "drive_ratio": self.drive_ratio,
            **{name: [e.to_dict() for e in entries] for name, entries in self.series().items()},
        }

    def to_csv(self) -> str:
        """One row per N; per series: E, W, W/E and stationary states of the limit, its reach
        time and status, the drive F, and W/E at the horizon."""
        names = list(self.series())
        columns = ["E", "W", "ratio", "n_stationary", "reach_time", "status", "drive"]
        columns += ["ratio_horizon"]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        header = ["n_batteries", "horizon", "tolerance"]
        header += [f"{column}_{name}" for name in names for column in columns]
        writer.writerow([*header, "ratio_unique_formula"])
        series = self.series()
        for index, n in enumerate(self.n_values.tolist()):
            first = self.resonant[index]
            row: list[Any] = [n, first.horizon, first.tolerance]
            for name in names:
                entry = series[name][index]
                row += [entry.energy, entry.ergotropy, entry.ratio, entry.n_stationary]
                row += [entry.reach_time, entry.status, entry.model.drive, entry.ratio_at_horizon]
            writer.writerow([*row, (n - 1) / (n + 1)])
        return buffer.getvalue()

    def save(self, path: str | os.PathLike[str]) -> Path:
        target = Path(path).with_suffix(".json")
        write_atomic(target.with_suffix(".csv"), self.to_csv())
        return write_atomic(target, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> RatioStudy:
        document = _read_json(path, "RatioStudy")

        def entries(name: str) -> tuple[LongTime, ...]:
            return tuple(LongTime.from_dict(row) for row in document.get(name, []))

        return cls(
            base=StarModel.from_dict(document["base"]),
            detuning=document["detuning"],
            resonant=entries("resonant"),
            detuned=entries("detuned"),
            scaled=entries("scaled"),
            drive_ratio=document.get("drive_ratio", math.nan),
            version=document["version"],
        )
