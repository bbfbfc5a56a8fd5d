"""Frozen results and the only place with serialization (JSON + CSV, written atomically).

Every path (exact, aer, pulse, tomography, hardware) produces a :class:`Trajectory` with a fixed
``label``, so comparisons are pairwise. Results carry the model, the options that produced them
and the package version.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.model import StarModel

__all__ = ["LABELS", "LongTime", "RatioStudy", "Trajectory", "write_atomic"]

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


@dataclass(frozen=True, eq=False, init=False, repr=False)
class Trajectory:
    """Time series of the battery from the all-ground state, keyed by observable name.

    ``series`` maps names (those of :data:`qbcircuit.observables.OBSERVABLES` and
    ``charger_excitation``; ``energy`` and ``ergotropy`` always) to arrays of shape (T,);
    ``errors`` maps some of them to one standard error (sampling or shots). The usual names
    are attributes too (``.energy``, ``.ergotropy``, ``.local_ergotropy``, ``.purity``, ...,
    ``.energy_error``), and series may be given as keywords: ``Trajectory(label=..., model=...,
    times=..., energy=..., ergotropy=..., energy_error=...)``. ``states`` (optional) has shape
    (T, D, D): battery states in Qiskit qubit order (``state_basis="qubits"``, D = 2^N) or the
    Dicke basis (``"dicke"``, D = N+1).
    """

    label: str
    model: StarModel
    times: NDArray[np.float64]
    series: Mapping[str, NDArray[np.float64]]
    errors: Mapping[str, NDArray[np.float64]]
    options: Mapping[str, Any]
    states: NDArray[np.complex128] | None
    state_basis: str | None
    version: str

    def __init__(
        self,
        label: str,
        model: StarModel,
        times: ArrayLike,
        series: Mapping[str, ArrayLike] | None = None,
        errors: Mapping[str, ArrayLike | None] | None = None,
        options: Mapping[str, Any] | None = None,
        states: ArrayLike | None = None,
        state_basis: str | None = None,
        version: str = __version__,
        **named: ArrayLike | None,
    ) -> None:
        if label not in LABELS:
            raise QbcircuitError(f"Argument `label` must be one of {LABELS}, got {label!r}.")
        all_series = dict(series or {})
        all_errors = {k: v for k, v in (errors or {}).items() if v is not None}
        for name, value in named.items():
            if name.endswith("_error"):
                if value is not None:
                    all_errors[name[: -len("_error")]] = value
            elif value is not None:
                all_series[name] = value
        for required in ("energy", "ergotropy"):
            if required not in all_series:
                raise QbcircuitError(f"A Trajectory needs the series `{required}`.")
        frozen_times = _frozen(times)
        size = frozen_times.shape

        def checked(name: str, value: ArrayLike) -> NDArray[np.float64]:
            array = _frozen(value)
            if array.shape != size:
                raise QbcircuitError(f"Series `{name}` must have shape {size}.")
            return array

        frozen_series = {name: checked(name, value) for name, value in all_series.items()}
        unknown = sorted(set(all_errors) - set(frozen_series))
        if unknown:
            raise QbcircuitError(f"Error `{unknown[0]}_error` has no series `{unknown[0]}`.")
        frozen_errors = {
            name: checked(f"{name}_error", value) for name, value in all_errors.items()
        }
        kept = None if states is None else np.array(states, dtype=complex)
        if kept is not None:
            kept.setflags(write=False)
        fields: tuple[tuple[str, Any], ...] = (
            ("label", label),
            ("model", model),
            ("times", frozen_times),
            ("series", frozen_series),
            ("errors", frozen_errors),
            ("options", dict(options or {})),
            ("states", kept),
            ("state_basis", state_basis),
            ("version", version),
        )
        for name, value in fields:
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        times = self.times
        span = f"{times.size} times in [{times[0]:g}, {times[-1]:g}]" if times.size else "no times"
        kept = f", states ({self.state_basis})" if self.states is not None else ""
        return (
            f"Trajectory({self.label!r}, N={self.model.n_batteries}, {span}, "
            f"series: {', '.join(self.series)}; errors: {', '.join(self.errors) or 'none'}"
            f"{kept})"
        )

    def __getitem__(self, name: str) -> NDArray[np.float64]:
        """The series ``name`` (e.g. ``trajectory["purity"]``)."""
        try:
            return self.series[name]
        except KeyError:
            raise QbcircuitError(
                f"This trajectory has no series {name!r}; it has {', '.join(self.series)}."
            ) from None

    @property
    def energy(self) -> NDArray[np.float64]:
        return self.series["energy"]

    @property
    def ergotropy(self) -> NDArray[np.float64]:
        return self.series["ergotropy"]

    @property
    def local_ergotropy(self) -> NDArray[np.float64]:
        return self["local_ergotropy"]

    @property
    def locked_ergotropy(self) -> NDArray[np.float64]:
        return self["locked_ergotropy"]

    @property
    def charger_excitation(self) -> NDArray[np.float64]:
        return self["charger_excitation"]

    @property
    def purity(self) -> NDArray[np.float64]:
        return self["purity"]

    @property
    def energy_error(self) -> NDArray[np.float64] | None:
        return self.errors.get("energy")

    @property
    def ergotropy_error(self) -> NDArray[np.float64] | None:
        return self.errors.get("ergotropy")

    @property
    def ratio(self) -> NDArray[np.float64]:
        """W/E (nan where E = 0)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.energy > 0, self.ergotropy / self.energy, np.nan)

    def battery_state(self, index: int) -> NDArray[np.complex128]:
        """Battery state at ``times[index]`` (see ``state_basis``), if states were kept."""
        if self.states is None:
            raise QbcircuitError(
                "This trajectory kept no battery states; rerun with keep_states=True."
            )
        return self.states[index]

    # ----------------------------------------------------------------- serialization
    def to_dict(self) -> dict[str, Any]:
        columns = self._columns()
        return {
            "kind": "Trajectory",
            "label": self.label,
            "version": self.version,
            "model": self.model.as_dict(),
            "options": self.options,
            "series": {name: values.tolist() for name, values in columns.items()},
            "state_basis": self.state_basis,
        }

    def _columns(self) -> dict[str, NDArray[np.float64]]:
        """times, the series, then ``<name>_error`` for each error."""
        columns = {"times": self.times, **self.series}
        columns.update({f"{name}_error": values for name, values in self.errors.items()})
        return columns

    def to_csv(self) -> str:
        columns = self._columns()
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*columns, "ratio"])
        table = np.column_stack([*columns.values(), self.ratio])
        writer.writerows([[repr(float(x)) for x in row] for row in table])
        return buffer.getvalue()

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write ``path`` (JSON), the CSV beside it, and the states (.npz) when kept."""
        target = Path(path).with_suffix(".json")
        write_atomic(target.with_suffix(".csv"), self.to_csv())
        if self.states is not None:
            buffer = io.BytesIO()
            np.savez_compressed(buffer, states=self.states)
            write_atomic(target.with_suffix(".npz"), buffer.getvalue())
        return write_atomic(target, json.dumps(self.to_dict(), indent=1))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Trajectory:
        document = _read_json(path, "Trajectory")
        states_file = Path(path).with_suffix(".npz")
        states = None
        if document.get("state_basis") and states_file.exists():
            states = np.load(states_file)["states"]
        return cls.from_dict(document, states=states)

    @classmethod
    def from_dict(
        cls, document: Mapping[str, Any], states: NDArray[np.complex128] | None = None
    ) -> Trajectory:
        """The inverse of :meth:`to_dict` (states, when kept, travel separately)."""
        return cls(
            label=document["label"],
            model=StarModel.from_dict(document["model"]),
            options=document["options"],
            state_basis=document.get("state_basis"),
            states=states,
            version=document["version"],
            **document["series"],
        )


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
