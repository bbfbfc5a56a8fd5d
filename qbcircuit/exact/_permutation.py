"""The permutation-invariant route: exact dynamics with battery-local noise at large N.

When every battery qubit couples to the charger alike and carries the same local noise, the
state stays invariant under permutations of the battery qubits. By Schur-Weyl duality the N
battery qubits split into spin sectors j = N/2, N/2 - 1, ..., (0 or 1/2), sector j holding
d_j = C(N, k) - C(N, k - 1) copies (k = N/2 - j) of a spin-j multiplet, and a permutation-
invariant state is

    rho = sum_j (R_j / d_j) (x) 1_{d_j},    sum_j Tr R_j = 1,

with R_j on charger (x) spin j, 2(2j + 1) square (battery index b = m + j, excitation count
n = b + k, charger the fastest index as in the Dicke sector). The Hamiltonian and the
charger's dissipators act inside each sector; a battery-local channel sum_i D[L_i] moves
weight between sectors j and j +- 1 (Chase and Geremia, PRA 78, 052101 (2008); Shammah et al.,
PRA 98, 063815 (2018)). The vectorised R_j, concatenated, have sum_j 4 (2j + 1)^2 = O(N^3)
entries instead of 4^(N+1). docs/physics.md writes the rates out.

The observables come from the sectors with their multiplicities: R_j's battery block B_j
(trace over the charger) gives eigenvalues lambda / d_j, each d_j times; E, <J-> and the
purity sum over sectors; no 2^N matrix is formed.

>>> sectors = SpinSectors(4)
>>> sectors.two_j.tolist(), sectors.degeneracy.tolist(), sectors.dimension
([4, 2, 0], [1.0, 3.0, 2.0], 140)
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from math import comb

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from qbcircuit import dicke
from qbcircuit._checks import QbcircuitError
from qbcircuit.exact._liouvillian import Entries, lindblad_coo
from qbcircuit.model import OPERATORS, StarModel, check_symmetric
from qbcircuit.observables import BatteryState

__all__ = [
    "PERMUTATION_LIMIT_MAX_BATTERIES",
    "SpinSectors",
    "battery_channels",
    "initial_vector",
    "permutation_generator",
    "permutation_rows",
    "sector_energy",
    "stationary_vector",
]


class SpinSectors:
    """The spin sectors of N battery qubits: 2j, multiplicity d_j, and where each sector's
    vectorised joint block R_j starts in the concatenated vector."""

    def __init__(self, n_batteries: int) -> None:
        self.n = n_batteries
        self.lowest = np.arange(n_batteries // 2 + 1)  # k = N/2 - j, the fewest excitations
        self.two_j = n_batteries - 2 * self.lowest
        self.degeneracy = np.array(
            [
                float(comb(n_batteries, k) - (comb(n_batteries, k - 1) if k else 0))
                for k in self.lowest.tolist()
            ]
        )
        self.joint = 2 * (self.two_j + 1)  # R_j is joint x joint
        self.offsets = np.concatenate([[0], np.cumsum(self.joint**2)])

    @property
    def dimension(self) -> int:
        """Length of the concatenated vector (sum_j 4 (2j + 1)^2)."""
        return int(self.offsets[-1])

    def blocks(self, vector: NDArray[np.complex128]) -> Iterator[NDArray[np.complex128]]:
        """R_j of every sector (views into ``vector``), largest j first."""
        for s, size in enumerate(self.joint):
            yield vector[self.offsets[s] : self.offsets[s + 1]].reshape(size, size)


def battery_channels(model: StarModel) -> dict[str, float]:
    """{operator: rate} of the battery-local channels, each on every battery qubit alike.

    Refuses a channel that acts on some battery qubits only or with unequal rates, and a
    battery whose qubits differ in coupling or detuning or start in an asymmetric product
    state (the state then leaves the permutation-invariant space)."""
    check_symmetric(model, "The permutation-invariant route")
    found: dict[str, dict[int, float]] = {}
    for d in model.dissipators():
        if d.qubit != 0:
            found.setdefault(d.operator, {})[d.qubit] = d.rate
    channels = {}
    for operator, rates in found.items():
        if sorted(rates) != list(range(1, model.n_batteries + 1)) or len(set(rates.values())) > 1:
            raise QbcircuitError(
                f"The permutation-invariant route needs the battery channel {operator!r} on "
                "every battery qubit at one rate; use basis='full'."
            )
        channels[operator] = next(iter(rates.values()))
    if set(channels) - {"sz", "sminus"}:
        raise QbcircuitError(
            "The permutation-invariant route takes battery dephasing and relaxation only, got "
            f"{sorted(set(channels) - {'sz', 'sminus'})}; use basis='full'."
        )
    return channels


def initial_vector(model: StarModel, sectors: SpinSectors) -> NDArray[np.complex128]:
    """The model's initial state on the concatenated sectors: |c> (x) |N/2, n> lies in the
    symmetric sector j = N/2 (the first), at joint index 2 n + c."""
    vector = np.zeros(sectors.dimension, dtype=complex)
    index = 2 * (model.dicke_excitations or 0) + model.charger_initial
    vector[index * int(sectors.joint[0]) + index] = 1.0
    return vector


def _charger_jumps(model: StarModel, two_j: int) -> list[tuple[Entries, Entries]]:
    """(L, L^+ L) of each charger dissipator on charger (x) spin j, as COO entries of
    1_b (x) A for the charger's 2 x 2 operator A."""
    b = np.arange(two_j + 1)[:, None]
    jumps = []
    for d in model.dissipators():
        if d.qubit != 0:
            continue
        local = np.sqrt(d.rate) * np.asarray(OPERATORS[d.operator], dtype=complex)
        pair = []
        for a in (local, local.conj().T @ local):
            r, c = np.nonzero(a)
            pair.append(((2 * b + r).ravel(), (2 * b + c).ravel(), np.tile(a[r, c], b.size)))
        jumps.append((pair[0], pair[1]))
    return jumps


