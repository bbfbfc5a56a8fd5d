"""Exact decomposition of the resonant Dicke sector (dB = 0, F > 0).

With dB = 0, H = sx_C (F + g Jx) + sy_C g Jy + (dC/2) sz_C and

    H^2 = (F + g Jx)^2 + g^2 Jy^2 + dC^2/4 - g^2 sz_C Jz,

which commutes with sz_C and so with the dephasing: H^2 is conserved. Its charger-ground block
K0 = dC^2/4 + (F + g J+)(F + g J-) is a real symmetric tridiagonal (N+1) matrix with non-zero
off-diagonal F g sqrt(n(N-n+1)), so its eigenvalues mu_k are distinct. With u_k its eigenvectors,
b_k = |(F + g J-) u_k| and v_k = (F + g J-) u_k / b_k (computed as in :func:`resonant_blocks`),
the sector splits into N+1 invariant two-level blocks {|0, u_k>, |1, v_k>} on which

    h_k = -(dC/2) sz + b_k sx,        L = sqrt(gamma/2) sz   (sz = diag(-1, 1)),

i.e. N+1 independent driven dephased qubits with Rabi amplitudes b_k. The Lindbladian couples
block pairs (k, l) only through their own 4-dim generator M_kl, so rho(t) is exact at any t.
The conserved algebra (commutant of H and sz_C) is spanned by the block projectors: exactly
N+1 stationary states, and the long-time state of |0, n=0> is sum_k |u_k[0]|^2 P_k / 2.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.linalg as la
from numpy.typing import NDArray

from qbcircuit import dicke
from qbcircuit._checks import QbcircuitError
from qbcircuit.model import StarModel

__all__ = ["WEIGHT_CUTOFF", "ResonantBlocks", "expm_batch", "resonant_blocks"]

_CHUNK_PAIRS = 1 << 18  # block pairs propagated together (bounds memory at ~64 MiB)
WEIGHT_CUTOFF = 1e-18  # blocks with smaller all-ground amplitude are left out


@dataclass(frozen=True)
class ResonantBlocks:
    """The block decomposition; columns of u (v) are the charger-ground (-excited) parts."""

    u: NDArray[np.float64]
    v: NDArray[np.float64]
    b: NDArray[np.float64]
    charger_detuning: float
    dephasing: float

    @property
    def weights(self) -> NDArray[np.float64]:
        """Amplitudes <0, n=0 | 0, u_k> of the all-ground state on each block."""
        return self.u[0]

    def generators(self, k: NDArray[np.intp], m: NDArray[np.intp]) -> NDArray[np.complex128]:
        """M_km for block pairs (k, m), shape (P, 4, 4), on vec(X) = (X00, X01, X10, X11)."""
        half = self.charger_detuning / 2
        eye = np.eye(2)

        def h(b: NDArray[np.float64]) -> NDArray[np.float64]:
            out = np.zeros((b.size, 2, 2))
            out[:, 0, 0], out[:, 1, 1] = -half, half
            out[:, 0, 1] = out[:, 1, 0] = b
            return out

        hk, hm = h(self.b[k]), h(self.b[m])
        left = np.einsum("pij,ab->piajb", hk, eye).reshape(-1, 4, 4)
        right = np.einsum("ij,pab->piajb", eye, hm).reshape(-1, 4, 4)  # h_m^T = h_m
        dephase = np.diag([0.0, -self.dephasing, -self.dephasing, 0.0])
        return -1j * (left - right) + dephase

    def long_time_battery_state(self) -> NDArray[np.float64]:
        """Battery state (Dicke basis) of the t -> infinity limit of the all-ground state."""
        factor = self.long_time_factor()
        return factor @ factor.T

    def long_time_factor(self) -> NDArray[np.float64]:
        """F with F F^T the t -> infinity battery state: columns sqrt(p_k) u_k and sqrt(p_k) v_k
        over the ``active`` blocks, p_k = u_k[0]^2 / 2, so the state has rank <= 2m and its
        non-zero spectrum is that of the 2m-square F^T F."""
        active = self.active
        root = np.abs(self.weights[active]) / np.sqrt(2)
        return np.hstack([self.u[:, active] * root, self.v[:, active] * root])

    @property
    def active(self) -> NDArray[np.intp]:
        """Blocks the all-ground state touches: |u_k[0]| > WEIGHT_CUTOFF (often a few dozen).

        Each block pair evolves on its own from amplitude u_k[0] u_l[0], so dropping the others
        changes rho by at most ~ (N+1)^1.5 WEIGHT_CUTOFF (< 1e-13 for N = 2000).
        """
        return np.nonzero(np.abs(self.weights) > WEIGHT_CUTOFF)[0]

    def battery_blocks(
        self, times: NDArray[np.float64]
    ) -> Iterator[tuple[NDArray[np.complex128], NDArray[np.complex128]]]:
        """Yield (X0, X1), shape (m, m) over the ``active`` blocks: <0,u_k|rho(t)|0,u_l> and
        <1,v_k|rho(t)|1,v_l>.

        These two charger-diagonal parts are all the battery needs:
        Tr_C rho = u X0 u^T + v X1 v^T. Only pairs k <= l are propagated (block (l, k) is the
        adjoint of block (k, l)), with exact propagators exp(M_kl dt), one set per distinct step
        (one for a uniform grid); the state is stored component-major, shape (4, P).
        """
        active = self.active
        size = active.size
        i, j = np.triu_indices(size)
        k, m = active[i], active[j]
        state = np.zeros((4, k.size), dtype=complex)
        state[0] = self.weights[k] * self.weights[m]
        x0 = np.empty((size, size), dtype=complex)
        x1 = np.empty((size, size), dtype=complex)
        propagator, last_step, now = np.empty((4, 4, 0), dtype=complex), -1.0, 0.0
        for t in times:
            step = float(t) - now
            if step > 0:
                if not math.isclose(step, last_step, rel_tol=1e-13, abs_tol=0.0):
                    propagator = np.ascontiguousarray(
                        self._propagators(k, m, step).transpose(1, 2, 0)
                    )
                    last_step = step
                state = np.sum(propagator * state[None, :, :], axis=1)
                now = float(t)
            for target, component in ((x0, state[0]), (x1, state[3])):
                target[j, i] = component.conj()
                target[i, j] = component
            yield x0, x1

    def _propagators(
        self, k: NDArray[np.intp], m: NDArray[np.intp], step: float
    ) -> NDArray[np.complex128]:
        """exp(M_km step). Scaling and squaring loses ~1e-16 per unit of |M| step (3e-4 at
        step 1e12), so long steps use the eigenpairs, V exp(L step) V^-1, accurate to
        ~cond(V) 1e-16 at any step; a pair too ill-conditioned for that (near an exceptional
        point) keeps scaling and squaring up to |M| step = 1e6 (~1e-10) and is refused beyond,
        rather than answered inaccurately."""
        out = np.empty((k.size, 4, 4), dtype=complex)
        for start in range(0, k.size, _CHUNK_PAIRS):
            part = slice(start, start + _CHUNK_PAIRS)
            generators = self.generators(k[part], m[part])
            size = step * float(np.max(np.sum(np.abs(generators), axis=1), initial=0.0))
            if size <= _LONG_STEP:
                out[part] = expm_batch(step * generators)
                continue
            values, vectors = np.linalg.eig(generators)
            inverse = np.linalg.inv(vectors)
            condition = np.linalg.norm(vectors, 2, axis=(1, 2)) * np.linalg.norm(
                inverse, 2, axis=(1, 2)
            )
            poor = condition > _MAX_CONDITION  # near an exceptional point: scaling, squaring
            if np.any(poor) and size > _EXPM_MAX:
                raise QbcircuitError(
                    f"The resonant route cannot propagate a step of {step:g} accurately here "
                    f"(a block pair near an exceptional point, eigenvector condition "
                    f"{float(np.max(condition)):.1e}); use times closer together."
                )
            # the stationary mode of a diagonal pair is an exact 0 that round-off leaves at
            # ~1e-16 |M|: at a step of 1e14 that would be a 1 % error, so it is snapped to 0
            values = np.where(np.abs(values) <= 64 * 2.0**-52 * size / step, 0.0, values)
            exponent = np.exp(values * step)
            exponent[values.real * step < -745] = 0.0  # below the smallest double
            out[part] = np.einsum("pij,pj,pjk->pik", vectors, exponent, inverse)
            if np.any(poor):
                chunk = out[part]
                chunk[poor] = expm_batch(step * generators[poor])
                out[part] = chunk
        return out


_LONG_STEP = 1e3  # |M| step beyond which the eigenpairs are used
_MAX_CONDITION = 1e5  # their accuracy, ~cond 1e-16, stays below 1e-11
_EXPM_MAX = 1e6  # ill-conditioned pairs: scaling and squaring, ~1e-16 per unit of |M| step


def expm_batch(matrices: NDArray[np.complex128]) -> NDArray[np.complex128]:
    """exp of a stack of small matrices (P, m, m): scaling and squaring with Taylor degree 18.

    One common scaling brings every norm below 1/2; the truncation error is then below
    0.5^19 / 19! ~ 2e-23 relative, far under round-off.
    """
    norm = float(np.max(np.sum(np.abs(matrices), axis=1), initial=0.0))  # max 1-norm
    squarings = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    scaled = matrices / 2.0**squarings
    eye = np.eye(matrices.shape[-1], dtype=complex)
    result = eye + scaled / 18
    for degree in range(17, 0, -1):  # Horner: I + A/1 (I + A/2 (I + ...))
        result = eye + np.matmul(scaled, result) / degree
    for _ in range(squarings):
        result = np.matmul(result, result)
    return result


def resonant_blocks(model: StarModel) -> ResonantBlocks:
    """Decompose the resonant sector of ``model`` (requires dB = 0 and F > 0).

    Rather than diagonalising K0 (whose spectrum has pairs closer than round-off in the
    weak-drive, dark-state regime), diagonalise S = R (F + g J-), R the spin flip |n> -> |N-n>.
    S is real symmetric (R (F + g J-) R = F + g J+), S^2 = K0 - dC^2/4, and in the chain order
    0, N, 1, N-1, 2, ... it is tridiagonal. Its eigenpairs (s_k, u_k) give b_k = |s_k| and
    v_k = sign(s_k) R u_k exactly paired, so <u|n|u> + <v|n|v> = N holds in every block.
    """
    if (
        not (model.is_resonant and model.homogeneous)
        or model.drive <= 0
        or not model.pure_charger_dephasing
    ):
        raise ValueError(
            "resonant_blocks needs a homogeneous battery at battery_detuning = 0, drive > 0 "
            "and the charger's dephasing as the only channel"
        )
    n, f, g = model.n_batteries, model.drive, model.coupling
    a = np.concatenate(([0.0], dicke.jminus_offdiagonal(n)))  # a[m] = <m-1|J-|m>

    def entry(i: NDArray[np.intp], j: NDArray[np.intp]) -> NDArray[np.float64]:
        """S[i, j] = <n-i| F + g J- |j>: F where j = n-i, g a[j] where j = n-i+1."""
        return np.where(j == n - i, f, 0.0) + np.where(j == n - i + 1, g * a[j], 0.0)

    chain = np.empty(n + 1, dtype=np.intp)
    chain[0::2] = np.arange((n + 2) // 2)
    chain[1::2] = n - np.arange((n + 1) // 2)
    values, vectors = la.eigh_tridiagonal(entry(chain, chain), entry(chain[:-1], chain[1:]))
    u = np.empty_like(vectors)
    u[chain] = vectors
    sign = np.where(values < 0, -1.0, 1.0)
    return ResonantBlocks(
        u=u,
        v=u[::-1] * sign,
        b=np.abs(values),
        charger_detuning=model.charger_detuning,
        dephasing=model.dephasing,
    )
