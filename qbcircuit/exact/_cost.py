"""What an exact request costs before it runs: memory of each route, and the time of the
generic propagation (the resonant blocks cost the same at any t).

The time estimate counts the Taylor matrix products of :class:`HermitianGenerator` (about
5.6 products per unit of ||L|| t, the best degree/step trade-off of its table) at an assumed
FLOP_RATE; it is an order of magnitude, made to refuse requests that would run for days (a drive
of 1e300, a span of 1e10), not to predict seconds.
"""

from __future__ import annotations

import numpy as np

from qbcircuit._checks import QbcircuitError, check_budget
from qbcircuit.exact._liouvillian import full_memory_estimate
from qbcircuit.model import StarModel

__all__ = [
    "FLOP_RATE",
    "ROUND_OFF_LIMIT",
    "check_memory",
    "check_propagation",
    "longest_time",
    "permutation_dimension",
    "route_memory",
]

FLOP_RATE = 1e9
"""Floating-point operations per second assumed by the time estimates (one core, sparse)."""
_PRODUCTS_PER_NORM = 5.6  # degree 55 at theta 9.9 in the Al-Mohy-Higham table
ROUND_OFF_LIMIT = 1e-6
"""Largest round-off an exact route may carry into E/N: a decay rate is known to ~1e-16 of the
generator's norm |M|, so exp(lambda t) drifts by ~64 eps |M| t; the routes refuse t beyond
ROUND_OFF_LIMIT / (64 eps |M|)."""


def longest_time(model: StarModel) -> float:
    """The latest t the exact routes resolve to ROUND_OFF_LIMIT (see there)."""
    n = model.n_batteries
    norm = (
        2 * (model.drive + model.coupling * (n + 1) / 2 + abs(model.charger_detuning) / 2)
        + abs(model.battery_detuning) * n
        + 2 * sum(d.rate for d in model.dissipators())
    )
    return ROUND_OFF_LIMIT / (64 * 2.0**-52 * max(norm, 1e-300))


def check_time(model: StarModel, t: float, what: str = "evolve") -> None:
    """Refuse a time the exact routes cannot resolve to ROUND_OFF_LIMIT."""
    limit = longest_time(model)
    if t > limit:
        raise QbcircuitError(
            f"The exact {what} to t = {t:g} is beyond t = {limit:.3g}, the longest time the "
            f"exact routes resolve to {ROUND_OFF_LIMIT:g} (their slowest decay rates carry "
            "round-off ~1e-16 of the generator's norm); exact.long_time gives the limit and "
            "when it is reached."
        )


def permutation_dimension(n_batteries: int) -> int:
    """Length sum_j 4 (2j + 1)^2 of the permutation route's vector (its spin sectors)."""
    return sum(4 * (n_batteries - 2 * k + 1) ** 2 for k in range(n_batteries // 2 + 1))


_PERMUTATION_ENTRIES = 24  # generator entries per row (commutator, charger and local moves)
_PERMUTATION_REAL_ENTRIES = 11  # per row of its real form, the one propagated (8.5 at N = 10,
# 10.5 at N = 60)


def route_memory(model: StarModel, basis: str, blocks: bool) -> int:
    """Bytes of the route's work arrays: the block eigenvectors (4 (N+1)^2 reals), the sector
    or full-space propagation (16 real D x D arrays), the permutation route's sparse
    generator (about 24 complex entries per row, built in COO form) and Krylov vectors."""
    if basis == "full":
        return full_memory_estimate(model.n_batteries)
    if basis == "permutation":
        return permutation_dimension(model.n_batteries) * (_PERMUTATION_ENTRIES * 40 + 16 * 16)
    size = model.n_batteries + 1
    if blocks:
        return 4 * 8 * size * size
    return 16 * 8 * (2 * size) ** 2


def check_memory(model: StarModel, basis: str, blocks: bool, what: str = "evolve") -> None:
    """Refuse, with the estimate, a route whose arrays exceed the memory budget."""
    from qbcircuit.exact._evolve import memory_budget

    need, budget = route_memory(model, basis, blocks), memory_budget()
    if need > budget:
        route = "resonant-block" if blocks else f"{basis} propagation"
        raise QbcircuitError(
            f"The exact {what} of N = {model.n_batteries} on the {route} route needs about "
            f"{need / 2**30:.3g} GiB, over the memory budget of {budget / 2**30:.1f} GiB; use "
            "fewer batteries."
        )


def check_propagation(
    model: StarModel, basis: str, span: float, time_budget: float | None = None
) -> None:
    """Refuse, with the estimate, a generic propagation over ``span`` beyond the time budget."""
    if span <= 0:
        return
    h = model.hamiltonian("dicke" if basis == "permutation" else basis)
    dim = h.shape[0]
    norm = 2 * float(np.max(np.asarray(abs(h).sum(axis=0)), initial=0.0)) + 2 * sum(
        d.rate for d in model.dissipators()
    )
    products = _PRODUCTS_PER_NORM * norm * span + 1
    flops_per_product = 4.0 * h.nnz * dim + 8.0 * dim * dim
    if not model.pure_charger_dephasing:  # vectorised: a sparse D^2 generator on a D^2 vector
        flops_per_product = 2.0 * (h.nnz + 4 * dim) * dim * 2
    if basis == "permutation":  # one real sparse product of the generator per Taylor term
        flops_per_product = (
            2.0 * _PERMUTATION_REAL_ENTRIES * permutation_dimension(model.n_batteries)
        )
    seconds = products * flops_per_product / FLOP_RATE
    check_budget(
        f"The exact propagation of N = {model.n_batteries} to t = {span:g} ({products:.2g} "
        "matrix products)",
        seconds,
        time_budget,
        "use a shorter span, smaller rates, or long_time for the limit",
    )
