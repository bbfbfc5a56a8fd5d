"""The parts of a model that are not its operators: per-qubit values, the initial state's
grammar, the thermal charger's keys, and the refusal of a sector route for an asymmetric
model."""

from __future__ import annotations

import functools
import itertools
from math import comb
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import QbcircuitError, check_finite, check_nonnegative, check_positive

if TYPE_CHECKING:
    from qbcircuit.model import StarModel

__all__ = [
    "battery_excitations",
    "check_offsets",
    "check_symmetric",
    "initial_ket",
    "per_qubit",
    "thermal_charger",
    "thermal_keys",
]


def check_symmetric(model: StarModel, what: str, remedy: str = "use basis='full'") -> None:
    """Refuse, in one sentence ending in ``remedy``, a model whose state leaves the
    permutation-symmetric sectors."""
    if not model.homogeneous:
        raise QbcircuitError(
            f"{what} needs one coupling and one detuning for every battery qubit; this model's "
            f"differ (offsets or disorder): {remedy}."
        )
    if not model.symmetric_initial:
        raise QbcircuitError(
            f"{what} needs a permutation-symmetric initial battery; {model.battery_initial!r} "
            f"is not: {remedy}."
        )


def check_offsets(name: str, values: Any, n: int) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise QbcircuitError(f"Argument `{name}` must be a list of {n} numbers, got {values!r}.")
    if len(values) not in (0, n):
        raise QbcircuitError(
            f"Argument `{name}` must hold one number per battery qubit ({n}), got {len(values)}."
        )
    return tuple(check_finite(f"{name}[{k}]", v) for k, v in enumerate(values))


@functools.lru_cache(maxsize=256)
def battery_excitations(state: Any, n: int) -> tuple[int, ...]:
    """(n,) for "ground" (0) and "dicke:n"; the N bits of a product state."""
    if not isinstance(state, str):
        raise QbcircuitError(f"Argument `battery_initial` must be a string, got {state!r}.")
    if state == "ground":
        return (0,)
    if state.startswith("dicke:"):
        count = state.removeprefix("dicke:")
        if not count.isdigit() or int(count) > n:
            raise QbcircuitError(
                f"Argument `battery_initial` {state!r} needs an excitation count 0..{n} after "
                "'dicke:'."
            )
        return (int(count),)
    if len(state) == n and set(state) <= {"0", "1"}:
        return tuple(int(bit) for bit in state)
    raise QbcircuitError(
        f"Argument `battery_initial` must be 'ground', 'dicke:n' (n = 0..{n}) or {n} "
        f"characters 0/1 (battery qubit 1 first), got {state!r}."
    )


def thermal_keys(table: dict[str, Any], where: str) -> dict[str, Any]:
    """[model]'s ``charger_t1`` (and ``charger_occupation``) as the two charger rates."""
    if "charger_t1" not in table:
        if "charger_occupation" in table:
            raise QbcircuitError(f"Key 'charger_occupation' in {where} needs 'charger_t1'.")
        return table
    clash = sorted({"charger_relaxation", "charger_excitation"} & set(table))
    if clash:
        raise QbcircuitError(f"Give either 'charger_t1' or {clash[0]!r} in {where}, not both.")
    try:
        rates = thermal_charger(table.pop("charger_t1"), table.pop("charger_occupation", 0.0))
    except QbcircuitError as error:
        raise QbcircuitError(f"{where}: {error}") from None
    return {**table, **rates}


def thermal_charger(t1: float, occupation: float = 0.0) -> dict[str, float]:
    """The charger's relaxation and excitation rates of a bath with T1 and occupation n_th."""
    t1 = check_positive("charger_t1", t1)
    occupation = check_nonnegative("charger_occupation", occupation)
    return {
        "charger_relaxation": (occupation + 1) / t1,
        "charger_excitation": occupation / t1,
    }


def initial_ket(model: StarModel, basis: str) -> NDArray[np.complex128]:
    """|c> (x) |battery> in ``basis`` ("full" or "dicke")."""
    c, n, excited = model.charger_initial, model.n_batteries, model.dicke_excitations
    if basis == "dicke":
        if excited is None:
            raise QbcircuitError(
                f"The battery_initial {model.battery_initial!r} is not permutation "
                "symmetric and leaves the Dicke sector; use basis='full'."
            )
        ket = np.zeros(2 * (n + 1), dtype=complex)
        ket[2 * excited + c] = 1.0
        return ket
    ket = np.zeros(2**model.n_qubits, dtype=complex)
    if excited is None:  # a product of basis states
        bits = battery_excitations(model.battery_initial, n)
        ket[c + sum(bit << j for j, bit in enumerate(bits, start=1))] = 1.0
        return ket
    for ones in itertools.combinations(range(1, n + 1), excited):
        ket[c + sum(1 << q for q in ones)] = 1.0
    return ket / np.sqrt(comb(n, excited))


def per_qubit(
    value: float, offsets: tuple[float, ...], width: float, draw: NDArray[np.float64]
) -> NDArray[np.float64]:
    """value + offset_j + width u_j over the battery qubits, as a read-only array."""
    out = value + np.asarray(offsets or np.zeros(draw.size)) + width * draw
    out.setflags(write=False)
    return out
