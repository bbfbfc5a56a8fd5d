"""Run configuration: a TOML file with a [model] table and optional [times] and [study].

    [model]   StarModel fields (see qbcircuit.model)
    [times]   stop (> 0), points (>= 2): time traces on linspace(0, stop, points)
    [study]   n_values (increasing integers >= 1), battery_detuning (!= 0, for the detuned series),
              drive_ratio (> 0: the scaled series F = drive_ratio g N), horizon (> 0) and
              tolerance (in (0, 1)): a limit not within tolerance of E_inf by horizon is flagged
    [aer]     dt, order, ordering, insertion, instances, seed, n_values: the Trotter emulation
              compared with exact (n_values defaults to the model's N)
    [tomography] method, shots, fitter, points, replicates, confidence: tomography of the
              same circuits (the model's N) at ``points`` times of the grid; points = 0: off
    [pulse]   frame, drive_shape, coupling_form, omega0, rtol, atol, basis: the lab-frame
              leg of ``qbcircuit compare`` (omega0: lab frequency, in the units of F and g)
    [hardware] backend, dt, stop, points, insertion, instances, max_depth, mitigation,
              calibration_shots, optimization_level, seed, pubs_per_job: ``qbcircuit submit``
              (tomography settings from [tomography]; dt and stop default to [aer] and [times])
    [sweep]   compute, method, limit, level, t_max, [sweep.grid] or [[sweep.points]]:
              ``qbcircuit sweep`` (see qbcircuit.sweeps)

Unknown tables or keys are refused with one sentence naming them. The former key
``dephasing`` of [aer] and [hardware] is read as ``insertion`` for one release.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.config.examples import example_path
from qbcircuit.config.sweep import SweepConfig
from qbcircuit.config.tables import (
    AerConfig,
    HardwareConfig,
    PulseConfig,
    StudyConfig,
    TimeGrid,
    TomographyConfig,
)
from qbcircuit.model import StarModel, read_toml

__all__ = [
    "AerConfig",
    "HardwareConfig",
    "PulseConfig",
    "RunConfig",
    "StudyConfig",
    "SweepConfig",
    "TimeGrid",
    "TomographyConfig",
    "default_config_path",
]

_TABLES = ("model", "times", "study", "aer", "tomography", "pulse", "hardware", "sweep")


_RENAMED = {"aer": {"dephasing": "insertion"}, "hardware": {"dephasing": "insertion"}}
"""Former keys still read (for one release), per table: old name -> new name."""


def _table(document: Mapping[str, Any], name: str, keys: tuple[str, ...], where: str) -> dict:
    table = document.get(name, {})
    if not isinstance(table, dict):
        raise QbcircuitError(f"[{name}] in {where} must be a table.")
    for old, new in _RENAMED.get(name, {}).items():
        if old in table:
            if new in table:
                raise QbcircuitError(
                    f"[{name}] of {where} sets both `{new}` and its former name `{old}`."
                )
            warnings.warn(
                f"[{name}] `{old}` of {where} is now called `{new}`; the old key will be "
                "refused in the next release.",
                DeprecationWarning,
                stacklevel=2,
            )
            table = {new if k == old else k: v for k, v in table.items()}
    unknown = sorted(set(table) - set(keys))
    if unknown:
        expected = ", ".join(keys)
        raise QbcircuitError(
            f"Unknown key {unknown[0]!r} in [{name}] of {where}; expected some of {expected}."
        )
    return table


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
        document = read_toml(path)  # refuses a missing, binary or malformed file first
        text = Path(path).read_text() if Path(path).is_file() else ""
        return cls.from_document(document, os.fspath(path), text)

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
    """The shipped default experiment (see :mod:`qbcircuit.config.examples`)."""
    return example_path("default.toml")
