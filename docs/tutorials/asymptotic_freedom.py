# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Asymptotic freedom: exact, then circuits, then tomography
#
# A driven charger qubit, dephased at rate gamma, exchanges excitations with N battery qubits.
# At long times the battery is mixed, yet the fraction of its energy that unitary operations can
# extract, W/E, approaches 1 as 1 - O(1/N). This tutorial shows the law three ways: from the
# exact long-time limit, from Trotter circuits emulated on Aer, and from state tomography of the
# circuits' battery register, as a device would measure it.
#
# Units: omega0 = 1; F is the drive, g the coupling per battery qubit, dB the battery detuning.

# %%
import matplotlib.pyplot as plt
import numpy as np

from qbcircuit import StarModel, exact

base = StarModel(n_batteries=1, drive=1.0, coupling=0.5, dephasing=1.0)

# %% [markdown]
# ## 1. The long-time limit, and whether the battery reaches it
#
# `exact.long_time` returns the t -> infinity limit with the time from which E stays within 1 %
# of it (`reach_time`) and a status against a horizon (t = 1000 by default). Three series:
#
# - **detuned** (dB = 0.5): the limit is the maximally mixed state of the symmetric sector,
#   W/E = (N - 1)/(N + 1) exactly;
# - **resonant, fixed drive** F = 1: the limit depends on F/g, but past N ~ 4F/g a dark state
#   keeps the battery from it: `ratio_at_horizon` is what the battery holds at t = 1000;
# - **resonant, scaled drive** F = 2gN: reached in a time independent of N.

# %%
ns = [1, 2, 4, 8, 16, 32, 100, 1000]
rows = []
for n in ns:
    detuned = exact.long_time(base.replace(n_batteries=n, battery_detuning=0.5))
    fixed = exact.long_time(base.replace(n_batteries=n))
    scaled = exact.long_time(base.replace(n_batteries=n, drive=2 * base.coupling * n))
    rows.append((n, detuned, fixed, scaled))
    print(
        f"N = {n:4d}: detuned {detuned.ratio:.4f} ({detuned.status}); "
        f"fixed F limit {fixed.ratio:.4f} ({fixed.status}), "
        f"at t = 1000 {fixed.ratio_at_horizon:.4f}; "
        f"F = 2gN {scaled.ratio:.4f} (reached by t = {scaled.reach_time:.1f})"
    )

# %% [markdown]
# The detuned series is (N - 1)/(N + 1) to round-off. Its reach time is computed from the
# dense spectrum of the sector generator up to N = 16; beyond, the status is "unknown" (the
# limit is still exact).

# %%
for n, detuned, _, _ in rows:
    assert abs(detuned.ratio - (n - 1) / (n + 1)) < 1e-12

n_axis = np.array(ns, dtype=float)
figure, ax = plt.subplots(figsize=(6, 4))
ax.loglog(n_axis[1:], [1 - r[1].ratio for r in rows[1:]], "o-", label="detuned, limit")
ax.loglog(n_axis, [1 - r[3].ratio for r in rows], "s-", label="F = 2gN, limit (reached)")
ax.loglog(
    n_axis,
    [1 - r[2].ratio_at_horizon for r in rows],
    "^--",
    label="F = 1, what the battery holds at t = 1000",
)
ax.loglog(n_axis, 2 / (n_axis + 1), "k:", label="2/(N + 1)")
ax.set_xlabel("number of battery qubits N")
ax.set_ylabel("1 - W/E")
ax.legend(fontsize=8)
ax.grid(alpha=0.3, which="both")
plt.show()

# %% [markdown]
# With the drive fixed, the resonant limit improves with N, but the battery never gets there:
# at t = 1000 it holds W/E of about 2/3 from N ~ 300 on. The 1/N law belongs to series whose
# limit is actually reached.
#
# ## 2. The same dynamics as Trotter circuits on Aer
#
# `emulate` builds the Strang-Trotter circuit (drive RX, one XX+YY gate per battery qubit, the
# charger dephasing inserted as an exact channel) and runs it once on Aer's density-matrix
# simulator, saving the battery state at every requested time.

# %%
from qbcircuit.emulation import emulate

model = base.replace(n_batteries=3, battery_detuning=0.5)
times = np.linspace(0, 10, 41)
reference = exact.evolve(model, times)
aer = emulate(model, times, dt=0.05)
print(
    f"max |dE| = {np.max(np.abs(aer.energy - reference.energy)):.1e}, "
    f"max |dW| = {np.max(np.abs(aer.ergotropy - reference.ergotropy)):.1e} (Trotter, dt = 0.05)"
)
print(aer.table(every=10, names=["energy", "ergotropy", "ratio"]))

# %% [markdown]
# The difference is the Trotter error of order dt^2 (halving dt divides it by 4).
#
# ## 3. Ergotropy from tomography of the circuits
#
# On a device the battery state is not available: it has to be reconstructed from counts.
# `emulate_tomography` runs permutation-invariant tomography ((N + 1)(N + 2)/2 settings) of the
# same circuits at a few times and fits a state by maximum likelihood; E comes from the Z-basis
# counts, W from the fitted state, both with bootstrap standard errors.

# %%
from qbcircuit import emulate_tomography

tomo_times = np.array([0.0, 2.5, 5.0, 7.5, 10.0])
tomography = emulate_tomography(model, tomo_times, dt=0.05, shots=4000, seed=1)
exact_at = exact.evolve(model, tomo_times)
error = np.maximum(tomography.ergotropy_error, 1e-12)
deviation = (tomography.ergotropy - exact_at.ergotropy) / error
print(tomography.table(names=["energy", "ergotropy", "ratio"]))
print("W deviation from exact, in standard errors:", np.round(deviation, 1))

# %%
figure, ax = plt.subplots(figsize=(6, 4))
ax.plot(reference.times, reference.ergotropy, "-", label="exact")
ax.plot(aer.times[::4], aer.ergotropy[::4], "o", label="Aer, Trotter dt = 0.05")
ax.errorbar(
    tomography.times,
    tomography.ergotropy,
    yerr=tomography.ergotropy_error,
    fmt="s",
    capsize=3,
    label="tomography, 4000 shots per setting",
)
ax.set_xlabel(r"time $t$ [$1/\omega_0$]")
ax.set_ylabel(r"ergotropy $W$ [$\omega_0$]")
ax.legend(fontsize=8)
ax.grid(alpha=0.3)
plt.show()

# %% [markdown]
# W is a convex function of the state, so a plug-in estimate from noisy counts is biased (low,
# near rank-deficient states); the bootstrap reports the bias and the interval. See
# [Tomography](../guide/tomography.md) and the [physics page](../physics.md), section 9.
