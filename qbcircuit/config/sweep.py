"""The ``[sweep]`` table: which parameters vary over which values, what each point computes."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

from qbcircuit._checks import QbcircuitError, check_fraction, check_integer, check_positive
from qbcircuit.model import StarModel

__all__ = ["COMPUTE", "DEFAULT_LIMIT", "MODEL_PARAMETERS", "PARAMETERS", "PATHS", "SweepConfig"]

MODEL_PARAMETERS = tuple(field.name for field in dataclasses.fields(StarModel))
PARAMETERS = (*MODEL_PARAMETERS, "dt", "order", "shots", "method")
"""Names a sweep may vary: the [model] fields, [aer] dt and order, [tomography] shots, and the
trajectory method."""
COMPUTE = ("long_time", "charging", "relaxation", "trajectory")
PATHS = ("exact", "aer", "tomography", "pulse")
"""The paths a trajectory point may take (the ``method`` of a sweep)."""
DEFAULT_LIMIT = 1000


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
        if self.method not in PATHS:
            raise QbcircuitError(
                f"Argument `sweep.method` must be one of {PATHS}, got {self.method!r}."
            )
        check_integer("sweep.limit", self.limit, low=1)
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
