"""Gates merged into the instructions a simulator applies directly.

:func:`merge_gates` turns every run of gates on at most two qubits into one ``unitary``
instruction. :func:`fuse_for_density_matrix` goes further for Aer's density-matrix method,
which applies a unitary on k < 5 qubits as its 4^k-square superoperator (4^k operations per
entry of the density matrix) and one on k >= 5 qubits as U and then U* (2 * 2^k per entry):
each run of merged gates is cut into the segments of least total cost, a segment on five or
more qubits becoming one unitary where that is cheaper than its gates. A Strang step at N = 4
(seven two-qubit gates, 112 operations per entry) becomes one five-qubit unitary (64); from
N = 5 the seven gates around the middle of the step, on the charger and four batteries, do.
Measured on Aer 0.18 (121 saved states to t = 30, dt = 0.05, one run each on a busy machine):
N = 4 0.34 s -> 0.21 s, N = 5 1.09 s (the step as one six-qubit unitary) -> 0.63 s, N = 6
3.4 s -> 2.8 s, N = 8 45 s -> 35 s; three- and four-qubit blocks were 1.3x and 4x slower than
their two-qubit gates.

:func:`split_channels` and :func:`join_channels` halve the channel instructions of a run of
Strang steps: the half-step channels closing one step and opening the next become one channel
per qubit, the map composed with itself (exact). At N = 4 to t = 30 (600 steps, 121 saves)
that is 720 channels instead of 1200 and 12% off Aer's run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit import CircuitInstruction
from qiskit.circuit.library import UnitaryGate

__all__ = ["fuse_for_density_matrix", "join_channels", "merge_gates", "split_channels"]

DIRECT_QUBITS = 5
"""The fewest qubits whose unitary Aer's density-matrix method applies as U and U*."""


def merge_gates(circuit: QuantumCircuit) -> QuantumCircuit:
    """``circuit`` with every run of gates on at most two qubits merged into one ``unitary``
    instruction (qiskit's Collect2qBlocks + ConsolidateBlocks): the same product of gates, in
    the form a simulator applies directly. A Strang step becomes 2N - 1 two-qubit unitaries
    plus its insertion's instructions."""
    from qiskit.transpiler import PassManager
    from qiskit.transpiler.passes import Collect2qBlocks, ConsolidateBlocks

    merged = PassManager([Collect2qBlocks(), ConsolidateBlocks(force_consolidate=True)])
    return merged.run(circuit)


def _cost(segment: list[CircuitInstruction]) -> tuple[int, int]:
    """(operations per density-matrix entry, instructions) of ``segment`` in its cheaper form:
    its gates one by one (4^k each) or, on five or more qubits, one unitary on all of them
    (2 * 2^k), taken only where it costs strictly less: at N = 8 fusing the four gates of
    each half sweep (64 against 64) made the run 1.6x slower."""
    apart = sum(4 ** len(instruction.qubits) for instruction in segment)
    width = len({q for instruction in segment for q in instruction.qubits})
    if width >= DIRECT_QUBITS and 2 * 2**width < apart:
        return 2 * 2**width, 1
    return apart, len(segment)


def _one_unitary(
    circuit: QuantumCircuit, segment: list[CircuitInstruction]
) -> list[CircuitInstruction]:
    qubits = sorted(
        {q for instruction in segment for q in instruction.qubits},
        key=lambda q: circuit.find_bit(q).index,
    )
    position = {q: i for i, q in enumerate(qubits)}
    k = len(qubits)
    # the product of the segment's unitaries as a tensor (axis k - 1 - q is qubit q's output,
    # the last axis the input index): each gate contracted on its qubits' axes, a tenth of
    # the cost of qiskit's Operator of the block
    product = np.eye(2**k, dtype=complex).reshape((2,) * k + (2**k,))
    for instruction in segment:
        local = [position[q] for q in instruction.qubits]
        m = len(local)
        gate = np.asarray(instruction.operation.to_matrix()).reshape((2,) * (2 * m))
        axes = [k - 1 - q for q in reversed(local)]  # qiskit's matrix is |q_{m-1} ... q_0>
        product = np.moveaxis(np.tensordot(gate, product, (range(m, 2 * m), axes)), range(m), axes)
    unitary = UnitaryGate(product.reshape(2**k, 2**k), check_input=False)
    return [CircuitInstruction(unitary, tuple(qubits))]


