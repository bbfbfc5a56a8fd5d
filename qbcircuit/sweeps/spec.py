"""The ``[sweep]`` table and its points: parsing, expansion, and every refusal made before
anything runs (unknown parameter names, too many points, an invalid point)."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from qbcircuit._checks import QbcircuitError, check_fraction, check_positive
from qbcircuit._version import __version__
from qbcircuit.config import RunConfig
from qbcircuit.model import StarModel

__all__ = [
    "COMPUTE",
    "DEFAULT_LIMIT",
    "METHODS",
    "PARAMETERS",
    "SweepConfig",
    "SweepPoint",
    "digest",
    "expand",
    "points_toml",
]

MODEL_PARAMETERS = tuple(field.name for field in dataclasses.fields(StarModel))
PARAMETERS = (*MODEL_PARAMETERS, "dt", "order", "shots", "method")
"""Names a sweep may vary: the [model] fields, [aer] dt and order, [tomography] shots, and the
trajectory method."""
COMPUTE = ("long_time", "charging", "relaxation", "trajectory")
METHODS = ("exact", "aer", "tomography", "pulse")
DEFAULT_LIMIT = 1000


# --------------------------------------------------------------------------- config
@dataclasses.dataclass(frozen=True)
class SweepConfig:
    """The ``[sweep]`` table. ``grid`` maps parameter names to value lists (cartesian
    product, in the order given); ``points`` is an explicit list of parameter tables."""

    grid: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    points: tuple[tuple[tuple[str, Any], ...], ...] = ()
    compute: tuple[str, ...] = ("long_time", "charging")
    method: str = "exact"
    limit: int = DEFAULT_LIMIT
    level: float = 1 - 1 / math.e
    t_max: float = 1e4
    horizon: float = 1e3
    tolerance: float = 1e-2

    def __post_init__(self) -> None:
        if bool(self.grid) == bool(self.points):
            raise QbcircuitError(
                "A [sweep] table needs exactly one of [sweep.grid] (value lists) or "
                "[[sweep.points]] (a list of points)."
            )
        for name, values in self.grid:
            _check_name(name, "[sweep.grid]")
            if not values:
                raise QbcircuitError(f"[sweep.grid] `{name}` must list at least one value.")
        for point in self.points:
            for name, _ in point:
                _check_name(name, "[[sweep.points]]")
        compute = tuple(self.compute)
        unknown = sorted(set(compute) - set(COMPUTE))
        if not compute or unknown:
            raise QbcircuitError(
                f"Argument `sweep.compute` must name some of {COMPUTE}, got {self.compute!r}."
            )
        object.__setattr__(self, "compute", compute)
        if self.method not in METHODS:
            raise QbcircuitError(
                f"Argument `sweep.method` must be one of {METHODS}, got {self.method!r}."
            )
        if isinstance(self.limit, bool) or not isinstance(self.limit, int) or self.limit < 1:
            raise QbcircuitError(
                f"Argument `sweep.limit` must be an integer >= 1, got {self.limit!r}."
            )
        object.__setattr__(self, "level", check_fraction("sweep.level", self.level))
        object.__setattr__(self, "t_max", check_positive("sweep.t_max", self.t_max))
        object.__setattr__(self, "horizon", check_positive("sweep.horizon", self.horizon))
        object.__setattr__(self, "tolerance", check_fraction("sweep.tolerance", self.tolerance))

    @classmethod
    def from_table(cls, table: Mapping[str, Any], where: str) -> SweepConfig:
        keys = [field.name for field in dataclasses.fields(cls)]
        unknown = sorted(set(table) - set(keys))
        if unknown:
            raise QbcircuitError(
                f"Unknown key {unknown[0]!r} in [sweep] of {where}; expected some of "
                + ", ".join(keys)
                + "."
            )
        options: dict[str, Any] = {k: v for k, v in table.items() if k not in ("grid", "points")}
        grid = table.get("grid", {})
        points = table.get("points", [])
        if not isinstance(grid, dict) or not all(isinstance(v, list) for v in grid.values()):
            raise QbcircuitError(f"[sweep.grid] of {where} must map parameter names to lists.")
        if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
            raise QbcircuitError(f"[[sweep.points]] of {where} must be a list of tables.")
        if "compute" in options:
            if not isinstance(options["compute"], list):
                raise QbcircuitError(f"[sweep] `compute` of {where} must be a list of names.")
            options["compute"] = tuple(options["compute"])
        return cls(
            grid=tuple((name, tuple(values)) for name, values in grid.items()),
            points=tuple(tuple(point.items()) for point in points),
            **options,
        )

    def size(self) -> int:
        """Number of points, computed without expanding the grid."""
        return math.prod(len(v) for _, v in self.grid) if self.grid else len(self.points)

    def parameter_sets(self) -> Iterator[dict[str, Any]]:
        if self.grid:
            names = [name for name, _ in self.grid]
            for values in itertools.product(*(v for _, v in self.grid)):
                yield dict(zip(names, values, strict=True))
        else:
            for point in self.points:
                yield dict(point)


def _check_name(name: str, where: str) -> None:
    if name not in PARAMETERS:
        raise QbcircuitError(
            f"Unknown sweep parameter {name!r} in {where}; expected some of "
            + ", ".join(PARAMETERS)
            + "."
        )


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
        if method not in METHODS:
            raise QbcircuitError(f"{where}: `method` must be one of {METHODS}, got {method!r}.")
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
    """The refusals the solvers would make, made before any point runs."""
    from qbcircuit.backends import DENSITY_MATRIX_QUBITS
    from qbcircuit.circuits import check_options
    from qbcircuit.emulation import density_matrix_memory
    from qbcircuit.exact import memory_budget

    model, config = point.config.model, point.config
    if {"long_time", "charging"} & set(point.compute):
        for name in ("drive", "coupling", "dephasing"):
            if getattr(model, name) <= 0:
                raise QbcircuitError(
                    f"{where}: long_time and charging need `{name}` > 0, got "
                    f"{getattr(model, name)!r} (the battery never settles)."
                )
    if "relaxation" in point.compute and not model.is_resonant:
        from qbcircuit.exact import DENSE_GAP_MAX_BATTERIES

        if model.n_batteries > DENSE_GAP_MAX_BATTERIES:
            raise QbcircuitError(
                f"{where}: the relaxation time of a battery-detuned model is available up to "
                f"N = {DENSE_GAP_MAX_BATTERIES} (dense sector spectrum), got N = "
                f"{model.n_batteries}."
            )
    if "trajectory" not in point.compute:
        return
    if point.method in ("aer", "tomography"):
        try:
            check_options(config.aer.order, config.aer.ordering, config.aer.dephasing)
        except QbcircuitError as error:
            raise QbcircuitError(f"{where}: {error}") from None
    if point.method == "aer":
        need = density_matrix_memory(model, config.aer.dephasing, config.times.points)
        if need > memory_budget():
            raise QbcircuitError(
                f"{where}: the density-matrix emulation needs about {need / 2**30:.1f} GiB, "
                f"more than the budget of {memory_budget() / 2**30:.1f} GiB."
            )
    if point.method == "tomography":
        width = model.n_qubits + (config.aer.dephasing == "collision")
        if width > DENSITY_MATRIX_QUBITS:
            raise QbcircuitError(
                f"{where}: emulated tomography handles up to {DENSITY_MATRIX_QUBITS} qubits, "
                f"this point needs {width}."
            )
