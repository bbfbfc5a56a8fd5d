"""The Trajectory: every path's result, series and errors keyed by observable name."""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.model import StarModel
from qbcircuit.results._io import LABELS, _frozen, _read_json, write_atomic

__all__ = ["Trajectory"]


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
    def ratio_error(self) -> NDArray[np.float64] | None:
        return self.errors.get("ratio")

    @property
    def ratio(self) -> NDArray[np.float64]:
        """W/E: the series ``ratio`` where a path computed it (tomography: W/E of the fitted
        state), else W/E of the series (nan where E = 0)."""
        if "ratio" in self.series:
            return self.series["ratio"]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.energy > 0, self.ergotropy / self.energy, np.nan)

    def battery_state(self, index: int) -> NDArray[np.complex128]:
        """Battery state at ``times[index]`` (see ``state_basis``), if states were kept."""
        if self.states is None:
            raise QbcircuitError(
                "This trajectory kept no battery states; rerun with keep_states=True."
            )
        return self.states[index]

    def table(self, every: int = 1, names: Sequence[str] | None = None) -> str:
        """A Markdown table of the series at every ``every``-th time (the last always), a
        series with a standard error written as ``value +- error``; ``names`` picks series
        (``"ratio"`` is W/E, the last column by default)."""
        if every < 1:
            raise QbcircuitError(f"Argument `every` must be >= 1, got {every}.")
        chosen = [*self.series, "ratio"] if names is None else list(names)
        chosen = list(dict.fromkeys(chosen))
        columns = {n: self.ratio if n == "ratio" else self[n] for n in chosen}
        rows = sorted({*range(0, self.times.size, every), self.times.size - 1} - {-1})

        def cell(name: str, i: int) -> str:
            error = self.errors.get(name)
            value = f"{columns[name][i]:.4g}"
            return value if error is None else f"{value} +- {error[i]:.2g}"

        lines = ["| t | " + " | ".join(chosen) + " |", "|---" * (len(chosen) + 1) + "|"]
        lines += [
            f"| {self.times[i]:g} | " + " | ".join(cell(n, i) for n in chosen) + " |" for i in rows
        ]
        return "\n".join(lines)

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
        extra = {} if "ratio" in columns else {"ratio": self.ratio}
        writer.writerow([*columns, *extra])
        table = np.column_stack([*columns.values(), *extra.values()])
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
