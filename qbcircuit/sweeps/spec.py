"""The points of a ``[sweep]`` table (:class:`qbcircuit.config.SweepConfig`): expansion, and
every refusal made before anything runs (too many points, an invalid point)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from qbcircuit._checks import QbcircuitError
from qbcircuit._version import __version__
from qbcircuit.config import RunConfig
from qbcircuit.config.sweep import (
    COMPUTE,
    DEFAULT_LIMIT,
    MODEL_PARAMETERS,
    PARAMETERS,
    PATHS,
    SweepConfig,
)

__all__ = [
    "COMPUTE",
    "DEFAULT_LIMIT",
    "METHODS",
    "PARAMETERS",
    "PATHS",
    "SweepConfig",
    "SweepPoint",
    "digest",
    "expand",
    "points_toml",
]

METHODS = PATHS
"""Former name of PATHS (kept for one release)."""


# --------------------------------------------------------------------------- points
@dataclasses.dataclass(frozen=True)
class SweepPoint:
    """One task: the parameters that vary, the config they resolve to, and what to compute."""

    index: int
    parameters: Mapping[str, Any]
    config: RunConfig
    method: str
    compute: tuple[str, ...]
    level: float
    t_max: float
    horizon: float = 1e3
    tolerance: float = 1e-2

    def content(self) -> dict[str, Any]:
        """Everything that determines this point's result (hashed into its key)."""
        config = self.config
        content: dict[str, Any] = {
            "version": __version__,
            "model": config.model.as_dict(),
            "compute": list(self.compute),
        }
        if "charging" in self.compute:
            content["charging"] = {"level": self.level, "t_max": self.t_max}
        if "long_time" in self.compute:
            content["long_time"] = {"horizon": self.horizon, "tolerance": self.tolerance}
        if "trajectory" in self.compute:
            content["method"] = self.method
            content["times"] = dataclasses.asdict(config.times)
            if self.method in ("aer", "tomography"):
                content["aer"] = {**dataclasses.asdict(config.aer), "n_values": None}
            if self.method == "tomography":
                content["tomography"] = dataclasses.asdict(config.tomography)
            if self.method == "pulse":
                content["pulse"] = dataclasses.asdict(config.pulse)
        return content

    @property
    def key(self) -> str:
        return digest(self.content())

    @property
    def filename(self) -> str:
        return f"{self.index:05d}-{self.key[:12]}.json"


def digest(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()[:24]


def _resolve(config: RunConfig, parameters: Mapping[str, Any], where: str) -> RunConfig:
    model = {k: v for k, v in parameters.items() if k in MODEL_PARAMETERS}
    aer = {k: v for k, v in parameters.items() if k in ("dt", "order")}
    try:
        resolved = dataclasses.replace(config, model=config.model.replace(**model))
        if aer:
            resolved = dataclasses.replace(resolved, aer=dataclasses.replace(config.aer, **aer))
        if "shots" in parameters:
            tomography = dataclasses.replace(config.tomography, shots=parameters["shots"])
            resolved = dataclasses.replace(resolved, tomography=tomography)
    except QbcircuitError as error:
        raise QbcircuitError(f"{where}: {error}") from None
    return resolved


def expand(config: RunConfig, *, yes: bool = False) -> list[SweepPoint]:
    """The points of ``config.sweep``, each resolved and checked (nothing runs).

    Raises QbcircuitError when the sweep has more than ``limit`` points and ``yes`` is False,
    or when any point is invalid (one sentence naming the point).
    """
    spec = config.sweep
    if spec is None:
        raise QbcircuitError(f"Config {config.source!r} has no [sweep] table.")
    size = spec.size()
    if size > spec.limit and not yes:
        raise QbcircuitError(
            f"The sweep expands to {size} points, more than the limit of {spec.limit} "
            "([sweep] limit); pass --yes (yes=True) to run it anyway."
        )
    base = dataclasses.replace(config, sweep=None, text="")
    points = []
    for index, parameters in enumerate(spec.parameter_sets()):
        where = f"sweep point {index} ({describe(parameters)})"
        method = parameters.get("method", spec.method)
        if method not in PATHS:
            raise QbcircuitError(f"{where}: `method` must be one of {PATHS}, got {method!r}.")
        resolved = _resolve(base, parameters, where)
        point = SweepPoint(
            index,
            parameters,
            resolved,
            method,
            spec.compute,
            spec.level,
            spec.t_max,
            spec.horizon,
            spec.tolerance,
        )
        _check_point(point, where)
        points.append(point)
    return points


def points_toml(points: Iterable[Mapping[str, Any]]) -> str:
    """``[[sweep.points]]`` tables for a config's text, one per mapping of parameters.

    >>> print(points_toml([{"n_batteries": 2, "drive": 1.0}]), end="")
    [[sweep.points]]
    n_batteries = 2
    drive = 1.0
    """
    tables = []
    for point in points:
        lines = [f"{name} = {json.dumps(value)}" for name, value in point.items()]
        tables.append("\n".join(["[[sweep.points]]", *lines]) + "\n")
    return "".join(tables)


def describe(parameters: Mapping[str, Any]) -> str:
    """``name=value, ...`` of a point's parameters, for messages."""
    return ", ".join(f"{k}={v!r}" for k, v in parameters.items())


def _check_point(point: SweepPoint, where: str) -> None:
    """The refusals the paths would make, made by the paths' own checks before any point
    runs."""
    from qbcircuit.emulation import AerOptions, check_emulation
    from qbcircuit.exact import check_long_time, check_relaxation_time
    from qbcircuit.pipeline import check_emulated_tomography

    model, config = point.config.model, point.config
    try:
        if "long_time" in point.compute:
            check_long_time(model, "long_time", point.horizon)
        if "charging" in point.compute:
            check_long_time(model, "charging")
        if "relaxation" in point.compute:
            check_relaxation_time(model)
    except QbcircuitError as error:
        raise QbcircuitError(f"{where}: {error}") from None
    if "trajectory" not in point.compute:
        return
    times = config.times.times()
    try:
        if point.method == "aer":
            aer = config.aer
            check_emulation(model, times, AerOptions(aer.dt, **aer.circuit_options()))
        if point.method == "tomography":
            check_emulated_tomography(
                model,
                config.tomography.times(times),
                dt=config.aer.dt,
                **config.tomography.emulation_options(),
                **config.aer.circuit_options(),
            )
    except QbcircuitError as error:
        raise QbcircuitError(f"{where}: {error}") from None
