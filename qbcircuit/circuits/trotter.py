"""Trotter circuits of the dephased star battery (rotating frame, docs/physics.md, 8).

One unitary step U(dt) is built from exact gates of each term of H:

    drive      F X_0                         -> RX(2 F dt) on qubit 0
    coupling   (g_j/2)(X_0 X_j + Y_0 Y_j)    -> XXPlusYYGate(2 g_j dt, 0) on (0, j)
    detunings  -(dC/2) Z_0, -(dB_j/2) Z_j    -> RZ(-dC dt) on 0, RZ(-dB_j dt) on j

Order 1 (Lie) applies them once; order 2 (Strang) applies the sequence for dt/2 and then the
reversed sequence for dt/2. The coupling gates share qubit 0 and do not commute, so their order is
a Trotter choice (``ordering``): "fixed" (1..N every step), "palindromic" (1..N and N..1 on
alternating steps) or "randomized" (a seeded random permutation per step).

The model's dissipators are inserted after the unitary step (order 1) or as
D(dt/2) U(dt) D'(dt/2) (order 2, D' the mirror order of D's channels), in one of the forms of
:mod:`qbcircuit.circuits.insertions`. A circuit over a time span starts by preparing the
model's initial state from |0...0>: X on each qubit that starts in |1>, or a state
preparation of the Dicke state |N/2, n> on the battery qubits.
:func:`build_trotter_template` leaves the random angles as circuit parameters, so K instances
are one circuit with K rows of values (:func:`dephasing_values`): one PUB on a device,
transpiled once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit, QuantumRegister
from qiskit.circuit import CircuitInstruction

from qbcircuit._checks import QbcircuitError, check_integer, check_positive, renamed
from qbcircuit.circuits._fusion import (
    fuse_for_density_matrix,
    join_channels,
    merge_gates,
    split_channels,
)
from qbcircuit.circuits._sweeps import network_sweep, unitary_sweep
from qbcircuit.circuits.insertions import Insertion, insertion
from qbcircuit.model import StarModel

__all__ = [
    "ORDERINGS",
    "build_snapshot_circuit",
    "build_trotter_circuit",
    "build_trotter_step",
    "build_trotter_template",
    "check_options",
    "coupling_orders",
    "dephasing_values",
    "merge_gates",
    "prepare_initial",
    "steps_for",
]

ORDERINGS = ("fixed", "palindromic", "randomized", "swap-network")


def check_options(order: int, ordering: str, kind: str | Insertion) -> Insertion:
    """Check the Trotter order, coupling ordering and insertion kind; return the insertion."""
    if order not in (1, 2) or isinstance(order, bool):
        raise QbcircuitError(f"Argument `order` must be 1 (Lie) or 2 (Strang), got {order!r}.")
    if ordering not in ORDERINGS:
        raise QbcircuitError(f"Argument `ordering` must be one of {ORDERINGS}, got {ordering!r}.")
    if ordering == "swap-network" and order != 2:
        raise QbcircuitError(
            "The swap-network ordering needs order 2: its second half brings the charger back "
            "along the line."
        )
    return insertion(kind)


def coupling_orders(
    n_batteries: int, steps: int, ordering: str, rng: np.random.Generator | None = None
) -> list[list[int]]:
    """The order of the N coupling gates (battery qubits 1..N) in each of ``steps`` steps."""
    forward = list(range(1, n_batteries + 1))
    if ordering in ("fixed", "swap-network"):
        return [forward] * steps
    if ordering == "palindromic":
        return [forward if k % 2 == 0 else forward[::-1] for k in range(steps)]
    generator = rng if rng is not None else np.random.default_rng()
    return [[int(q) for q in generator.permutation(forward)] for _ in range(steps)]


def _registers(model: StarModel, kind: Insertion) -> QuantumCircuit:
    kind.check_model(model)
    system = QuantumRegister(model.n_qubits, "q")
    if kind.extra_qubits:
        return QuantumCircuit(system, QuantumRegister(kind.extra_qubits, "env"))
    return QuantumCircuit(system)


def prepare_initial(circuit: QuantumCircuit, model: StarModel) -> None:
    """Append the preparation of the model's initial state from all qubits in |0>: X on every
    qubit that starts in |1>, or for a Dicke state a state preparation of the battery."""
    ket = model.initial_ket("full")
    ones = np.flatnonzero(ket)
    if ones.size == 1:  # a basis state: qubit q is bit q of its index
        for q in (q for q in range(model.n_qubits) if int(ones[0]) >> q & 1):
            circuit.x(q)
        return
    from qiskit.circuit.library import StatePreparation

    if model.charger_initial:
        circuit.x(0)
    battery = ket.reshape(-1, 2)[:, model.charger_initial]  # index // 2: battery qubits 1..N
    label = f"dicke {model.dicke_excitations}"
    circuit.append(StatePreparation(battery, label=label), range(1, model.n_qubits))


def _append_step(
    circuit: QuantumCircuit,
    model: StarModel,
    dt: float,
    order: int,
    couplings: Sequence[int],
    kind: Insertion,
    rng: np.random.Generator,
    template: bool = False,
    network: bool = False,
) -> None:
    noise = None if template else rng
    if order == 1:
        unitary_sweep(circuit, model, dt, couplings, reverse=False)
        kind.insert(circuit, model, dt, noise)
    else:
        kind.insert(circuit, model, dt / 2, noise)
        if network:  # the same products, the charger carried along a line of batteries
            network_sweep(circuit, model, dt / 2, reverse=False)
            network_sweep(circuit, model, dt / 2, reverse=True)
        else:
            unitary_sweep(circuit, model, dt / 2, couplings, reverse=False)
            unitary_sweep(circuit, model, dt / 2, couplings, reverse=True)
        kind.insert(circuit, model, dt / 2, noise, reverse=True)


def build_trotter_step(
    model: StarModel,
    dt: float,
    *,
    order: int = 2,
    ordering: str = "palindromic",
    insertion: str | Insertion = "channel",
    seed: int | None = None,
    dephasing: str | None = None,
) -> QuantumCircuit:
    """One Trotter step of duration ``dt`` on N+1 qubits (+ the insertion's ancillas).

    The step is the first of a sequence: "palindromic" gives couplings 1..N here, "randomized"
    a permutation drawn from ``seed``; random insertions draw from ``seed`` too.
    ``dephasing`` is the former name of ``insertion``.
    """
    dt = check_positive("dt", dt)
    kind = check_options(order, ordering, renamed("insertion", insertion, "dephasing", dephasing))
    rng = np.random.default_rng(seed)
    circuit = _registers(model, kind)
    couplings = coupling_orders(model.n_batteries, 1, ordering, rng)[0]
    _append_step(circuit, model, dt, order, couplings, kind, rng, network=_line(ordering))
    return circuit


def _line(ordering: str) -> bool:
    return ordering == "swap-network"


def steps_for(t: float, dt: float, *, name: str = "t") -> int:
    """Number of steps of ``dt`` in ``t``, refusing a ``t`` that is not on the dt grid."""
    steps = round(t / dt)
    if abs(steps * dt - t) > 1e-9 * max(1.0, t):
        raise QbcircuitError(
            f"Argument `{name}` must lie on the dt grid: {t!r} is {t / dt:.4g} steps of "
            f"dt = {dt!r} (choose times that are multiples of dt)."
        )
    return steps


def build_trotter_circuit(
    model: StarModel,
    t: float,
    *,
    dt: float | None = None,
    steps: int | None = None,
    order: int = 2,
    ordering: str = "palindromic",
    insertion: str | Insertion = "channel",
    seed: int | None = None,
    template: bool = False,
    dephasing: str | None = None,
) -> QuantumCircuit:
    """The Trotter circuit for time ``t``: give ``dt`` (t must be a multiple) or ``steps``.

    ``template``: leave the random angles as parameters (see :func:`build_trotter_template`).
    ``dephasing`` is the former name of ``insertion``."""
    t = check_positive("t", t)
    if (dt is None) == (steps is None):
        raise QbcircuitError("Give exactly one of `dt` and `steps`.")
    if steps is None:
        assert dt is not None
        dt = check_positive("dt", dt)
        if dt > t:
            raise QbcircuitError(f"Argument `dt` must be <= t = {t!r}, got {dt!r}.")
        steps = steps_for(t, dt)
    else:
        steps = check_integer("steps", steps, low=1)
    kind = check_options(order, ordering, renamed("insertion", insertion, "dephasing", dephasing))
    rng = np.random.default_rng(seed)
    circuit = _registers(model, kind)
    if template:
        circuit.metadata = {"insertion": {"kind": kind.name, "tau": t / steps / order}}
    prepare_initial(circuit, model)
    for couplings in coupling_orders(model.n_batteries, steps, ordering, rng):
        _append_step(
            circuit, model, t / steps, order, couplings, kind, rng, template, _line(ordering)
        )
    return circuit


def build_trotter_template(
    model: StarModel,
    t: float,
    *,
    dt: float | None = None,
    steps: int | None = None,
    order: int = 2,
    ordering: str = "palindromic",
    insertion: str | Insertion = "gaussian",
    seed: int | None = None,
    dephasing: str | None = None,
) -> QuantumCircuit:
    """:func:`build_trotter_circuit` with each random angle a parameter ``phi[k]`` (k in
    circuit order); other kinds have none. Bind rows of :func:`dephasing_values` to get
    instances. ``seed`` draws only a "randomized" ordering.

    >>> from qbcircuit import StarModel
    >>> model = StarModel(n_batteries=2, drive=1.0, coupling=0.5, dephasing=1.0)
    >>> build_trotter_template(model, 1.0, steps=4).num_parameters
    8
    """
    return build_trotter_circuit(
        model,
        t,
        dt=dt,
        steps=steps,
        order=order,
        ordering=ordering,
        insertion=renamed("insertion", insertion, "dephasing", dephasing),
        seed=seed,
        template=True,
    )


def dephasing_values(
    model: StarModel,
    template: QuantumCircuit,
    *,
    instances: int,
    seed: int | None = None,
) -> NDArray[np.float64]:
    """Random angles for ``template`` (from :func:`build_trotter_template`), shape
    (instances, template.num_parameters), columns in ``template.parameters`` order, drawn by
    the template's insertion; every insertion of one template lasts the same tau, and each
    column has the rate its channel recorded in the template.
    """
    info = template.metadata.get("insertion") if template.metadata else None
    if not info:
        raise QbcircuitError("Argument `template` must come from build_trotter_template.")
    instances = check_integer("instances", instances, low=1)
    rng = np.random.default_rng(seed)
    shape = (instances, template.num_parameters)
    if not template.num_parameters:
        return np.zeros(shape)
    rates = np.asarray(info["rates"], dtype=float)
    return insertion(info["kind"]).draw(rates, float(info["tau"]), shape, rng)


def build_snapshot_circuit(
    model: StarModel,
    dt: float,
    snapshot_steps: Sequence[int],
    *,
    order: int = 2,
    ordering: str = "palindromic",
    insertion: str | Insertion = "channel",
    seed: int | None = None,
    save: str = "density_matrix",
    merge: bool = False,
    dephasing: str | None = None,
) -> QuantumCircuit:
    """One circuit through max(snapshot_steps) Trotter steps that saves, after each listed step
    k (0 = before any), the battery density matrix (label ``b{k}``, qubits 1..N) and the charger
    one (``c{k}``), or with ``save="statevector"`` the whole state (``v{k}``): a whole time
    trace in one pass, linear in the number of steps. A deterministic step is built once per
    coupling order, and the channels closing one step and opening the next are joined where no
    save is between (:func:`~qbcircuit.circuits._fusion.join_channels`). ``merge``: gates merged
    as by :func:`merge_gates`, and with density-matrix saves fused where Aer applies the fused
    form faster (:func:`~qbcircuit.circuits._fusion.fuse_for_density_matrix`). ``dephasing``:
    former name of ``insertion``."""
    from qiskit_aer.library import SaveDensityMatrix, SaveStatevector

    dt = check_positive("dt", dt)
    kind = check_options(order, ordering, renamed("insertion", insertion, "dephasing", dephasing))
    rng = np.random.default_rng(seed)
    circuit = _registers(model, kind)
    qubits, wanted = tuple(circuit.qubits), set(snapshot_steps)

    def snapshot(k: int) -> None:  # _append: the checks of append cost more than the save
        if k in wanted and save == "statevector":
            circuit._append(CircuitInstruction(SaveStatevector(len(qubits), label=f"v{k}"), qubits))
        elif k in wanted:
            battery = SaveDensityMatrix(model.n_batteries, label=f"b{k}")
            circuit._append(CircuitInstruction(battery, qubits[1 : model.n_qubits]))
            circuit._append(CircuitInstruction(SaveDensityMatrix(1, label=f"c{k}"), qubits[:1]))

    prepare_initial(circuit, model)
    snapshot(0)
    total = max(snapshot_steps, default=0)
    built: dict[Any, tuple[list[CircuitInstruction], ...]] = {}  # a step, once per ordering
    joins: dict[tuple[Any, Any], list[CircuitInstruction]] = {}
    closing: list[CircuitInstruction] = []
    previous = None
    for k, couplings in enumerate(coupling_orders(model.n_batteries, total, ordering, rng), 1):
        if kind.random:
            _append_step(circuit, model, dt, order, couplings, kind, rng, network=_line(ordering))
        else:
            key = tuple(couplings)
            if key not in built:
                step = circuit.copy_empty_like()
                _append_step(step, model, dt, order, couplings, kind, rng, network=_line(ordering))
                if merge and save == "density_matrix":
                    step = fuse_for_density_matrix(step)
                elif merge:
                    step = merge_gates(step)
                built[key] = split_channels(step)
            opening, middle, ends = built[key]
            # the channels closing a step and opening the next, joined where no save is between
            if closing and (previous, key) not in joins:
                joins[previous, key] = join_channels(closing, opening) or [*closing, *opening]
            for instruction in [*(joins[previous, key] if closing else opening), *middle]:
                circuit._append(instruction)  # same qubits: appended as they are
            closing, previous = ends, key
        if k in wanted or k == total:
            for instruction in closing:
                circuit._append(instruction)
            closing = []
        snapshot(k)
    return merge_gates(circuit) if merge and kind.random else circuit
