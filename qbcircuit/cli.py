"""Command line: ``qbcircuit run [CONFIG.toml] [--out DIR]`` (the main job),
``qbcircuit compare [CONFIG.toml] [--out DIR]`` (exact vs pulse vs aer), and
``qbcircuit submit CONFIG.toml --backend SPEC [--out DIR] [--dry-run]`` /
``qbcircuit collect JOBFILE`` (the experiment on a backend, through a job file), and
``qbcircuit sweep CONFIG.toml [--out DIR]`` (a resumable grid of points, see qbcircuit.sweeps).

Commands are thin: parse -> call the library -> write JSON/CSV/PNG -> print a short table.
Package errors become one line on stderr and exit status 2, never a traceback; any other
exception is one line with exit status 1 (``--debug`` or QBCIRCUIT_DEBUG=1 shows its traceback).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from qbcircuit import exact, jobs, plots, sweeps
from qbcircuit._checks import TIME_BUDGET_VARIABLE, QbcircuitError, time_budget
from qbcircuit._launch import INTERRUPTED
from qbcircuit._version import __version__
from qbcircuit.compare import compare
from qbcircuit.config import RunConfig, default_config_path
from qbcircuit.config.examples import EXAMPLES, write_examples
from qbcircuit.mainjob import run_main_job
from qbcircuit.results import write_atomic

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qbcircuit",
        description="Emulate the dephased star quantum battery: exact dynamics, circuits, "
        "ergotropy.",
    )
    parser.add_argument("--version", action="version", version=f"qbcircuit {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an internal error"
    )
    parser.add_argument(
        "--time-budget",
        metavar="SECONDS",
        help="refuse any solve estimated to take longer (default 3600, or "
        f"${TIME_BUDGET_VARIABLE}; 'inf' for none)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run = commands.add_parser(
        "run",
        help="run the main job for a config (default: the shipped circuits/default.toml)",
        description="Exact time traces E(t), W(t), W/E(t) of the config's model, the Trotter "
        "circuits emulated on Aer and their tomography (shots, error bars) overlaid on them, "
        "and the long-time W/E versus N (resonant and battery-detuned), written as JSON, CSV "
        "and PNG. "
        "Finished outputs whose inputs are unchanged are reused on a rerun.",
    )
    run.add_argument("config", nargs="?", type=Path, help="TOML file with a [model] table")
    run.add_argument(
        "--out",
        type=Path,
        default=Path("qbcircuit-out"),
        help="output folder (default: ./qbcircuit-out)",
    )
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    compare = commands.add_parser(
        "compare",
        help="exact vs pulse (qiskit-dynamics, lab frame) vs aer (Trotter circuits) for a config",
        description="Solve the config's model exactly, at pulse level in the lab frame ([pulse] "
        "table; skipped with the install command when the pulse extra is missing) and as "
        "Trotter circuits on Aer ([aer] table), on the [times] grid; write the maximum "
        "deviations in E, W and W/E from exact (comparison.csv), an overlay plot "
        "(comparison.png) and each leg as JSON + CSV.",
    )
    compare.add_argument("config", nargs="?", type=Path, help="TOML file with a [model] table")
    compare.add_argument(
        "--out", type=Path, default=Path("qbcircuit-compare"), help="output folder"
    )
    compare.add_argument("--no-pulse", action="store_true", help="leave out the pulse leg")
    compare.add_argument("--no-aer", action="store_true", help="leave out the Aer leg")
    submit = commands.add_parser(
        "submit",
        help="submit the config's tomography circuits to a backend, writing a job file",
        description="Build the Trotter circuits with in-circuit dephasing ([hardware] table), "
        "measured in every [tomography] setting, transpile them for the backend (star-aware "
        "layout), print their cost, and submit them. OUT/job.json is written before the first "
        "submission and kept current; local backends (aer, aer:<fake>, fake:<fake>) run now "
        "and store their counts beside it. Rerunning with the same OUT resumes.",
    )
    submit.add_argument("config", nargs="?", type=Path, help="TOML file with a [model] table")
    submit.add_argument(
        "--backend",
        help="aer | aer:<fake backend> | fake:<fake backend> | ibm:<backend> "
        "(default: [hardware] backend)",
    )
    submit.add_argument("--out", type=Path, default=Path("qbcircuit-job"), help="job folder")
    submit.add_argument(
        "--dry-run", action="store_true", help="print the cost only; submit nothing"
    )
    submit.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    collect = commands.add_parser(
        "collect",
        help="fetch a job file's results, fit the tomography, write the hardware trajectory",
        description="Read OUT/job.json (or the folder), fetch finished IBM jobs (stored beside "
        "it; local backends stored theirs at submit), fit the tomography of every time "
        "(readout-mitigated when the job has calibrations) and write hardware.json/.csv, "
        "hardware_vs_exact.csv and hardware_vs_exact.png beside it. Runs no circuit; exits "
        "with status 3 while IBM jobs are still queued.",
    )
    collect.add_argument("jobfile", type=Path, help="job.json written by `qbcircuit submit`")
    collect.add_argument("--no-mitigation", action="store_true", help="fit the raw counts only")
    collect.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    sweep = commands.add_parser(
        "sweep",
        help="run a config's [sweep] grid or list of points into a resumable results store",
        description="Expand the config's [sweep] table (a grid or a list over "
        f"{', '.join(sweeps.PARAMETERS)}), check every point, and run the points as "
        "independent tasks; each finished point is written to OUT/points/ as it completes, "
        "OUT/sweep.csv (one row per point) at the end. Rerunning with the same OUT reuses the "
        "finished points; a store of another config or version is refused.",
    )
    sweep.add_argument("config", type=Path, help="TOML file with [model] and [sweep] tables")
    sweep.add_argument("--out", type=Path, default=Path("qbcircuit-sweep"), help="store folder")
    sweep.add_argument(
        "--executor",
        choices=sweeps.EXECUTORS,
        help="serial | processes (default) | dask (a LocalCluster unless --scheduler)",
    )
    sweep.add_argument("--workers", type=int, help="processes or LocalCluster workers")
    sweep.add_argument(
        "--scheduler", metavar="ADDRESS", help="dask scheduler address (implies --executor dask)"
    )
    sweep.add_argument(
        "--yes", action="store_true", help="run a sweep with more points than its limit"
    )
    sweep.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    init = commands.add_parser(
        "init",
        help="write the example configs (default, hardware_n2, sweep) into a folder",
        description="Copy the example configs into OUT (default: the current folder) to edit "
        "and pass to run, compare, submit or sweep. Existing files are kept unless --force.",
    )
    init.add_argument("--out", type=Path, default=Path("."), help="folder (default: .)")
    init.add_argument("--force", action="store_true", help="overwrite existing example files")
    return parser


def _run(args: argparse.Namespace) -> None:
    path = args.config if args.config is not None else default_config_path()
    config = RunConfig.from_toml(path)
    model = config.model
    print(f"qbcircuit {__version__}: {path}")
    print(
        f"  model: N={model.n_batteries} F={model.drive:g} g={model.coupling:g} "
        f"gamma={model.dephasing:g} dC={model.charger_detuning:g} "
        f"dB={model.battery_detuning:g} omega0={model.omega0:g}"
    )
    echo = print if args.no_progress else tqdm.write  # rows never split a progress bar
    run_main_job(config, args.out, progress=not args.no_progress, echo=echo)


def _compare(args: argparse.Namespace) -> None:
    path = args.config if args.config is not None else default_config_path()
    config = RunConfig.from_toml(path)
    legs = tuple(leg for leg, off in (("pulse", args.no_pulse), ("aer", args.no_aer)) if not off)
    aer, pulse_config = config.aer, config.pulse
    print(f"qbcircuit {__version__} compare: {path} (N={config.model.n_batteries})")
    comparison = compare(
        config.model,
        config.times.times(),
        dt=aer.dt,
        legs=legs,
        aer_options=aer.circuit_options(),
        pulse_options=dataclasses.asdict(pulse_config),
    )
    comparison.save(args.out)
    print(f"  {'leg':>6} {'max|dE|':>10} {'max|dW|':>10} {'max|dW/E|':>10}  options")
    for row in comparison.rows():
        options = row["options"]
        note = (
            f"{options['frame']} frame, {options['drive_shape']} drive, "
            f"{options['coupling_form']}, omega0={options['omega0']:g}"
            if row["leg"] == "pulse"
            else f"dt={options['dt']:g}, order {options['order']}, {options['insertion']}"
        )
        print(
            f"  {row['leg']:>6} {row['max_abs_dE']:>10.2e} {row['max_abs_dW']:>10.2e} "
            f"{row['max_abs_dratio']:>10.2e}  {note}"
        )
    for label, reason in comparison.skipped.items():
        print(f"  {label:>6} skipped: {reason}")
    print(f"  wrote {args.out}/comparison.csv, comparison.png")


def _submit(args: argparse.Namespace) -> None:
    path = args.config if args.config is not None else default_config_path()
    config = RunConfig.from_toml(path)
    print(f"qbcircuit {__version__} submit: {path} (N={config.model.n_batteries})")
    jobs.submit(
        config,
        args.out,
        backend=args.backend,
        dry_run=args.dry_run,
        progress=not args.no_progress,
        echo=lambda text: print("  " + text.replace("\n", "\n  ")),
    )
    if not args.dry_run:
        print(f"  wrote {args.out / jobs.JOB_FILE}; next: qbcircuit collect {args.out}")


def _collect(args: argparse.Namespace) -> None:
    hardware, raw = jobs.collect(
        args.jobfile,
        mitigation=False if args.no_mitigation else None,
        progress=not args.no_progress,
    )
    out = args.jobfile.parent if args.jobfile.suffix == ".json" else args.jobfile
    model = hardware.model
    times = hardware.times
    reference = exact.evolve(model, times)
    curve = exact.evolve(model, np.linspace(0.0, float(times[-1]) or 1.0, 121))
    hardware.save(out / "hardware.json")
    write_atomic(out / "hardware.csv", hardware.to_csv())
    curve.save(out / "exact.json")
    if raw is not None:
        raw.save(out / "hardware_unmitigated.json")
    assert hardware.energy_error is not None and hardware.ergotropy_error is not None
    print(
        f"qbcircuit {__version__} collect: {hardware.options['backend']} "
        f"({len(hardware.options['jobs'])} jobs), N={model.n_batteries}, "
        f"readout mitigation {'on' if raw is not None else 'off'}"
    )
    rows = ["time,E_exact,E,E_error,E_unmitigated,W_exact,W,W_error,W_unmitigated"]
    print(f"  {'t':>6} {'E exact':>8} {'E':>15} {'E raw':>7} {'W exact':>8} {'W':>15} {'W raw':>7}")
    for i, t in enumerate(times):
        e_raw = raw.energy[i] if raw is not None else float("nan")
        w_raw = raw.ergotropy[i] if raw is not None else float("nan")
        values = (
            t,
            reference.energy[i],
            hardware.energy[i],
            hardware.energy_error[i],
            e_raw,
            reference.ergotropy[i],
            hardware.ergotropy[i],
            hardware.ergotropy_error[i],
            w_raw,
        )
        rows.append(",".join(repr(float(v)) for v in values))
        print(
            f"  {t:>6.3g} {reference.energy[i]:>8.4f} {hardware.energy[i]:>7.4f}+-"
            f"{hardware.energy_error[i]:.4f} {e_raw:>7.4f} {reference.ergotropy[i]:>8.4f} "
            f"{hardware.ergotropy[i]:>7.4f}+-{hardware.ergotropy_error[i]:.4f} {w_raw:>7.4f}"
        )
    write_atomic(out / "hardware_vs_exact.csv", "\n".join(rows) + "\n")
    shown = [curve, hardware] + ([raw] if raw is not None else [])
    plots.plot_trajectories(shown, out / "hardware_vs_exact.png")
    print(f"  wrote {out}/: hardware.json, hardware.csv, hardware_vs_exact.csv/.png, exact.json")


def _sweep(args: argparse.Namespace) -> None:
    executor = args.executor or ("dask" if args.scheduler else "processes")
    print(f"qbcircuit {__version__} sweep: {args.config}")
    started = time.perf_counter()
    result = sweeps.sweep(
        args.config,
        args.out,
        executor=executor,
        workers=args.workers,
        scheduler=args.scheduler,
        yes=args.yes,
        progress=not args.no_progress,
        echo=lambda text: print("  " + text),
    )
    rows = result.rows()
    varied = list(dict.fromkeys(k for r in result.records for k in r["parameters"]))
    values = list(dict.fromkeys(k for r in result.records for k in r["values"]))[:6]
    print("  " + " ".join(f"{name:>14}" for name in varied + values))
    for row in rows[:20]:
        cells = [row.get(name, "") for name in varied + values]
        print("  " + " ".join(_cell(cell) for cell in cells))
    if len(rows) > 20:
        print(f"  ... {len(rows) - 20} more rows in sweep.csv")
    print(
        f"  {len(rows)} points ({result.reused} reused, {result.computed} computed) in "
        f"{time.perf_counter() - started:.1f} s; wrote {args.out}/sweep.csv and points/"
    )


def _init(args: argparse.Namespace) -> None:
    for path in write_examples(args.out, force=args.force):
        print(f"wrote {path}: {EXAMPLES[path.name]}")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:>14.6g}"
    return f"{value!s:>14}"


DEBUG_VARIABLE = "QBCIRCUIT_DEBUG"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    debug = args.debug or os.environ.get(DEBUG_VARIABLE, "") not in ("", "0")
    try:
        if args.time_budget is not None:
            try:
                time_budget(float(args.time_budget))
            except (ValueError, QbcircuitError):
                raise QbcircuitError(
                    "Argument `--time-budget` must be a number of seconds > 0 (or inf), got "
                    f"{args.time_budget!r}."
                ) from None
            os.environ[TIME_BUDGET_VARIABLE] = args.time_budget  # workers inherit it
        commands = {"run": _run, "compare": _compare, "submit": _submit, "collect": _collect}
        commands |= {"sweep": _sweep, "init": _init}
        commands[args.command](args)
    except jobs.JobsPending as error:
        print(f"qbcircuit: {error}", file=sys.stderr)
        return 3
    except QbcircuitError as error:
        print(f"qbcircuit: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`
        return 0
    except OSError as error:
        print(f"qbcircuit: error: {error}.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except Exception as error:  # a fault of ours: one line, the traceback on request
        if debug:
            raise
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
        print(
            f"qbcircuit: internal error in `{args.command}` ({type(error).__name__}: {detail}); "
            f"rerun with --debug (or {DEBUG_VARIABLE}=1) for the traceback.",
            file=sys.stderr,
        )
        return 1
    return 0
