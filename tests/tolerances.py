"""Tolerance tiers, in one place. Solvers run at ~1e-12 or better; tests assert looser.

Statistical tests pin their seeds and shots and assert |estimate - truth| <= SIGMAS x (standard
error) (+ a deterministic budget such as the Trotter error where one applies), never equality.
"""

EXACT = 1e-10  # exact math: two exact routes, closed forms, identities
AGREE = 1e-9  # full space vs Dicke sector
LATE_TIME = 1e-7  # long_time vs evolve at a late but finite time
REFERENCE = 1e-6  # an independent reference solver (qiskit-dynamics, QuTiP) at rtol ~1e-10
SIGMAS = 4  # the k of the k-sigma bounds of shot-noise and instance-average tests
