"""How long the long-time limit takes to reach: a guaranteed reach time from the decaying modes.

From all-ground, E(t) - E_inf = sum_i c_i exp(lambda_i t) over the non-stationary eigenmodes
of the generator, c_i the energy weight of mode i times the initial state's overlap with it.
The envelope

    B(t) = sum_i |c_i| exp(Re(lambda_i) t)  >=  |E(t) - E_inf|

decreases monotonically, so from the time t_reach where B(t_reach) = tolerance * E_inf on,
E(t) stays within ``tolerance`` of its limit: t_reach is an upper bound of the true reach time
and is set by the slowest modes the initial state actually populates (modes it does not touch
have c_i = 0). Near an exceptional point the eigenvectors are ill-conditioned, the |c_i| grow and
partly cancel, and the bound is looser by a few relaxation times of that mode.

Two exact mode routes:

* resonant blocks (dB = 0, any N): each populated block pair (k, l) has its own 4 x 4 generator;
  pairs whose total energy weight is negligible (below ``_PRUNE`` of the target) are bounded
  by their initial weight, which the dynamics never increases (unital dephasing contracts the
  Hilbert-Schmidt norm of every block pair), and that bound is subtracted from the target;
* the dense spectrum of the Dicke-sector Liouvillian (any model, N <= REACH_DENSE_MAX_BATTERIES).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
from numpy.typing import NDArray
from scipy.optimize import brentq

from qbcircuit._threads import limit_blas
from qbcircuit.exact._liouvillian import liouvillian
from qbcircuit.exact._resonant import ResonantBlocks
from qbcircuit.model import StarModel

__all__ = [
    "RATE_RESOLUTION",
    "REACH_DENSE_MAX_BATTERIES",
    "Modes",
    "dense_modes",
    "reach_time",
    "resonant_modes",
]

REACH_DENSE_MAX_BATTERIES = 16
"""Off resonance the reach time needs the dense sector spectrum, (2(N+1))^2 square: N <= 16
(about 5 s at N = 16 on one core; N = 24 takes about a minute)."""

RATE_RESOLUTION = 1e-12
"""Decay rates below this share of the fastest count as zero: their reach time is inf."""

_PRUNE = 1e-3  # share of the target left to pairs bounded by their initial weight


@dataclass(frozen=True)
class Modes:
    """Decay rates -Re(lambda_i) >= 0 and energy amplitudes |c_i| of the populated modes, and a
    part of |E(t) - E_inf| bounded by the constant ``remainder`` at every t."""

    rates: NDArray[np.float64]
    amplitudes: NDArray[np.float64]
    remainder: float = 0.0


def reach_time(modes: Modes, target: float) -> float:
    """Smallest t with B(t) <= target (0 if already at t = 0; inf if some non-decaying
    amplitude alone exceeds the target)."""
    target -= modes.remainder
    rates, amplitudes = modes.rates, modes.amplitudes
    if target <= 0:
        return math.inf
    if float(np.sum(amplitudes)) <= target:
        return 0.0
    # modes that never decay stay in the bound at their full size, and so do those slower than
    # round-off can resolve (the eigenvalues carry absolute errors ~1e-16 of the fastest rate)
    frozen = rates <= RATE_RESOLUTION * float(np.max(rates, initial=1.0))
    target -= float(np.sum(amplitudes[frozen]))
    if target <= 0:
        return math.inf
    rates, amplitudes = rates[~frozen], amplitudes[~frozen]
    # at t_high each term is at most target / (number of terms), so B(t_high) <= target
    share = target / amplitudes.size
    t_high = float(np.max(np.log(np.maximum(amplitudes / share, 1.0)) / rates))
    log_target = math.log(target)

    def excess(t: float) -> float:
        return math.log(float(np.sum(amplitudes * np.exp(-rates * t)))) - log_target

    if excess(t_high) >= 0:  # only round-off keeps B at the target here
        return t_high
    return float(brentq(excess, 0.0, t_high, xtol=1e-12 * max(t_high, 1.0), rtol=1e-10))


def resonant_modes(model: StarModel, blocks: ResonantBlocks, target: float) -> Modes:
    """Modes of the resonant block pairs that the all-ground state populates."""
    active = blocks.active
    n, omega0 = model.n_batteries, model.omega0
    u, v = blocks.u[:, active], blocks.v[:, active]
    number = np.arange(n + 1.0)
    a, b = (u.T * number) @ u, (v.T * number) @ v  # E = omega0 (Tr[X0 a] + Tr[X1 b])
    i, j = np.triu_indices(active.size)
    weight = np.abs(blocks.weights[active[i]] * blocks.weights[active[j]])
    multiplicity = np.where(i == j, 1.0, 2.0)  # (k, l) and (l, k) together
    bound = omega0 * multiplicity * weight * (np.abs(a[i, j]) + np.abs(b[i, j]))
    order = np.argsort(bound)
    dropped = np.cumsum(bound[order]) <= _PRUNE * target
    keep = np.sort(order[~dropped])
    remainder = float(np.sum(bound[order[dropped]]))
    i, j = i[keep], j[keep]
    values, vectors = np.linalg.eig(blocks.generators(active[i], active[j]))
    # deviation from the limit: x(0) = (w_k w_l, 0, 0, 0) less, on diagonal pairs, the block's
    # stationary state (X0 + X1)/2 of the same trace; only decaying modes remain in it
    start = np.zeros((i.size, 4), dtype=complex)
    start[:, 0] = blocks.weights[active[i]] * blocks.weights[active[j]]
    diagonal = i == j
    start[diagonal, 0] /= 2
    start[diagonal, 3] = -start[diagonal, 0]
    coefficients = np.linalg.solve(vectors, start[:, :, None])[:, :, 0]
    weights_e = a[i, j][:, None] * vectors[:, 0, :] + b[i, j][:, None] * vectors[:, 3, :]
    amplitudes = np.abs(omega0 * multiplicity[keep][:, None] * weights_e * coefficients)
    return Modes(-values.real.ravel(), amplitudes.ravel(), remainder)


def dense_modes(model: StarModel) -> tuple[Modes, NDArray[np.complex128], NDArray[np.complex128]]:
    """Decaying modes of the Dicke-sector Liouvillian of a model whose sector generator is
    diagonalisable (the detuned star, or any model with charger channels only), and
    (eigenvalues, right eigenvectors times the initial state's coefficients) to evaluate
    rho(t) at any t (the stationary modes included)."""
    generator = liouvillian(model, "dicke").toarray()
    dim = math.isqrt(generator.shape[0])
    # one BLAS thread: LAPACK's eigenpairs (even their order) depend on the thread count, and
    # a sweep's result must not depend on its executor (dask workers run one thread); this
    # costs about 1.5x at N = 16 (5 s against 3.6 s with two threads)
    with limit_blas(1):
        values, left, right = la.eig(generator, left=True, right=True)
    norms = np.einsum("ij,ij->j", left.conj(), right)
    coefficients = (left.conj().T @ model.initial_state("dicke").reshape(-1)) / norms
    stationary = np.abs(values) <= 1e-9 * max(1.0, float(np.abs(values).max()))
    levels = model.omega0 * np.repeat(np.arange(dim // 2, dtype=float), 2)  # charger fastest
    energy_rows = right[np.arange(dim) * (dim + 1)]  # diagonal entries rho_ii of each mode
    amplitudes = np.abs((levels @ energy_rows) * coefficients)
    modes = Modes(-values.real[~stationary], amplitudes[~stationary])
    return modes, values, right * coefficients
