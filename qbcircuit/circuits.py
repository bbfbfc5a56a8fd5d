"""Trotterized circuits of the dephased star battery (rotating frame, PHYSICS.md "Circuits").

One unitary step U(dt) is built from exact gates of each term of H:

    drive      F X_0                         -> RX(2 F dt) on qubit 0
    coupling   (g/2)(X_0 X_j + Y_0 Y_j)      -> XXPlusYYGate(2 g dt, 0) on (0, j)
    detunings  -(dC/2) Z_0, -(dB/2) Z_j      -> RZ(-dC dt) on 0, RZ(-dB dt) on j

Order 1 (Lie) applies them once; order 2 (Strang) applies the sequence for dt/2 and then the
reversed sequence for dt/2. The coupling gates share qubit 0 and do not commute, so their order is
a Trotter choice (``ordering``): "fixed" (1..N every step), "palindromic" (1..N and N..1 on
alternating steps) or "randomized" (a seeded random permutation per step).

Dephasing L = sqrt(gamma/2) sz_C for a time tau is the phase-flip channel
rho -> (1-p) rho + p Z rho Z with p = (1 - exp(-gamma tau))/2, inserted after the unitary step
(order 1) or as D(dt/2) U(dt) D(dt/2) (order 2). Four exact insertions:

    "channel"    the Aer QuantumError itself as a circuit instruction (``quantum_channel``; no
                 transpiler pass removes it, unlike noise attached to ``id``); Aer only.
    "pauli"      Z with probability p (random unitary unravelling), one draw per instance.
    "gaussian"   RZ(phi), phi ~ Normal(0, variance 2 gamma tau): E[exp(-i phi)] = exp(-gamma tau).
    "collision"  ancilla |0>, RZX(theta) on (charger, ancilla), reset; cos(theta) = exp(-gamma tau).

The last three run on hardware; "pauli" and "gaussian" are exact on average over instances.
:func:`build_trotter_template` leaves their random angles as circuit parameters (RZ(pi b) with
b ~ Bernoulli(p) is Z up to a global phase), so K instances are one circuit with K rows of values
(:func:`dephasing_values`): one PUB on a device, transpiled once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit, QuantumRegister
from qiskit.circuit import Parameter
from qiskit.circuit.library import XXPlusYYGate

from qbcircuit._checks import QbcircuitError, check_positive
from qbcircuit.model import StarModel

__all__ = [
    "DEPHASING_KINDS",
    "ORDERINGS",
    "build_snapshot_circuit",
    "build_trotter_circuit",
    "build_trotter_step",
    "build_trotter_template",
    "canonical_circuits",
    "check_options",
    "coupling_orders",
    "dephasing_values",
    "export_qasm3",
    "phase_flip_probability",
    "steps_for",
]

DEPHASING_KINDS = ("channel", "pauli", "gaussian", "collision", "none")
ORDERINGS = ("fixed", "palindromic", "randomized")


def phase_flip_probability(dephasing: float, duration: float) -> float:
    """p with (1 - 2p) = exp(-gamma tau): the phase flip equal to dephasing for a time tau."""
    return (1 - math.exp(-dephasing * duration)) / 2


def check_options(order: int, ordering: str, dephasing: str) -> None:
    if order not in (1, 2) or isinstance(order, bool):
        raise QbcircuitError(f"Argument `order` must be 1 (Lie) or 2 (Strang), got {order!r}.")
    if ordering not in ORDERINGS:
        raise QbcircuitError(f"Argument `ordering` must be one of {ORDERINGS}, got {ordering!r}.")
    if dephasing not in DEPHASING_KINDS:
        raise QbcircuitError(
            f"Argument `dephasing` must be one of {DEPHASING_KINDS}, got {dephasing!r}."
        )


def coupling_orders(
    n_batteries: int, steps: int, ordering: str, rng: np.random.Generator | None = None
) -> list[list[int]]:
    """The order of the N coupling gates (battery qubits 1..N) in each of ``steps`` steps."""
    forward = list(range(1, n_batteries + 1))
    if ordering == "fixed":
        return [forward] * steps
    if ordering == "palindromic":
        return [forward if k % 2 == 0 else forward[::-1] for k in range(steps)]
    generator = rng if rng is not None else np.random.default_rng()
    return [[int(q) for q in generator.permutation(forward)] for _ in range(steps)]


def _registers(model: StarModel, dephasing: str) -> QuantumCircuit:
    system = QuantumRegister(model.n_qubits, "q")
    if dephasing == "collision":
        return QuantumCircuit(system, QuantumRegister(1, "env"))
    return QuantumCircuit(system)


def _unitary_sweep(
    circuit: QuantumCircuit, model: StarModel, tau: float, couplings: Sequence[int], reverse: bool
) -> None:
    """exp(-i tau H_term) for every term, in sequence (or the reversed sequence)."""
    ops: list[tuple[str, int]] = [("drive", 0), ("detune", 0)]
    ops += [("couple", j) for j in couplings] + [("detune", j) for j in couplings]
    for kind, qubit in reversed(ops) if reverse else ops:
        if kind == "drive" and model.drive:
            circuit.rx(2 * model.drive * tau, 0)
        elif kind == "couple" and model.coupling:
            circuit.append(XXPlusYYGate(2 * model.coupling * tau, 0.0), [0, qubit])
        elif kind == "detune":
            detuning = model.charger_detuning if qubit == 0 else model.battery_detuning
            if detuning:
                circuit.rz(-detuning * tau, qubit)


def _dephase(
    circuit: QuantumCircuit,
    model: StarModel,
    tau: float,
    kind: str,
    rng: np.random.Generator | None,
) -> None:
    """Insert the dephasing of the charger for a time tau (see module docstring); with no
    ``rng`` the random angle of "pauli"/"gaussian" is a fresh parameter ``phi[k]``."""
    if kind == "none" or model.dephasing == 0:
        return
    p = phase_flip_probability(model.dephasing, tau)
    if rng is None and kind in ("pauli", "gaussian"):
        circuit.rz(Parameter(f"phi[{len(circuit.parameters):05d}]"), 0)
    elif kind == "channel":
        from qiskit_aer.noise import pauli_error

        circuit.append(pauli_error([("Z", p), ("I", 1 - p)]), [0])
    elif kind == "pauli":
        assert rng is not None
        if rng.random() < p:
            circuit.z(0)
    elif kind == "gaussian":
        assert rng is not None
        circuit.rz(float(rng.normal(0.0, math.sqrt(2 * model.dephasing * tau))), 0)
    else:  # collision: fresh ancilla, RZX, reset
        ancilla = circuit.qubits[-1]
        circuit.rzx(math.acos(math.exp(-model.dephasing * tau)), circuit.qubits[0], ancilla)
        circuit.reset(ancilla)


def _append_step(
    circuit: QuantumCircuit,
    model: StarModel,
    dt: float,
    order: int,
    couplings: Sequence[int],
    dephasing: str,
    rng: np.random.Generator,
    template: bool = False,
) -> None:
    noise = None if template else rng
    if order == 1:
        _unitary_sweep(circuit, model, dt, couplings, reverse=False)
        _dephase(circuit, model, dt, dephasing, noise)
    else:
        _dephase(circuit, model, dt / 2, dephasing, noise)
        _unitary_sweep(circuit, model, dt / 2, couplings, reverse=False)
        _unitary_sweep(circuit, model, dt / 2, couplings, reverse=True)
        _dephase(circuit, model, dt / 2, dephasing, noise)


def build_trotter_step(
    model: StarModel,
    dt: float,
    *,
    order: int = 2,
    ordering: str = "palindromic",
    dephasing: str = "channel",
    seed: int | None = None,
) -> QuantumCircuit:
    """One Trotter step of duration ``dt`` on N+1 qubits (+1 ancilla for "collision").

    The step is the first of a sequence: "palindromic" gives couplings 1..N here, "randomized"
    a permutation drawn from ``seed``; "pauli"/"gaussian" dephasing draws from ``seed`` too.
    """
    dt = check_positive("dt", dt)
    check_options(order, ordering, dephasing)
    rng = np.random.default_rng(seed)
    circuit = _registers(model, dephasing)
    couplings = coupling_orders(model.n_batteries, 1, ordering, rng)[0]
    _append_step(circuit, model, dt, order, couplings, dephasing, rng)
    return circuit


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
    dephasing: str = "channel",
    seed: int | None = None,
    template: bool = False,
) -> QuantumCircuit:
    """The Trotter circuit for time ``t``: give ``dt`` (t must be a multiple) or ``steps``.

    ``template``: leave the "pauli"/"gaussian" angles as parameters (see
    :func:`build_trotter_template`)."""
    t = check_positive("t", t)
    if (dt is None) == (steps is None):
        raise QbcircuitError("Give exactly one of `dt` and `steps`.")
    if steps is None:
        assert dt is not None
        dt = check_positive("dt", dt)
        if dt > t:
            raise QbcircuitError(f"Argument `dt` must be <= t = {t!r}, got {dt!r}.")
        steps = steps_for(t, dt)
    elif isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise QbcircuitError(f"Argument `steps` must be an integer >= 1, got {steps!r}.")
    check_options(order, ordering, dephasing)
    rng = np.random.default_rng(seed)
    circuit = _registers(model, dephasing)
    if template:
        tau = t / steps / order
        circuit.metadata = {"dephasing": {"kind": dephasing, "tau": tau}}
    for couplings in coupling_orders(model.n_batteries, steps, ordering, rng):
        _append_step(circuit, model, t / steps, order, couplings, dephasing, rng, template)
    return circuit


def build_trotter_template(
    model: StarModel,
    t: float,
    *,
    dt: float | None = None,
    steps: int | None = None,
    order: int = 2,
    ordering: str = "palindromic",
    dephasing: str = "gaussian",
    seed: int | None = None,
) -> QuantumCircuit:
    """:func:`build_trotter_circuit` with each "pauli"/"gaussian" angle a parameter
    ``phi[k]`` (k in circuit order); other kinds have none. Bind rows of
    :func:`dephasing_values` to get instances. ``seed`` draws only a "randomized" ordering.

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
        dephasing=dephasing,
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
    (instances, template.num_parameters), columns in ``template.parameters`` order.

    "pauli" (angles pi or 0) or "gaussian" (Normal(0, 2 gamma tau)) is read from the template's
    metadata; every insertion of one template lasts the same tau.
    """
    info = template.metadata.get("dephasing") if template.metadata else None
    if not info:
        raise QbcircuitError("Argument `template` must come from build_trotter_template.")
    if isinstance(instances, bool) or not isinstance(instances, int) or instances < 1:
        raise QbcircuitError(f"Argument `instances` must be an integer >= 1, got {instances!r}.")
    rng = np.random.default_rng(seed)
    shape = (instances, template.num_parameters)
    tau = float(info["tau"])
    if info["kind"] == "gaussian":
        return np.asarray(rng.normal(0.0, math.sqrt(2 * model.dephasing * tau), size=shape))
    if info["kind"] == "pauli":
        flips = rng.random(size=shape) < phase_flip_probability(model.dephasing, tau)
        return np.where(flips, np.pi, 0.0)
    return np.zeros(shape)


def build_snapshot_circuit(
    model: StarModel,
    dt: float,
    snapshot_steps: Sequence[int],
    *,
    order: int = 2,
    ordering: str = "palindromic",
    dephasing: str = "channel",
    seed: int | None = None,
    save: str = "density_matrix",
) -> QuantumCircuit:
    """One circuit through max(snapshot_steps) Trotter steps that saves, after each listed step
    k (0 = before any), the battery density matrix (label ``b{k}``, qubits 1..N) and the charger
    one (``c{k}``), or with ``save="statevector"`` the whole state (``v{k}``): a whole time
    trace in one pass, linear in the number of steps."""
    from qiskit_aer.library import SaveDensityMatrix, SaveStatevector

    dt = check_positive("dt", dt)
    check_options(order, ordering, dephasing)
    rng = np.random.default_rng(seed)
    circuit = _registers(model, dephasing)
    battery = list(range(1, model.n_qubits))
    wanted = set(snapshot_steps)

    def snapshot(k: int) -> None:
        if k in wanted and save == "statevector":
            circuit.append(SaveStatevector(circuit.num_qubits, label=f"v{k}"), circuit.qubits)
        elif k in wanted:
            circuit.append(SaveDensityMatrix(len(battery), label=f"b{k}"), battery)
            circuit.append(SaveDensityMatrix(1, label=f"c{k}"), [0])

    snapshot(0)
    total = max(snapshot_steps, default=0)
    for k, couplings in enumerate(coupling_orders(model.n_batteries, total, ordering, rng), 1):
        _append_step(circuit, model, dt, order, couplings, dephasing, rng)
        snapshot(k)
    return circuit


CANONICAL_MODEL = StarModel(
    n_batteries=1,
    drive=1.0,
    coupling=0.5,
    dephasing=1.0,
    charger_detuning=0.2,
    battery_detuning=0.1,
)
CANONICAL_KINDS = ("none", "pauli", "gaussian", "collision")  # "channel" is Aer-only


def export_qasm3(circuit: QuantumCircuit, title: str = "") -> str:
    """OpenQASM 3 text with a header naming the qiskit version that wrote it.

    The "channel" insertion is an Aer instruction with no OpenQASM form and is refused.
    """
    import qiskit
    from qiskit import qasm3

    if "quantum_channel" in circuit.count_ops():
        raise QbcircuitError(
            "The 'channel' dephasing is an Aer noise instruction with no OpenQASM form; export "
            "a 'pauli', 'gaussian' or 'collision' circuit instead."
        )
    header = f"// {title}\n" if title else ""
    return f"{header}// written by qiskit {qiskit.__version__}\n" + qasm3.dumps(circuit)


def canonical_circuits() -> dict[str, tuple[str, QuantumCircuit]]:
    """The small circuits exported to circuits/qasm: one Strang step (dt = 0.1, palindromic,
    seed 0) of CANONICAL_MODEL for N = 1..4 and each hardware-ready dephasing kind.
    Maps file name to (title, circuit)."""
    out = {}
    for n in range(1, 5):
        model = CANONICAL_MODEL.replace(n_batteries=n)
        for kind in CANONICAL_KINDS:
            title = (
                f"qbcircuit Trotter step: N={n}, dephasing={kind}, Strang, dt=0.1, "
                f"F=1 g=0.5 gamma=1 dC=0.2 dB=0.1, seed 0"
            )
            circuit = build_trotter_step(model, 0.1, order=2, dephasing=kind, seed=0)
            out[f"trotter_step_N{n}_{kind}.qasm"] = (title, circuit)
    return out