def _fused(circuit: QuantumCircuit, run: list[CircuitInstruction]) -> list[CircuitInstruction]:
    """``run`` cut into consecutive segments of least total :func:`_cost` (dynamic
    programming over the cut points), each segment fused where that is its cheaper form."""
    best, cut = [(0, 0)] * (len(run) + 1), [0] * (len(run) + 1)
    for end in range(1, len(run) + 1):
        options = []
        for start in range(end):
            ops, count = _cost(run[start:end])
            options.append(((best[start][0] + ops, best[start][1] + count), start))
        best[end], cut[end] = min(options)
    segments, end = [], len(run)
    while end:
        segments.append(run[cut[end] : end])
        end = cut[end]
    out: list[CircuitInstruction] = []
    for segment in reversed(segments):
        fused = _cost(segment)[1] == 1 and len(segment) > 1
        out += _one_unitary(circuit, segment) if fused else segment
    return out


def fuse_for_density_matrix(circuit: QuantumCircuit) -> QuantumCircuit:
    """:func:`merge_gates`, then each run of consecutive unitary gates as one unitary on its
    qubits where Aer's density-matrix method applies that in fewer operations (see the module
    docstring); channels, resets and saves stay where they are."""
    merged = merge_gates(circuit)
    out = merged.copy_empty_like()
    run: list[CircuitInstruction] = []
    for instruction in [*merged.data, None]:
        if instruction is not None and instruction.operation.name == "unitary":
            run.append(instruction)
            continue
        for fused in _fused(merged, run) if run else []:
            out._append(fused)
        run = []
        if instruction is not None:
            out._append(instruction)
    return out


def split_channels(
    step: QuantumCircuit,
) -> tuple[list[CircuitInstruction], list[CircuitInstruction], list[CircuitInstruction]]:
    """(opening, middle, closing) of a Strang step D(dt/2) U D(dt/2): the one-qubit channels
    before any gate on their qubit, the rest in order, and those after every gate on their
    qubit. Two consecutive copies can join the closing channels of one with the opening ones
    of the next (:func:`join_channels`); a step not of that form (each noisy qubit opened and
    closed by the same map) is ([], all of it, [])."""
    data = list(step.data)
    first: dict[Any, int] = {}
    last: dict[Any, int] = {}
    for index, instruction in enumerate(data):
        if instruction.operation.name != "kraus":
            for qubit in instruction.qubits:
                first.setdefault(qubit, index)
                last[qubit] = index
    channels = [
        (index, instruction)
        for index, instruction in enumerate(data)
        if instruction.operation.name == "kraus" and len(instruction.qubits) == 1
    ]
    opening = [(k, i) for k, i in channels if k < first.get(i.qubits[0], -1)]
    closing = [(k, i) for k, i in channels if k > last.get(i.qubits[0], len(data))]
    heads, tails = [i for _, i in opening], [i for _, i in closing]
    if not heads or len(heads) != len({i.qubits for i in heads}) or _maps(heads) != _maps(tails):
        return [], data, []
    edges = {k for k, _ in opening + closing}
    return heads, [i for k, i in enumerate(data) if k not in edges], tails


_JOINED: dict[bytes, Any] = {}  # a map's Kraus operators -> the map composed with itself


def _map(instruction: CircuitInstruction) -> bytes:
    return b"".join(np.asarray(k, dtype=complex).tobytes() for k in instruction.operation.params)


def _maps(instructions: Sequence[CircuitInstruction]) -> set[tuple[Any, bytes]]:
    return {(i.qubits, _map(i)) for i in instructions}


def join_channels(
    closing: Sequence[CircuitInstruction], opening: Sequence[CircuitInstruction]
) -> list[CircuitInstruction] | None:
    """The channels ``closing`` one step and ``opening`` the next as one channel per qubit,
    each map composed with itself (e^{tau G} e^{tau G} = e^{2 tau G}: the same circuit with
    half the channel instructions, which Aer converts and applies one by one); None unless
    both are the same maps on the same qubits (:func:`split_channels`)."""
    from qiskit.quantum_info import Kraus, SuperOp

    if not opening or _maps(closing) != _maps(opening):
        return None
    if len(_JOINED) > 256:
        _JOINED.clear()
    out = []
    for instruction in opening:
        key = _map(instruction)
        if key not in _JOINED:
            half = SuperOp(Kraus(instruction.operation))
            _JOINED[key] = Kraus(half.compose(half)).to_instruction()
        out.append(CircuitInstruction(_JOINED[key], instruction.qubits))
    return out
