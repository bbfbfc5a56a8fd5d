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
# # Strong and weak drive: charging time against charge quality
#
# How fast does the star battery charge, and how good is the charge when it gets there? Here
# the charging time tau is the first time the battery energy E reaches 1 - 1/e of its
# long-time value, and the quality is W/E at tau. We scan the drive F in units of gN (the
# collective coupling), for a resonant and a detuned battery, with g = 0.5 and gamma = 2g.
#
# `exact.charging_points` finds tau in one pass over the propagation (never integrating again
# from t = 0) and returns the observables at tau from the same pass. It returns `inf` when E
# stays below the level up to `t_max`: the weak-drive dark-state trap.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

from qbcircuit import StarModel, exact

G = 0.5
LEVEL = 1 - 1 / math.e
T_MAX = 1e4
ratios = [1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4]  # F / (gN)
sizes = [4, 8, 16]


def point(n: int, x: float, detuning: float) -> tuple[float, float]:
    model = StarModel(
        n_batteries=n, drive=x * G * n, coupling=G, dephasing=2 * G, battery_detuning=detuning
    )
    ((tau, at_tau),) = exact.charging_points(model, [LEVEL], t_max=T_MAX)
    quality = at_tau["ergotropy"] / at_tau["energy"] if at_tau else math.nan
    return tau, quality


results = {
    (n, detuning): [point(n, x, detuning) for x in ratios] for n in sizes for detuning in (0.0, 0.5)
}
for (n, detuning), row in results.items():
    cells = ", ".join(
        f"{x:g}: tau {tau:.3g}, W/E {q:.3f}" if math.isfinite(tau) else f"{x:g}: trapped"
        for x, (tau, q) in zip(ratios, row, strict=True)
    )
    print(f"N = {n:2d}, dB = {detuning}: {cells}")

# %% [markdown]
# ## Reading it
#
# - **Resonant, strong drive** (F >= gN/2): the battery charges in tau of about 4.1-4.6 at
#   every N, nearly independent of the drive, and W/E at tau grows with N.
# - **Resonant, weak drive**: at F = gN/4 the charge is better but takes hundreds to thousands
#   of time units; below that the battery is trapped by a dark state (no tau before 10^4).
# - **Detuned**: no trap and no trade-off: a weak drive only charges more slowly, and W/E at
#   tau hardly depends on the drive.

# %%
figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
for (n, detuning), row in results.items():
    taus = np.array([tau for tau, _ in row])
    qualities = np.array([q for _, q in row])
    style = "o-" if detuning == 0 else "s--"
    label = f"N = {n}, " + ("resonant" if detuning == 0 else "dB = 0.5")
    finite = np.isfinite(taus)
    (line,) = left.loglog(np.array(ratios)[finite], taus[finite], style, label=label)
    trapped = np.array(ratios)[~finite]
    left.plot(trapped, np.full(trapped.size, T_MAX), "v", color=line.get_color())
    right.semilogx(np.array(ratios)[finite], qualities[finite], style, label=label)
left.axhline(T_MAX, color="k", lw=0.5)
left.text(ratios[0], T_MAX * 1.3, "trapped: no tau before t = 1e4", fontsize=8)
left.set_xlabel("drive F / (gN)")
left.set_ylabel(r"charging time $\tau_{1/e}$ [$1/\omega_0$]")
right.set_xlabel("drive F / (gN)")
right.set_ylabel(r"$W/E$ at $\tau_{1/e}$")
for ax in (left, right):
    ax.grid(alpha=0.3, which="both")
right.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The price of quality at resonance
#
# The quality gained by a weaker drive shrinks with N while the time it costs explodes:

# %%
for n in sizes:
    (tau_strong, q_strong), (tau_weak, q_weak) = (
        results[(n, 0.0)][ratios.index(1)],
        results[(n, 0.0)][ratios.index(1 / 4)],
    )
    print(
        f"N = {n:2d}: F = gN/4 gains {q_weak - q_strong:+.3f} in W/E "
        f"for {tau_weak / tau_strong:.0f}x the charging time"
    )

# %% [markdown]
# The sweep version of this scan (more N, more drives, resumable, on a process pool or dask)
# is `python scripts/fig_tradeoff.py --out fig-out`; see [Results](../results/index.md).
