"""Run configuration: a TOML file with a [model] table and optional [times] and [study].

    [model]   StarModel fields (see qbcircuit.model)
    [times]   stop (> 0), points (>= 2): time traces on linspace(0, stop, points)
    [study]   n_values (increasing integers >= 1), battery_detuning (!= 0, for the detuned series),
              drive_ratio (> 0: the scaled series F = drive_ratio g N), horizon (> 0) and
              tolerance (in (0, 1)): a limit not within tolerance of E_inf by horizon is flagged
    [aer]     dt, order, ordering, dephasing, instances, seed, n_values: the Trotter emulation
              compared with exact (n_values defaults to the model's N)
    [tomography] method, shots, fitter, points, replicates, confidence: tomography of the
              same circuits (the model's N) at ``points`` times of the grid; points = 0: off
    [pulse]   frame, drive_shape, coupling_form, omega0, rtol, atol, basis: the lab-frame
              leg of ``qbcircuit compare`` (omega0: lab frequency, in the units of F and g)
    [hardware] backend, dt, stop, points, dephasing, instances, max_depth, mitigation,
              calibration_shots, optimization_level, seed, pubs_per_job: ``qbcircuit submit``
              (tomography settings from [tomography]; dt and stop default to [aer] and [times])
    [sweep]   compute, method, limit, level, t_max, [sweep.grid] or [[sweep.points]]:
              ``qbcircuit sweep`` (see qbcircuit.sweeps)

Unknown tables or keys are refused with one sentence naming them.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import (
    QbcircuitError,
    check_choice,
    check_finite,
    check_fraction,
    check_integer,
    check_positive,
    check_seed,
)
from qbcircuit._version import __version__
from qbcircuit.model import StarModel, read_toml

if TYPE_CHECKING:
    from qbcircuit.sweeps.spec import SweepConfig

__all__ = [
    "AerConfig",
    "HardwareConfig",
    "PulseConfig",
    "RunConfig",
    "StudyConfig",
    "TimeGrid",
    "TomographyConfig",
    "default_config_path",
]

_TABLES = ("model", "times", "study", "aer", "tomography", "pulse", "hardware", "sweep")
_DEFAULT_N = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 50, 100, 200, 500, 1000)


def _table(document: Mapping[str, Any], name: str, keys: tuple[str, ...], where: str) -> dict:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise QbcircuitError(f"[{name}] in {where} must be a table.")
    unknown = sorted(set(table) - set(keys))
    if unknown:
        expected = ", ".join(keys)
        raise QbcircuitError(
            f"Unknown key {unknown[0]!r} in [{name}] of {where}; expected some of {expected}."
        )
    return table


@dataclass(frozen=True)
class TimeGrid:
    stop: float = 30.0
    points: int = 121

    def __post_init__(self) -> None:
        object.__setattr__(self, "stop", check_positive("times.stop", self.stop))
        check_integer("times.points", self.points, low=2)

    def times(self) -> NDArray[np.float64]:
        return np.linspace(0.0, self.stop, self.points)


@dataclass(frozen=True)
class StudyConfig:
    """[study]: long-time W/E versus N (see qbcircuit.studies.long_time_versus_n).

    ``drive_ratio`` sets the scaled resonant series F = drive_ratio * g * N; a limit whose
    reach time (E within ``tolerance`` of E_inf) exceeds ``horizon`` is flagged not reached.
    """

    n_values: tuple[int, ...] = _DEFAULT_N
    battery_detuning: float = 0.5
    drive_ratio: float = 2.0
    horizon: float = 1e3
    tolerance: float = 1e-2

    def __post_init__(self) -> None:
        values = self.n_values
        if (
            not isinstance(values, (list, tuple))
            or not values
            or any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in values)
            or any(b <= a for a, b in itertools.pairwise(values))
        ):
            raise QbcircuitError(
                f"Argument `study.n_values` must be increasing integers >= 1, got {values!r}."
            )
        object.__setattr__(self, "n_values", tuple(values))
        detuning = check_finite("study.battery_detuning", self.battery_detuning)
        if detuning == 0:
            raise QbcircuitError(
                "Argument `study.battery_detuning` must be != 0 (it makes the "
                "detuned series), got 0."
            )
        object.__setattr__(self, "battery_detuning", detuning)
        object.__setattr__(
            self, "drive_ratio", check_positive("study.drive_ratio", self.drive_ratio)
        )
        object.__setattr__(self, "horizon", check_positive("study.horizon", self.horizon))
        object.__setattr__(self, "tolerance", check_fraction("study.tolerance", self.tolerance))


@dataclass(frozen=True)
class AerConfig:
    dt: float = 0.05
    order: int = 2
    ordering: str = "palindromic"
    dephasing: str = "channel"
    instances: int | None = None
    seed: int = 1
    n_values: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        from qbcircuit.circuits import check_options

        object.__setattr__(self, "dt", check_positive("aer.dt", self.dt))
        check_options(self.order, self.ordering, self.dephasing)
        if self.instances is not None:
            check_integer("aer.instances", self.instances, low=1)
        check_seed("aer.seed", self.seed)
        if self.n_values is not None:
            object.__setattr__(self, "n_values", StudyConfig(n_values=self.n_values).n_values)

    def circuit_options(self) -> dict[str, Any]:
        """The circuit keywords shared by emulate, emulate_tomography and compare's aer leg."""
        return {
            "order": self.order,
            "ordering": self.ordering,
            "dephasing": self.dephasing,
            "instances": self.instances,
            "seed": self.seed,
        }


