"""Exact dynamics of the dephased star battery from the all-ground state: the oracle.

Three exact routes, cross-checked in the tests:

* ``basis="full"``: the Lindblad generator on all 2^(N+1) qubit states (small N);
* ``basis="dicke"``: the 2(N+1)-dim charger (x) symmetric-battery sector, exact from all-ground
  while every dissipator acts on the charger. At battery resonance with F > 0 and the charger's
  dephasing as the only channel it uses the exact block decomposition of
  :mod:`qbcircuit.exact._resonant` (cost independent of t); otherwise the sector generator;
* ``basis="permutation"``: the spin sectors j = N/2, N/2 - 1, ... with their multiplicities
  (:mod:`qbcircuit.exact._permutation`, O(N^3) numbers), exact with homogeneous
  battery-local dephasing and relaxation.

Each function takes the fastest route whose conditions the model meets (its capability flags)
and says which it took (``options["solver"]``).

>>> from qbcircuit import StarModel
>>> lt = long_time(StarModel(n_batteries=3, drive=1.0, coupling=1.0, dephasing=1.0,
...                          battery_detuning=0.5))
>>> round(lt.ratio, 12), lt.n_stationary        # (N-1)/(N+1) = 1/2
(0.5, 1)
"""

from __future__ import annotations

from qbcircuit.exact._charging import charging_points, charging_time, charging_times
from qbcircuit.exact._evolve import (
    AUTO_FULL_MAX_BATTERIES,
    BASES,
    DENSE_GAP_MAX_BATTERIES,
    SOLVERS,
    check_evolve,
    evolve,
    memory_budget,
    series_of,
    state_rows,
)
from qbcircuit.exact._liouvillian import lindblad_generator, liouvillian
from qbcircuit.exact._longtime import (
    DEFAULT_HORIZON,
    DEFAULT_TOLERANCE,
    check_long_time,
    check_relaxation_time,
    long_time,
    relaxation_time,
)
from qbcircuit.exact._permutation import PERMUTATION_LIMIT_MAX_BATTERIES
from qbcircuit.exact._reach import REACH_DENSE_MAX_BATTERIES
from qbcircuit.exact._resonant import ResonantBlocks, resonant_blocks

__all__ = [
    "AUTO_FULL_MAX_BATTERIES",
    "BASES",
    "DEFAULT_HORIZON",
    "DEFAULT_TOLERANCE",
    "DENSE_GAP_MAX_BATTERIES",
    "PERMUTATION_LIMIT_MAX_BATTERIES",
    "REACH_DENSE_MAX_BATTERIES",
    "SOLVERS",
    "ResonantBlocks",
    "charging_points",
    "charging_time",
    "charging_times",
    "check_evolve",
    "check_long_time",
    "check_relaxation_time",
    "evolve",
    "lindblad_generator",
    "liouvillian",
    "long_time",
    "memory_budget",
    "relaxation_time",
    "resonant_blocks",
    "series_of",
    "state_rows",
]