def _local_terms(
    n: int, two_j: int, relaxation: float, dephasing: float
) -> list[tuple[int, NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]]:
    """Battery-local channels on the operators |j m><j m'| (x) 1 of sector j, summed over the
    qubits: (target 2j, target b, target b', coefficient) per kind of move, arrays over the
    source (b, b') grid; coefficients in the convention rho = sum_j (R_j / d_j) (x) 1.

    relaxation: Gamma of L = sqrt(Gamma) s-; dephasing: gamma of L = sqrt(gamma/2) sz (that is
    rate gamma/2 on sz, coherence of one qubit decaying as exp(-gamma t))."""
    j = two_j / 2
    size = two_j + 1
    b, bp = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    m, mp = b - j, bp - j
    half = n / 2
    terms = []
    # in-sector decay: Gamma (N + m + m')/2 from s+s- = (1 + sz)/2, and the dephasing
    # sandwich's in-sector part against the anticommutator N rho
    decay = relaxation / 2 * (half * 2 + m + mp)
    if j > 0:
        decay += dephasing * (half - m * mp * (half + 1) / (j * (j + 1)))
    else:
        decay += dephasing * half
    terms.append((two_j, b, bp, -decay))
    if relaxation > 0:
        if j > 0:  # lowering within the sector: (j, m, m') -> (j, m - 1, m' - 1)
            lower = np.sqrt((j + m) * (j - m + 1) * (j + mp) * (j - mp + 1))
            terms.append(
                (two_j, b - 1, bp - 1, relaxation / 2 * lower * (half + 1) / (j * (j + 1)))
            )
            # into sector j - 1: (j, m, m') -> (j - 1, m - 1, m' - 1); b = m + j drops by 2
            down = np.sqrt((j + m) * (j + m - 1) * (j + mp) * (j + mp - 1))
            terms.append(
                (
                    two_j - 2,
                    b - 2,
                    bp - 2,
                    relaxation / 2 * down * (half + j + 1) / (j * (2 * j + 1)),
                )
            )
        # into sector j + 1: (j, m, m') -> (j + 1, m - 1, m' - 1); b = m + j unchanged
        up = np.sqrt((j - m + 1) * (j - m + 2) * (j - mp + 1) * (j - mp + 2))
        terms.append((two_j + 2, b, bp, relaxation / 2 * up * (half - j) / ((j + 1) * (2 * j + 1))))
    if dephasing > 0:
        if j > 0:  # into sector j - 1: (j, m, m') -> (j - 1, m, m')
            down = np.sqrt((j**2 - m**2) * (j**2 - mp**2))
            terms.append(
                (two_j - 2, b - 1, bp - 1, dephasing * down * (half + j + 1) / (j * (2 * j + 1)))
            )
        up = np.sqrt(((j + 1) ** 2 - m**2) * ((j + 1) ** 2 - mp**2))
        terms.append(
            (two_j + 2, b + 1, bp + 1, dephasing * up * (half - j) / ((j + 1) * (2 * j + 1)))
        )
    return terms