@dataclass(frozen=True)
class TomographyConfig:
    method: str = "permutation"
    shots: int = 2000
    fitter: str = "mle"
    points: int = 7
    replicates: int = 100
    confidence: float = 0.9

    def __post_init__(self) -> None:
        from qbcircuit.tomography import FITTERS, METHODS

        check_choice("tomography.method", self.method, METHODS)
        check_choice("tomography.fitter", self.fitter, FITTERS)
        for name, low in (("shots", 1), ("points", 0), ("replicates", 0)):
            check_integer(f"tomography.{name}", getattr(self, name), low=low)
        check_fraction("tomography.confidence", self.confidence)

    def emulation_options(self) -> dict[str, Any]:
        """The emulate_tomography keywords of this table, shared by the main job and sweeps
        (``points`` selects the times: see :meth:`times`)."""
        return {
            "method": self.method,
            "shots": self.shots,
            "fitter": self.fitter,
            "confidence": self.confidence,
            "replicates": self.replicates,
        }

    def times(self, grid: NDArray[np.float64]) -> NDArray[np.float64]:
        """``points`` times of ``grid``, evenly spread over it (both ends included)."""
        count = min(self.points, grid.size)
        return grid[np.unique(np.round(np.linspace(0, grid.size - 1, count)).astype(int))]


@dataclass(frozen=True)
class PulseConfig:
    frame: str = "lab"
    drive_shape: str = "linear"
    coupling_form: str = "flipflop"
    omega0: float = 20.0
    rtol: float = 1e-8
    atol: float = 1e-8
    basis: str = "auto"

    def __post_init__(self) -> None:
        from qbcircuit.pulse import COUPLING_FORMS, DRIVE_SHAPES, FRAMES

        for name, allowed in (
            ("frame", FRAMES),
            ("drive_shape", DRIVE_SHAPES),
            ("coupling_form", COUPLING_FORMS),
            ("basis", ("auto", "full", "dicke")),
        ):
            check_choice(f"pulse.{name}", getattr(self, name), allowed)
        for name in ("omega0", "rtol", "atol"):
            object.__setattr__(self, name, check_positive(f"pulse.{name}", getattr(self, name)))


@dataclass(frozen=True)
class HardwareConfig:
    """``qbcircuit submit``: the Trotter circuits with in-circuit dephasing, measured in every
    tomography setting of [tomography] at ``points`` times of linspace(0, stop, points)."""

    backend: str = "aer"
    dt: float | None = None
    stop: float | None = None
    points: int = 5
    dephasing: str = "gaussian"
    instances: int = 8
    max_depth: int = 20000
    mitigation: bool = True
    calibration_shots: int = 4000
    optimization_level: int = 3
    seed: int = 1
    pubs_per_job: int = 100

    def __post_init__(self) -> None:
        from qbcircuit.backends import parse_backend_spec
        from qbcircuit.circuits import DEPHASING_KINDS

        parse_backend_spec(self.backend, name="hardware.backend")
        for name in ("dt", "stop"):
            if getattr(self, name) is not None:
                object.__setattr__(
                    self, name, check_positive(f"hardware.{name}", getattr(self, name))
                )
        if self.dephasing not in DEPHASING_KINDS:
            raise QbcircuitError(
                f"Argument `hardware.dephasing` must be one of {DEPHASING_KINDS}, got "
                f"{self.dephasing!r}."
            )
        for name, low in (
            ("points", 1),
            ("instances", 1),
            ("max_depth", 1),
            ("calibration_shots", 1),
            ("seed", 0),
            ("pubs_per_job", 1),
        ):
            check_integer(f"hardware.{name}", getattr(self, name), low=low)
        check_integer("hardware.optimization_level", self.optimization_level, low=0, high=3)
        if not isinstance(self.mitigation, bool):
            raise QbcircuitError(
                f"Argument `hardware.mitigation` must be true or false, got {self.mitigation!r}."
            )


