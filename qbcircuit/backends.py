"""Where circuits meet a simulator or a device: the only module that runs anything.

Backend specs (:func:`resolve_backend`):

    "aer"            Aer, ideal (density matrix up to DENSITY_MATRIX_QUBITS qubits)
    "aer:<fake>"     Aer with the noise model, coupling map and gates of a runtime fake backend
    "fake:<fake>"    the runtime's fake backend in local mode (qiskit-ibm-runtime's SamplerV2)
    "ibm:<name>"     an IBM Quantum backend through QiskitRuntimeService (saved credentials),
                     submitted in Batch mode (open-plan accounts cannot open sessions)

qiskit-ibm-runtime is imported here only, lazily; without the ``cloud`` extra the fake and IBM
specs say so in one sentence. Device circuits are transpiled to the target's ISA with a star-aware
layout (:func:`choose_layout`). Measured registers come back as dense counts per register,
pooled over the parameter rows of a PUB (the instances of a random circuit).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit, transpile

from qbcircuit._checks import QbcircuitError

__all__ = [
    "CLOUD_INSTALL",
    "DENSITY_MATRIX_QUBITS",
    "Backend",
    "active_qubits",
    "choose_layout",
    "circuit_cost",
    "dense_counts",
    "device_noise_model",
    "make_sampler",
    "resolve_backend",
    "run_sampler",
    "run_saved_states",
    "star_layout",
    "transpile_for_aer",
    "transpile_for_backend",
]

DENSITY_MATRIX_QUBITS = 12
"""Up to this many qubits Aer's sampler simulates the density matrix once and samples all shots;
beyond, it runs one trajectory per shot (statevector)."""

CLOUD_INSTALL = (
    "Fake and IBM backends need qiskit-ibm-runtime, the cloud extra: "
    "pip install -e '.[cloud]' (a qiskit 2.x environment)."
)
DEFAULT_REP_DELAY = 250e-6
"""Seconds between shots when the backend does not say (IBM's default on Eagle/Heron)."""


def _runtime() -> Any:
    try:
        import qiskit_ibm_runtime
    except ImportError:
        raise QbcircuitError(CLOUD_INSTALL) from None
    return qiskit_ibm_runtime


@dataclass(frozen=True)
class Backend:
    """A resolved backend spec. ``kind``: "aer", "aer-noise", "fake" or "ibm"; ``device`` the
    BackendV2 whose target the circuits are transpiled for (None for ideal Aer)."""

    spec: str
    kind: str
    name: str
    device: Any = field(default=None, repr=False, compare=False)

    @property
    def hardware(self) -> bool:
        """A device or its stand-in: dephasing must be in the circuit, not a noise channel."""
        return self.kind in ("fake", "ibm")

    @property
    def local(self) -> bool:
        """Runs in this process (results must be stored as they come: no job to fetch later)."""
        return self.kind != "ibm"

    @property
    def num_qubits(self) -> int | None:
        return None if self.device is None else int(self.device.num_qubits)

    def check_dephasing(self, dephasing: str) -> None:
        if self.hardware and dephasing == "channel":
            raise QbcircuitError(
                f"The 'channel' dephasing is an Aer noise instruction and cannot run on "
                f"{self.spec}; use dephasing 'gaussian', 'pauli' or 'collision'."
            )

    def check_width(self, width: int) -> None:
        limit = self.num_qubits
        if limit is not None and width > limit:
            raise QbcircuitError(
                f"The circuits need {width} qubits, more than the {limit} of {self.spec}."
            )


def _fake_device(name: str) -> Any:
    from qiskit_ibm_runtime import fake_provider  # _runtime() checked first

    def key(text: str) -> str:
        text = text.lower().removeprefix("fake").removeprefix("_")
        return text.removesuffix("v2").removesuffix("_")

    classes = {
        key(attr): getattr(fake_provider, attr)
        for attr in dir(fake_provider)
        if attr.startswith("Fake") and "Provider" not in attr and attr != "FakeBackendV2"
    }
    found = classes.get(key(name))
    if found is None:
        examples = ", ".join(sorted(k for k in classes if k in ("torino", "sherbrooke", "fez")))
        raise QbcircuitError(
            f"Unknown fake backend {name!r}; use a name of qiskit_ibm_runtime.fake_provider "
            f"such as {examples}."
        )
    return found()


def _service() -> Any:
    runtime = _runtime()
    from qiskit_ibm_runtime.accounts.exceptions import AccountNotFoundError

    try:
        return runtime.QiskitRuntimeService()
    except AccountNotFoundError:
        raise QbcircuitError(
            "No saved IBM Quantum credentials: save them once with "
            "QiskitRuntimeService.save_account(token=..., instance=...), or use a fake: or aer: "
            "backend."
        ) from None
    except Exception as error:  # network, authentication: one sentence, no traceback
        raise QbcircuitError(
            f"Could not open the IBM Quantum service ({type(error).__name__}: "
            f"{str(error).strip().splitlines()[0] if str(error).strip() else 'no detail'}); "
            "check the network and the saved credentials."
        ) from None


BACKEND_PREFIXES = ("aer", "fake", "ibm")
"""The spec prefixes: ``aer``, ``aer:<fake>``, ``fake:<fake>``, ``ibm:<name>``."""


def parse_backend_spec(spec: Any, name: str = "backend") -> tuple[str, str]:
    """(prefix, name) of a spec, checked for its form only (nothing is imported or reached)."""
    text = spec.strip() if isinstance(spec, str) else ""
    kind, _, device = text.partition(":")
    if kind not in BACKEND_PREFIXES or (not device and (kind != "aer" or ":" in text)):
        raise QbcircuitError(
            f"Argument `{name}` must be 'aer', 'aer:<fake backend>', 'fake:<fake backend>' or "
            f"'ibm:<backend name>', got {spec!r}."
        )
    return kind, device


def resolve_backend(spec: str) -> Backend:
    """Resolve a backend spec (see module docstring); errors are one sentence.

    >>> resolve_backend("aer").kind
    'aer'
    """
    kind, name = parse_backend_spec(spec)
    if kind == "aer" and not name:
        return Backend(spec, "aer", "aer")
    _runtime()
    if kind == "ibm":
        service = _service()
        try:
            device = service.backend(name)
        except Exception as error:
            raise QbcircuitError(
                f"IBM backend {name!r} is not available to this account ({error})."
            ) from None
        return Backend(spec, "ibm", device.name, device)
    device = _fake_device(name)
    return Backend(spec, "aer-noise" if kind == "aer" else "fake", device.name, device)


def _undirected(device: Any) -> Any:
    coupling = device.coupling_map
    if coupling is None:
        raise QbcircuitError(f"Backend {device.name} has no coupling map to lay a star out on.")
    return coupling.graph.to_undirected(multigraph=False)


def _error(target: Any, name: str, qargs: tuple[int, ...]) -> float:
    try:
        properties = target[name][qargs]
    except KeyError:
        return 0.0
    error = getattr(properties, "error", None) if properties is not None else None
    return float(error) if error is not None and math.isfinite(error) else 0.0


def star_layout(device: Any, n_qubits: int, center: int) -> list[int]:
    """Physical qubits for virtual 0 (the charger) .. n_qubits-1: ``center`` first, then the
    qubits nearest to it on the coupling graph (ties: lower readout error, lower index)."""
    import rustworkx as rx

    graph = _undirected(device)
    distance = rx.distance_matrix(graph)[center]
    reachable = [q for q in range(graph.num_nodes()) if q == center or distance[q] > 0]
    if len(reachable) < n_qubits:
        raise QbcircuitError(
            f"Backend {device.name} has only {len(reachable)} connected qubits around {center}, "
            f"the circuits need {n_qubits}."
        )
    target = device.target
    ranked = sorted(reachable, key=lambda q: (distance[q], _error(target, "measure", (q,)), q))
    return [center, *[q for q in ranked if q != center][: n_qubits - 1]]


def _centers(device: Any, count: int) -> list[int]:
    """The ``count`` best charger positions: highest degree, then lowest incident 2-qubit and
    readout error."""
    graph = _undirected(device)
    target = device.target
    two_qubit = [
        name for name in target.operation_names if target.operation_from_name(name).num_qubits == 2
    ]

    def score(q: int) -> tuple[int, float]:
        neighbours = list(set(graph.neighbors(q)))
        errors = [
            min(_error(target, g, (q, p)) or _error(target, g, (p, q)) for g in two_qubit)
            for p in neighbours
        ] or [1.0]
        return (-len(neighbours), sum(errors) + _error(target, "measure", (q,)))

    return sorted(range(graph.num_nodes()), key=score)[:count]


def estimated_fidelity(circuit: QuantumCircuit, device: Any) -> float:
    """Product of (1 - error) over the circuit's instructions, from the device's target."""
    target = device.target
    log_fidelity = 0.0
    for instruction in circuit.data:
        qargs = tuple(circuit.find_bit(q).index for q in instruction.qubits)
        error = _error(target, instruction.operation.name, qargs)
        log_fidelity += math.log1p(-min(error, 0.999999))
    return math.exp(log_fidelity)


def _pass_manager(device: Any, optimization_level: int, seed: int, layout: Any) -> Any:
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(
        optimization_level=optimization_level,
        target=device.target,
        seed_transpiler=seed,
        initial_layout=layout,
    )


def choose_layout(
    circuit: QuantumCircuit,
    device: Any,
    *,
    optimization_level: int = 3,
    seed: int = 1,
    centers: int = 3,
) -> tuple[list[int], dict[str, Any]]:
    """Initial layout for ``circuit`` (virtual qubit 0 the star's center) on ``device``.

    Candidates: :func:`star_layout` around the ``centers`` best-connected, best-calibrated
    qubits, and the transpiler's own (Sabre) layout; each is transpiled and the one with the
    highest :func:`estimated_fidelity` is kept. Returns the layout and a report of the
    candidates (2-qubit gates, depth, fidelity).
    """
    candidates: list[tuple[str, Any]] = [("sabre", None)]
    candidates += [
        (f"star@{c}", star_layout(device, circuit.num_qubits, c)) for c in _centers(device, centers)
    ]
    report, best = [], None
    for name, layout in candidates:
        compiled = _pass_manager(device, optimization_level, seed, layout).run(circuit)
        chosen = compiled.layout.initial_index_layout()[: circuit.num_qubits]
        cost = circuit_cost(compiled)
        fidelity = estimated_fidelity(compiled, device)
        report.append({"candidate": name, "layout": chosen, **cost, "fidelity": fidelity})
        if best is None or fidelity > best[1]:
            best = (chosen, fidelity, name)
    assert best is not None
    return [int(q) for q in best[0]], {"chosen": best[2], "candidates": report}


def transpile_for_backend(
    circuits: Sequence[QuantumCircuit],
    backend: Backend,
    *,
    layout: Sequence[int] | None = None,
    optimization_level: int = 3,
    seed: int = 1,
) -> list[QuantumCircuit]:
    """Circuits in the backend's ISA: Aer's instruction set for "aer", else the device's target
    with the given initial ``layout`` (seeded, so a rerun gives the same circuits)."""
    if backend.device is None:
        return transpile_for_aer(circuits)
    manager = _pass_manager(backend.device, optimization_level, seed, layout)
    return list(manager.run(list(circuits)))


def translate_for_backend(
    circuits: Sequence[QuantumCircuit], backend: Backend
) -> list[QuantumCircuit]:
    """Basis translation only (no layout or routing): for gates appended to circuits that are
    already laid out and routed, such as tomography rotations before measurement."""
    if backend.device is None:
        return transpile_for_aer(circuits)
    from qiskit.transpiler import generate_preset_pass_manager

    manager = generate_preset_pass_manager(
        optimization_level=0, target=backend.device.target, layout_method="trivial"
    )
    return list(manager.translation.run(list(circuits)))


def circuit_cost(circuit: QuantumCircuit) -> dict[str, Any]:
    """2-qubit gate count, depth and 2-qubit depth of a (transpiled) circuit."""
    two_qubit = sum(
        1
        for instruction in circuit.data
        if instruction.operation.num_qubits == 2 and instruction.operation.name != "barrier"
    )
    return {
        "two_qubit_gates": two_qubit,
        "depth": circuit.depth(),
        "two_qubit_depth": circuit.depth(lambda i: i.operation.num_qubits == 2),
    }


def circuit_duration(circuit: QuantumCircuit, backend: Backend) -> float | None:
    """Seconds one shot of ``circuit`` takes on the device (None without durations)."""
    if backend.device is None or not hasattr(circuit, "estimate_duration"):
        return None
    try:
        return float(circuit.estimate_duration(backend.device.target, unit="s"))
    except Exception:  # a target without durations
        return None


def repetition_delay(backend: Backend) -> float:
    """Seconds between shots on the device (its default ``rep_delay``)."""
    device = backend.device
    delay = getattr(device, "default_rep_delay", None)
    if delay is None and hasattr(device, "configuration"):
        delay = getattr(device.configuration(), "default_rep_delay", None)
    return float(delay) if delay else DEFAULT_REP_DELAY


def active_qubits(circuits: Sequence[QuantumCircuit]) -> list[int]:
    """Qubits any of ``circuits`` acts on (layout and routing included)."""
    used: set[int] = set()
    for circuit in circuits:
        for instruction in circuit.data:
            if instruction.operation.name not in ("barrier", "delay"):
                used.update(circuit.find_bit(q).index for q in instruction.qubits)
    return sorted(used)


_NOISE_MODELS: dict[tuple[str, tuple[int, ...]], Any] = {}


def device_noise_model(device: Any, qubits: Sequence[int]) -> Any:
    """The device's Aer noise model (gate errors with thermal relaxation, readout errors; the
    same functions as ``NoiseModel.from_backend``) on ``qubits`` only.

    Same counts for the same seed as the full model on circuits confined to ``qubits``, but Aer
    converts the full 133-qubit model on every run (2.2 s each on this machine, against 0.04 s).
    Idle-time (delay) relaxation is not modelled, as in from_backend for unscheduled circuits.
    """
    key = (device.name, tuple(sorted(int(q) for q in qubits)))
    if key not in _NOISE_MODELS:
        from qiskit_aer.noise import NoiseModel
        from qiskit_aer.noise.device import basic_device_gate_errors, basic_device_readout_errors

        target, keep = device.target, set(key[1])
        model = NoiseModel(basis_gates=list(target.operation_names))
        for name, gate_qubits, error in basic_device_gate_errors(target=target):
            if set(gate_qubits) <= keep:
                model.add_quantum_error(error, name, gate_qubits)
        for readout_qubits, error in basic_device_readout_errors(target=target):
            if set(readout_qubits) <= keep:
                model.add_readout_error(error, readout_qubits)
        _NOISE_MODELS[key] = model
    return _NOISE_MODELS[key]


def make_sampler(
    backend: Backend,
    *,
    seed: int | None,
    width: int,
    qubits: Sequence[int] | None = None,
    mode: Any = None,
) -> Any:
    """A SamplerV2 for ISA circuits of ``width`` active qubits (``qubits``, for devices).

    Aer specs get Aer's sampler (density matrix when small; "aer:<fake>" with
    :func:`device_noise_model`); "fake" the runtime's SamplerV2 in local mode, its simulator
    given the same restricted noise model; "ibm" the runtime's SamplerV2 in ``mode`` (a Batch).
    """
    method = "density_matrix" if width <= DENSITY_MATRIX_QUBITS else "statevector"
    noise = None
    if backend.kind in ("aer-noise", "fake"):
        if qubits is None:
            raise QbcircuitError("Argument `qubits` is needed for a noisy device simulation.")
        noise = device_noise_model(backend.device, qubits)
    if backend.kind in ("aer", "aer-noise"):
        from qiskit_aer.primitives import SamplerV2 as AerSampler

        options: dict[str, Any] = {"method": method}
        if noise is not None:
            options["noise_model"] = noise
        return AerSampler(seed=seed, options={"backend_options": options})
    runtime = _runtime()
    if noise is not None:  # the fake backend's own simulator, with the restricted model
        device = backend.device
        if getattr(device, "sim", None) is None:  # skip its own full-model setup (3 s)
            from qiskit_aer import AerSimulator

            device.sim = AerSimulator()
        device.set_options(noise_model=noise, method=method)
    with warnings.catch_warnings():  # runtime >= 0.50 flags SamplerV2 in favour of its executor
        warnings.simplefilter("ignore", DeprecationWarning)
        sampler = runtime.SamplerV2(mode=backend.device if mode is None else mode)
    if backend.kind == "fake" and seed is not None:
        sampler.options.simulator.seed_simulator = int(seed)
    return sampler


def open_batch(backend: Backend) -> Any:
    """A runtime Batch on an IBM backend (None for local backends)."""
    if backend.kind != "ibm":
        return None
    return _runtime().Batch(backend=backend.device)


def fetch_job(backend: Backend, job_id: str) -> Any:
    """The runtime job ``job_id`` of an IBM backend (its ``status()`` and ``result()``)."""
    if backend.kind != "ibm":
        raise QbcircuitError(f"Jobs of the local backend {backend.spec} cannot be fetched by id.")
    service = _service()
    try:
        return service.job(job_id)
    except Exception as error:
        raise QbcircuitError(
            f"Could not fetch job {job_id!r} from IBM Quantum ({error})."
        ) from None


def dense_counts(pub_result: Any, registers: Sequence[str]) -> dict[str, NDArray[np.int64]]:
    """Dense counts per classical register of one PUB result, pooled over its parameter rows
    (index = the register's bits as an integer, bit 0 = clbit 0)."""
    out = {}
    for name in registers:
        bits = getattr(pub_result.data, name)
        dense = np.zeros(2**bits.num_bits, dtype=np.int64)
        for value, number in bits.get_int_counts().items():
            dense[value] += number
        out[name] = dense
    return out


def run_saved_states(
    circuits: Sequence[QuantumCircuit], *, method: str, seed: int | None = None
) -> list[dict[str, NDArray[np.complex128]]]:
    """Run circuits on Aer (``method`` "density_matrix" or "statevector"); return, per circuit,
    its saved states (save_density_matrix / save_statevector) as arrays keyed by label."""
    from qiskit_aer import AerSimulator

    options: dict[str, Any] = {"method": method}
    if seed is not None:
        options["seed_simulator"] = seed
    simulator = AerSimulator(**options)
    compiled = transpile(list(circuits), simulator, optimization_level=1)
    result = simulator.run(compiled, shots=1).result()
    return [
        {label: np.asarray(value) for label, value in result.data(i).items()}
        for i in range(len(compiled))
    ]


def check_shots(shots: Any, count: int) -> list[int]:
    """One shot count per circuit from ``shots`` (a number or a sequence), each >= 1."""
    counts = [shots] * count if isinstance(shots, (int, np.integer)) else list(shots)
    if len(counts) != count or any(
        isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 1 for c in counts
    ):
        raise QbcircuitError(f"Argument `shots` must be integers >= 1, got {shots!r}.")
    return [int(c) for c in counts]


def run_sampler(
    circuits: Sequence[QuantumCircuit],
    shots: int | Sequence[int],
    *,
    sampler: Any = None,
    seed: int | None = None,
    transpiled: bool = False,
) -> list[dict[str, NDArray[np.int64]]]:
    """Run measured circuits through a SamplerV2; return, per circuit, dense counts per
    classical register (index = the register's bits as an integer, bit 0 = clbit 0).

    ``shots``: one number, or one per circuit. ``sampler``: a SamplerV2 for circuits that are
    already in its target's ISA; default Aer's SamplerV2 (seeded by ``seed``) after
    transpiling with :func:`transpile_for_aer` (skipped when ``transpiled``).
    """
    counts = check_shots(shots, len(circuits))
    if sampler is None:
        width = max((c.num_qubits for c in circuits), default=0)
        if not transpiled:
            circuits = transpile_for_aer(circuits)
        sampler = make_sampler(Backend("aer", "aer", "aer"), seed=seed, width=width)
    pubs = [(c, None, n) for c, n in zip(circuits, counts, strict=True)]
    result = sampler.run(pubs).result()
    return [
        dense_counts(pub, [register.name for register in circuit.cregs])
        for circuit, pub in zip(circuits, result, strict=True)
    ]


def transpile_for_aer(circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
    """Circuits in Aer's instruction set (optimization level 1; channels and resets kept)."""
    from qiskit_aer import AerSimulator

    return list(transpile(list(circuits), AerSimulator(), optimization_level=1))