def permutation_generator(model: StarModel) -> tuple[sp.csr_matrix, SpinSectors]:
    """The generator on the concatenated vectorised sectors (row-major R_j), with its
    sectors: d vec/dt = G vec."""
    channels = battery_channels(model)
    # L = sqrt(rate) A: relaxation Gamma = rate of s-, dephasing gamma = 2 x rate of sz
    relaxation, dephasing = channels.get("sminus", 0.0), 2 * channels.get("sz", 0.0)
    sectors = SpinSectors(model.n_batteries)
    index = {int(t): s for s, t in enumerate(sectors.two_j)}
    rows, cols, data = [], [], []
    for s, two_j in enumerate(sectors.two_j):
        row, col, values = lindblad_coo(
            2 * (int(two_j) + 1),
            model.sector_hamiltonian(int(two_j)),
            _charger_jumps(model, int(two_j)),
        )
        rows.append(row + sectors.offsets[s])
        cols.append(col + sectors.offsets[s])
        data.append(values)
        size, joint = int(two_j) + 1, int(sectors.joint[s])
        b, bp = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
        for target, tb, tbp, value in _local_terms(
            model.n_batteries, int(two_j), relaxation, dephasing
        ):
            t = index.get(target)
            if t is None:
                continue
            tsize, tjoint = target + 1, int(sectors.joint[t])
            keep = (tb >= 0) & (tb < tsize) & (tbp >= 0) & (tbp < tsize) & (value != 0)
            for c in (0, 1):  # the charger's indices ride along unchanged
                for cp in (0, 1):
                    source = sectors.offsets[s] + (b[keep] * 2 + c) * joint + bp[keep] * 2 + cp
                    dest = sectors.offsets[t] + (tb[keep] * 2 + c) * tjoint + tbp[keep] * 2 + cp
                    rows.append(dest)
                    cols.append(source)
                    data.append(value[keep].astype(complex))
    dim = sectors.dimension
    generator = sp.coo_matrix(
        (np.concatenate(data), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim)
    )
    return sp.csr_matrix(generator), sectors