@dataclass(frozen=True)
class RunConfig:
    model: StarModel
    times: TimeGrid = TimeGrid()
    study: StudyConfig = StudyConfig()
    aer: AerConfig = AerConfig()
    tomography: TomographyConfig = TomographyConfig()
    pulse: PulseConfig = PulseConfig()
    hardware: HardwareConfig = HardwareConfig()
    sweep: SweepConfig | None = None
    source: str = "<memory>"
    text: str = ""

    def __post_init__(self) -> None:
        from qbcircuit.circuits import steps_for

        steps_for(self.times.stop / (self.times.points - 1), self.aer.dt, name="times step")

    @property
    def aer_n_values(self) -> tuple[int, ...]:
        return self.aer.n_values or (self.model.n_batteries,)

    def hardware_dt(self) -> float:
        return self.hardware.dt if self.hardware.dt is not None else self.aer.dt

    def hardware_times(self) -> NDArray[np.float64]:
        """linspace(0, stop, points) of [hardware], each a multiple of its dt."""
        from qbcircuit.circuits import steps_for

        stop = self.hardware.stop if self.hardware.stop is not None else self.times.stop
        points = self.hardware.points
        times = np.linspace(0.0, stop, points) if points > 1 else np.array([stop])
        for t in times:
            steps_for(float(t), self.hardware_dt(), name="hardware times")
        return times

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> RunConfig:
        text = Path(path).read_text() if Path(path).is_file() else ""
        return cls.from_document(read_toml(path), os.fspath(path), text)

    @classmethod
    def from_text(cls, text: str, source: str) -> RunConfig:
        """From TOML text (as kept in a job file); ``source`` names it in messages."""
        from qbcircuit.model import parse_toml

        return cls.from_document(parse_toml(text, source), source, text)

    @classmethod
    def from_document(cls, document: Mapping[str, Any], source: str, text: str = "") -> RunConfig:
        where = repr(source)
        unknown = sorted(set(document) - set(_TABLES))
        if unknown:
            raise QbcircuitError(
                f"Unknown table [{unknown[0]}] in {where}; expected some of "
                + ", ".join(f"[{t}]" for t in _TABLES)
                + "."
            )
        if "model" not in document:
            raise QbcircuitError(f"Config file {where} has no [model] table.")
        model_keys = _keys(StarModel)
        sweep = None
        if "sweep" in document:
            from qbcircuit.sweeps.spec import SweepConfig

            if not isinstance(document["sweep"], dict):
                raise QbcircuitError(f"[sweep] in {where} must be a table.")
            sweep = SweepConfig.from_table(document["sweep"], where)
        try:
            return cls(
                model=StarModel.from_dict(
                    _table(document, "model", model_keys, where), where=f"[model] of {where}"
                ),
                times=TimeGrid(**_table(document, "times", _keys(TimeGrid), where)),
                study=StudyConfig(**_table(document, "study", _keys(StudyConfig), where)),
                aer=AerConfig(**_table(document, "aer", _keys(AerConfig), where)),
                tomography=TomographyConfig(
                    **_table(document, "tomography", _keys(TomographyConfig), where)
                ),
                pulse=PulseConfig(**_table(document, "pulse", _keys(PulseConfig), where)),
                hardware=HardwareConfig(
                    **_table(document, "hardware", _keys(HardwareConfig), where)
                ),
                sweep=sweep,
                source=source,
                text=text,
            )
        except TypeError as error:  # pragma: no cover - guarded by the key checks above
            raise QbcircuitError(f"Config file {where}: {error}.") from None

    def digest(self, part: str, n_batteries: int | None = None) -> str:
        """Hash of what determines one output and the version: ``part`` is "trajectory",
        "study", "aer" (for ``n_batteries``) or "tomography"."""
        model = asdict(self.model)
        if n_batteries is not None:
            model["n_batteries"] = n_batteries
        content: dict[str, Any] = {"version": __version__, "model": model}
        if part == "study":
            content["study"] = asdict(self.study)
        else:
            content["times"] = asdict(self.times)
        if part in ("aer", "tomography"):
            content["aer"] = {**asdict(self.aer), "n_values": None}
        if part == "tomography":
            content["tomography"] = asdict(self.tomography)
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:16]


def _keys(table: type) -> tuple[str, ...]:
    """The keys a table accepts: the fields of the dataclass it builds."""
    return tuple(field.name for field in fields(table))


def default_config_path() -> Path:
    """The shipped default experiment: packaged copy, else circuits/default.toml of a checkout."""
    packaged = resources.files("qbcircuit").joinpath("_default.toml")
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parent.parent / "circuits" / "default.toml"
    if checkout.is_file():
        return checkout
    raise QbcircuitError("No default config found; pass a CONFIG.toml to `qbcircuit run`.")
