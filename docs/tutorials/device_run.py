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
# # A device run with error mitigation, on a fake backend
#
# The same experiment a real device would run: Trotter circuits of N = 2 battery qubits with the
# charger dephasing drawn as random RZ angles (one PUB of instances per setting), permutation
# tomography of the battery register at five times, transpiled for a 133-qubit IBM Heron
# device. Here the device is `fake:torino`, the runtime's fake backend with the device's
# calibrated noise, run locally: no account, no network. For a real device the spec is
# `ibm:<name>` (saved IBM Quantum credentials) or `braket:<device>` (AWS credentials); the
# rest of this notebook stays the same.
#
# Needs the cloud profile (qiskit 2.x and qiskit-ibm-runtime).

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from qbcircuit import exact, jobs
from qbcircuit.config import RunConfig

config = RunConfig.from_text(
    """
[model]
n_batteries = 2
drive = 1.0
coupling = 0.5
dephasing = 1.0

[tomography]
method = "permutation"
shots = 4000
replicates = 50

[hardware]
backend = "fake:torino"
dt = 0.25
stop = 2.0
points = 5
insertion = "gaussian"
instances = 16
mitigation = true          # readout calibration circuits in the same job, corrected by mthree
zne_scales = [1, 3, 5]     # every circuit also folded to 3x and 5x the noise
zne_fit = "richardson"     # extrapolated to zero noise per setting, before the fit
""",
    "tutorial",
)

# %% [markdown]
# ## 1. Dry run: what it costs
#
# The plan transpiles every circuit for the device and prints the cost: circuits, shots,
# two-qubit gates per Trotter step (with the coupling order chosen for this device), depth and
# the estimated device time. Nothing is submitted.

# %%
folder = Path(tempfile.mkdtemp()) / "job"
plan = jobs.submit(config, folder, dry_run=True)

# %% [markdown]
# ## 2. Submit and collect
#
# `submit` writes `job.json` before the first submission and keeps it current; a local backend
# runs at once and stores each job's counts beside it (an interrupted submit resumes where it
# stopped). `collect` fits the tomography of every time: mitigated (readout, then zero-noise
# extrapolation) and, for comparison, raw.

# %%
jobs.submit(config, folder)
mitigated, raw = jobs.collect(folder)
reference = exact.evolve(config.model, mitigated.times)

for name, trajectory in (("raw", raw), ("mitigated", mitigated)):
    assert trajectory is not None
    deviation = (trajectory.energy - reference.energy) / trajectory.energy_error
    print(
        f"{name:>9}: E at t = 2 {trajectory.energy[-1]:.3f} +- {trajectory.energy_error[-1]:.3f}"
        f" (exact {reference.energy[-1]:.3f}); deviation in standard errors "
        f"{np.round(deviation, 1)}"
    )

# %%
figure, axes = plt.subplots(1, 2, figsize=(11, 4))
fine = exact.evolve(config.model, np.linspace(0, 2, 81))
for ax, name, unit in ((axes[0], "energy", "E"), (axes[1], "ergotropy", "W")):
    ax.plot(fine.times, fine[name], "k-", label="exact")
    for trajectory, style, label in ((raw, "v", "raw counts"), (mitigated, "o", "mitigated")):
        assert trajectory is not None
        ax.errorbar(
            trajectory.times,
            trajectory[name],
            yerr=trajectory.errors[name],
            fmt=style,
            capsize=3,
            label=f"fake:torino, {label}",
        )
    ax.set_xlabel(r"time $t$ [$1/\omega_0$]")
    ax.set_ylabel(f"${unit}$ [$\\omega_0$]")
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# Readout errors raise E (a |0> read as 1 adds energy); the gate noise of the deep circuits
# mixes the state and lowers W. Readout correction removes the first, zero-noise extrapolation
# most of the second, at the price of three times the circuits and larger error bars. What each
# technique buys on this noise model, at N = 2 and N = 4, is measured by
# `python scripts/mitigation_study.py` ([Results](../results/index.md)); the
# [device guide](../guide/devices.md) describes every option.