def permutation_rows(
    sectors: SpinSectors, vectors: Iterator[NDArray[np.complex128]]
) -> Iterator[tuple[BatteryState, float, None]]:
    """(battery state, charger excitation, None) for each concatenated vector, taken in
    batches of up to 8 MiB so that each sector's eigenvalues are one batched call."""
    batch = max(1, min(64, 2**23 // (16 * sectors.dimension)))
    while chunk := list(islice(vectors, batch)):
        yield from _batch_rows(sectors, np.array(chunk))


def _batch_rows(
    sectors: SpinSectors, stack: NDArray[np.complex128]
) -> Iterator[tuple[BatteryState, float, None]]:
    count, n = stack.shape[0], sectors.n
    spectra, weights = [], []
    mean, jminus, excitation = np.zeros(count), np.zeros(count, dtype=complex), np.zeros(count)
    for s, joint in enumerate(sectors.joint):
        size = int(joint) // 2
        pairs = stack[:, sectors.offsets[s] : sectors.offsets[s + 1]].reshape(
            count, size, 2, size, 2
        )
        excited = pairs[:, :, 1, :, 1]
        battery = pairs[:, :, 0, :, 0] + excited  # Hermitian, as every vector of the frame is
        excitation += np.real(np.trace(excited, axis1=1, axis2=2))
        populations = np.real(np.diagonal(battery, axis1=1, axis2=2))
        mean += populations @ (np.arange(size) + sectors.lowest[s])
        if size > 1:  # B[b, b-1] <b-1|J-|b>
            below = np.diagonal(battery, -1, axis1=1, axis2=2)
            jminus += below @ dicke.jminus_offdiagonal(size - 1)
        spectra.append(np.linalg.eigvalsh(battery) / sectors.degeneracy[s])
        weights.append(np.full(size, sectors.degeneracy[s]))
    values, counts = np.concatenate(spectra, axis=1), np.concatenate(weights)
    order = np.argsort(values, axis=1)[:, ::-1]
    for k in range(count):
        p = mean[k] / n
        single = np.array([[1 - p, np.conj(jminus[k]) / n], [jminus[k] / n, p]], dtype=complex)
        state = BatteryState(
            n,
            float(mean[k]),
            values[k, order[k]],
            ((single, n),),
            multiplicities=counts[order[k]],
        )
        yield state, float(excitation[k]), None


PERMUTATION_LIMIT_MAX_BATTERIES = 40
"""The permutation route's t -> infinity limit (a sparse LU of its generator) handles N up to
this: the factors grow as about N^4.5 (66 million entries, about 1 GB and 25 s at N = 40)."""


def sector_energy(sectors: SpinSectors, vector: NDArray[np.complex128]) -> float:
    """<number of excited battery qubits> of a concatenated vector (populations only)."""
    mean = 0.0
    for s, joint in enumerate(sectors.blocks(vector)):
        size = joint.shape[0] // 2
        populations = np.real(np.diagonal(joint)).reshape(size, 2).sum(axis=1)
        mean += float(populations @ (np.arange(size) + sectors.lowest[s]))
    return mean


def stationary_vector(model: StarModel) -> tuple[NDArray[np.complex128], SpinSectors]:
    """The unique stationary state of the permutation generator: G x = 0 with one equation
    replaced by the trace condition sum_j Tr R_j = 1, solved by a sparse LU. The replaced
    system is singular exactly when the kernel has more than one state; that is refused."""
    from scipy.sparse.linalg import splu

    generator, sectors = permutation_generator(model)
    trace = np.zeros(sectors.dimension, dtype=complex)
    for s, size in enumerate(sectors.joint):
        trace[sectors.offsets[s] + np.arange(size) * (size + 1)] = 1.0
    system = generator.tolil()
    system[0, :] = trace
    rhs = np.zeros(sectors.dimension, dtype=complex)
    rhs[0] = 1.0
    try:
        vector = splu(system.tocsc()).solve(rhs)
    except RuntimeError:  # an exactly singular factor
        vector = np.full(sectors.dimension, np.nan, dtype=complex)
    residual = float(np.abs(generator @ vector).max()) if np.all(np.isfinite(vector)) else np.inf
    if not residual <= 1e-9 * max(1.0, float(abs(generator).sum(axis=0).max())):
        raise QbcircuitError(
            "This model's permutation-invariant dynamics has more than one stationary state "
            "(its generator's kernel is not one-dimensional); evolve to a long time instead."
        )
    return vector, sectors
