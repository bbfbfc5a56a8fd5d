"""Tolerance tiers, in one place. Solvers run at ~1e-12 or better; tests assert looser."""

EXACT = 1e-10  # exact math: two exact routes, closed forms, identities
AGREE = 1e-9  # full space vs Dicke sector (the requirement)
LATE_TIME = 1e-7  # long_time vs evolve at a late but finite time
