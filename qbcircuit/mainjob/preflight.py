"""The main job's refusals, all made before its first file is written."""

from __future__ import annotations

from pathlib import Path

from qbcircuit import exact
from qbcircuit._checks import QbcircuitError
from qbcircuit.config import RunConfig
from qbcircuit.mainjob.cache import SUFFIXES
from qbcircuit.studies import study_models

__all__ = ["preflight"]


def preflight(config: RunConfig, out: str | Path) -> None:
    """Every refusal the main job's legs would make, before the first file is written or the
    first array allocated: the exact trajectory (memory, time), the Aer emulation of each N,
    the tomography, every long-time limit of the study, and the output folder."""
    from qbcircuit.emulation import AerOptions, check_emulation
    from qbcircuit.pipeline import check_emulated_tomography

    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise QbcircuitError(f"Argument `--out` must be a folder, and {str(folder)!r} is a file.")
    model, times, aer, tomo = config.model, config.times.times(), config.aer, config.tomography
    exact.check_evolve(model, times)
    options = AerOptions(aer.dt, **aer.circuit_options())
    for n in config.aer_n_values:
        check_emulation(model.replace(n_batteries=n), times, options)
    if tomo.points:
        check_emulated_tomography(
            model,
            tomo.times(times),
            dt=aer.dt,
            **tomo.emulation_options(),
            **aer.circuit_options(),
        )
    study = config.study
    for n in study.n_values:
        for series in study_models(model, n, study.battery_detuning, study.drive_ratio).values():
            exact.check_long_time(series, horizon=study.horizon)
    names = ["trajectory", "ratio_vs_n", "tomography", *(f"aer_N{n}" for n in config.aer_n_values)]
    for name in [f"{n}{s}" for n in names for s in (*SUFFIXES, ".png")] + ["summary.json"]:
        if (folder / name).is_dir():
            raise QbcircuitError(
                f"{str(folder / name)!r} is a folder, and the main job writes a file there; "
                "move it or choose another --out."
            )
