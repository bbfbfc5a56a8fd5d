"""Real coordinates of Hermitian blocks and the propagation kernels that use them."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse.linalg as sp_linalg

from qbcircuit import StarModel
from qbcircuit.exact import _taylor
from qbcircuit.exact._frame import HermitianFrame
from qbcircuit.exact._liouvillian import lindblad_generator, liouvillian
from qbcircuit.exact._permutation import permutation_generator
from qbcircuit.exact._taylor import HermitianGenerator, VectorGenerator


def _hermitian_blocks(sizes, seed=3):
    rng = np.random.default_rng(seed)
    parts = []
    for size in sizes:
        a = rng.normal(size=(size, size)) + 1j * rng.normal(size=(size, size))
        parts.append((a + a.conj().T).ravel())
    return np.concatenate(parts)


def test_coordinates_round_trip_and_keep_the_hilbert_schmidt_norm():
    sizes = [4, 3, 1]
    offsets = np.concatenate([[0], np.cumsum(np.square(sizes))])[:-1]
    frame = HermitianFrame(offsets, sizes)
    vector = _hermitian_blocks(sizes)
    x = frame.coordinates(vector)
    assert x.dtype == np.float64 and x.size == vector.size == frame.dimension
    np.testing.assert_allclose(frame.to_complex @ x, vector, atol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(x), np.linalg.norm(vector), rtol=1e-14)


def test_real_generator_acts_as_the_complex_one():
    model = StarModel(
        n_batteries=3,
        drive=0.7,
        coupling=1.1,
        dephasing=0.9,
        battery_detuning=0.4,
        battery_dephasing=0.2,
        battery_relaxation=0.1,
        charger_relaxation=0.3,
    )
    generator, sectors = permutation_generator(model)
    frame = HermitianFrame(sectors.offsets[:-1], sectors.joint)
    real = frame.real_generator(generator)
    assert not np.iscomplexobj(real.data)
    vector = _hermitian_blocks(sectors.joint, seed=5)
    np.testing.assert_allclose(
        frame.to_complex @ (real @ frame.coordinates(vector)), generator @ vector, atol=1e-12
    )


def test_lindblad_generator_matches_the_kronecker_formula():
    model = StarModel(n_batteries=2, drive=0.5, coupling=1.0, dephasing=0.8, charger_relaxation=0.2)
    h, jumps = (
        model.hamiltonian("full").toarray(),
        [j.toarray() for j in model.jump_operators("full")],
    )
    eye = np.eye(h.shape[0])
    expected = -1j * (np.kron(h, eye) - np.kron(eye, h.T))
    for jump in jumps:
        k = jump.conj().T @ jump
        expected += np.kron(jump, jump.conj()) - 0.5 * (np.kron(k, eye) + np.kron(eye, k.T))
    np.testing.assert_allclose(liouvillian(model, "full").toarray(), expected, atol=1e-14)
    np.testing.assert_allclose(
        lindblad_generator(model.hamiltonian("full"), []).toarray(),
        -1j * (np.kron(h, eye) - np.kron(eye, h.T)),
        atol=1e-14,
    )


@pytest.mark.parametrize("real", [False, True])
def test_the_direct_kernel_equals_scipys_product(monkeypatch, real):
    model = StarModel(n_batteries=2, drive=0.5, coupling=1.0, dephasing=0.8, battery_dephasing=0.1)
    generator, sectors = permutation_generator(model)
    if real:
        generator = HermitianFrame(sectors.offsets[:-1], sectors.joint).real_generator(generator)
    vector = np.random.default_rng(1).normal(size=generator.shape[0]).astype(generator.dtype)
    fast = VectorGenerator(generator).step(vector, 0.7)
    monkeypatch.setattr(_taylor, "_csr_matvec", None)
    np.testing.assert_allclose(VectorGenerator(generator).step(vector, 0.7), fast, atol=1e-14)


@pytest.mark.parametrize("n_batteries", [2, 6])  # 8 rows, and 128 rows padded to 136
def test_the_hermitian_form_acts_and_steps_as_the_vectorised_generator(n_batteries):
    model = StarModel(
        n_batteries=n_batteries,
        drive=0.7,
        coupling=0.9,
        dephasing=0.8,
        coupling_offsets=tuple(np.linspace(-0.4, 0.1, n_batteries)),
        detuning_offsets=tuple(np.linspace(-0.3, 0.2, n_batteries)),
    )
    form = HermitianGenerator(model, "full")
    assert (form.width > form.h.shape[0]) == (n_batteries == 6)
    generator = liouvillian(model, "full")
    dim = form.h.shape[0]
    rho = _hermitian_blocks([dim], seed=7).reshape(dim, dim)
    new_r, new_i = form(rho.real, rho.imag)
    shifted = generator @ rho.ravel() - form.shift * rho.ravel()
    np.testing.assert_allclose((new_r + 1j * new_i).ravel(), shifted, atol=1e-12)
    r, i = form.step(rho.real.copy(), rho.imag.copy(), 0.9)
    expected = sp_linalg.expm_multiply(0.9 * generator, rho.ravel())
    np.testing.assert_allclose((r + 1j * i).ravel(), expected, atol=1e-11)
    assert r.flags.c_contiguous and r.shape == (dim, dim)


def test_a_hermitian_step_of_a_large_generator_stays_finite():
    """||L|| t = 4e3 takes 55-term substeps: a term kept unscaled (||L||^55) would overflow."""
    model = StarModel(n_batteries=2, drive=1e6, coupling=0.5, dephasing=1.0)
    form = HermitianGenerator(model, "full")
    rho = model.initial_state("full")
    r, i = form.step(rho.real.copy(), rho.imag.copy(), 1e-3)
    expected = sp_linalg.expm_multiply(1e-3 * liouvillian(model, "full"), rho.ravel())
    np.testing.assert_allclose((r + 1j * i).ravel(), expected, atol=1e-9)
