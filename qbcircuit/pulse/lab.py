"""The lab-frame pulse solve with numpy: qiskit-dynamics' Lindblad generator, stepped by
DOP853 in compiled code.

The generator is qiskit-dynamics' vectorised LindbladModel (dense up to 8 states, where that
is quicker to set up, scipy sparse above), evaluated once with
the drives off (L0) and once per drive at 1 (L0 + L_k), so that

    d rho/dt = (L0 + sum_k s_k(t) L_k) rho,

with s_k(t) the drive signals in closed form (the values its Signals take). The density matrix
is carried in real coordinates (the real parts of its upper triangle and the imaginary parts of
its strict upper triangle, :class:`~qbcircuit.exact._frame.HermitianFrame`), where L0 and L_k
are real matrices (a quarter of the complex arithmetic); a right-hand side is one product
per matrix, the signals scaling it (BLAS's dense dgemv up to 100 coordinates, N = 2; scipy's
sparse kernel above). The steps are Hairer's DOP853
(the 8th-order Dormand-Prince pair, the method qiskit-dynamics' "DOP853" takes through scipy's
solve_ivp) in scipy's compiled ``ode`` wrapper, which calls Python for the right-hand side
only: on these small systems solve_ivp's per-step Python work, not the arithmetic, was most of
the solve.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.linalg.blas import dgemv

from qbcircuit.exact._frame import DENSE_DIMENSION, HermitianFrame
from qbcircuit.exact._taylor import _csr_matvec
from qbcircuit.model import StarModel
from qbcircuit.pulse.operators import _drive_terms, _dynamics

__all__ = ["LabGenerator", "solve_lab"]


class LabGenerator:
    """L0 and the L_k of the lab-frame model in real coordinates, and its right-hand side."""

    def __init__(self, model: StarModel, operators: dict[str, Any], drive_shape: str) -> None:
        dynamics = _dynamics()
        drives = operators["drives"]
        lindblad = dynamics.models.LindbladModel(
            static_hamiltonian=operators["static"],
            hamiltonian_operators=drives,
            static_dissipators=operators["jumps"] or [operators["jump"]],
            # its dense vectorisation is cheaper to set up up to 8 states (1.1 ms against
            # 5.5 ms at N = 2), its sparse one above (5.4 ms against 10.7 ms at 16 states)
            array_library="numpy" if operators["static"].shape[0] <= 8 else "scipy_sparse",
            vectorized=True,
        )

        def generator(values: list[float]) -> Any:
            lindblad.signals = ([dynamics.Signal(v) for v in values], None)
            # column-stacked: vec_c(rho) = conj(rho.ravel()) for Hermitian rho, so the
            # row-major generator the frame takes is the complex conjugate (dense or sparse,
            # as the model made it: the frame takes either)
            return lindblad.evaluate(0.0).conj()

        self.dim = int(operators["static"].shape[0])
        self.frame = HermitianFrame([0], [self.dim])
        static = generator([0.0] * len(drives))
        parts = [
            generator([float(j == k) for j in range(len(drives))]) - static
            for k in range(len(drives))
        ]
        self.matrices = [self.frame.real_generator(m) for m in (static, *parts)]  # L0, L_k
        for matrix in self.matrices:
            matrix.sort_indices()
        self.terms = _drive_terms(model, drive_shape)
        self.carrier = float(operators["carrier"])
        # up to DENSE_DIMENSION coordinates (N = 2) dense BLAS products, two calls per
        # right-hand side (1.5 us against 2.1 us for the sparse kernel's four); a closure,
        # which Python calls faster than a method
        dense = self.frame.dimension <= DENSE_DIMENSION
        self.right_hand_side = self._dense_closure() if dense else self._sparse_closure()

    def __call__(self, t: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
        """d x/dt at time t (:attr:`right_hand_side`)."""
        return self.right_hand_side(t, x)

    def _dense_closure(self) -> Any:
        """d x/dt from dense matrices: BLAS's dgemv adds s_k(t) L_k x into L0 x."""
        static = np.asfortranarray(self.matrices[0].toarray())
        terms = [
            (amplitude, phase, np.asfortranarray(m.toarray()))
            for (amplitude, phase), m in zip(self.terms, self.matrices[1:], strict=True)
        ]
        carrier, cos = self.carrier, math.cos

        def right_hand_side(t: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
            out = dgemv(1.0, static, x)
            for amplitude, phase, m in terms:
                out = dgemv(amplitude * cos(carrier * t + phase), m, x, 1.0, out, overwrite_y=1)
            return out

        return right_hand_side

    def _sparse_closure(self) -> Any:
        """d x/dt from sparse matrices: L0 x, then each s_k(t) L_k x added by scipy's kernel
        (which adds its product into the output: no temporary beyond the scaled state)."""
        static, carrier, cos = self.matrices[0], self.carrier, math.cos
        pairs = list(zip(self.terms, self.matrices[1:], strict=True))
        n = self.frame.dimension
        scaled = np.empty(n)
        if _csr_matvec is None:  # pragma: no cover - a scipy that moved its kernel

            def fallback(t: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
                out = static @ x
                for (amplitude, phase), m in pairs:
                    out += (amplitude * cos(carrier * t + phase)) * (m @ x)
                return out

            return fallback
        kernel = _csr_matvec
        first = (static.indptr, static.indices, static.data)
        terms = [(amplitude, phase, m.indptr, m.indices, m.data) for (amplitude, phase), m in pairs]

        def right_hand_side(t: float, x: NDArray[np.float64]) -> NDArray[np.float64]:
            out = np.zeros(n)
            kernel(n, n, *first, x, out)
            for amplitude, phase, indptr, indices, data in terms:
                np.multiply(x, amplitude * cos(carrier * t + phase), out=scaled)
                kernel(n, n, indptr, indices, data, scaled, out)
            return out

        return right_hand_side


def solve_lab(
    generator: LabGenerator,
    rho0: NDArray[np.complex128],
    times: NDArray[np.float64],
    rtol: float,
    atol: float,
) -> NDArray[np.complex128]:
    """rho(t) at each of ``times`` (increasing, from 0), shape (T, D, D).

    The compiled stepper stops on every output time, and each start would guess its first step
    afresh (extra right-hand sides, then steps grown back from a small one); each output's
    solve starts instead from the natural step of the one before, the last accepted step that
    was not cut short to land on its output time (about a fifth fewer right-hand sides at N = 2
    and 4, 41 outputs, the error still set by the tolerances). The stepper is made once and
    restarted with that step (making it per output was a tenth of the solve at N = 2)."""
    from scipy.integrate import ode

    frame, dim = generator.frame, generator.dim
    solver = ode(generator.right_hand_side)
    ends: list[float] = []

    def accepted(t: float, _: NDArray[np.float64]) -> int:  # called at the start and each step
        ends.append(t)
        return 0

    solver.set_integrator("dop853", rtol=rtol, atol=atol, nsteps=2**31 - 1)
    solver.set_solout(accepted)
    stepper = solver._integrator  # its first_step enters each start (set_initial_value)
    states = np.empty((times.size, frame.dimension))
    state, now, first = frame.coordinates(rho0.reshape(-1)), 0.0, 0.0
    for index, t in enumerate(times):
        if t > now:
            stepper.first_step = first
            solver.set_initial_value(state, now)
            ends.clear()
            state, now = solver.integrate(float(t)), float(t)
            if not solver.successful():
                raise RuntimeError(
                    f"DOP853 stopped at t = {solver.t:g} (status {solver.get_return_code()})"
                )
            if len(ends) > 3:  # the start, then steps: the one before the step cut short at t
                first = ends[-2] - ends[-3]
        states[index] = state
    return np.asarray((frame.to_complex @ states.T).T).reshape(times.size, dim, dim)
