"""Validation at the package boundary: one exception type, one message shape.

Every message is one sentence naming the argument, what was expected and what was given,
e.g. ``Argument `dt` must be > 0, got -1.`` The CLI prints such a message as one line.
"""

from __future__ import annotations

import math
import os
import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "DEFAULT_TIME_BUDGET",
    "TIME_BUDGET_VARIABLE",
    "QbcircuitError",
    "check_budget",
    "check_choice",
    "check_finite",
    "check_fraction",
    "check_integer",
    "check_nonnegative",
    "check_positive",
    "check_seed",
    "check_times",
    "renamed",
    "time_budget",
]

DEFAULT_TIME_BUDGET = 3600.0
"""Seconds a single request may be estimated to take before it is refused (see
:func:`check_budget`); the environment variable TIME_BUDGET_VARIABLE or a call's
``time_budget=`` sets another, ``inf`` none."""
TIME_BUDGET_VARIABLE = "QBCIRCUIT_TIME_BUDGET"


class QbcircuitError(ValueError):
    """Bad input or an impossible request, explained in one sentence."""


def _is_real_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a finite real number."""
    if not _is_real_number(value) or not math.isfinite(float(value)):
        raise QbcircuitError(f"Argument `{name}` must be a finite real number, got {value!r}.")
    return float(value)


def check_nonnegative(name: str, value: Any) -> float:
    number = check_finite(name, value)
    if number < 0:
        raise QbcircuitError(f"Argument `{name}` must be >= 0, got {value!r}.")
    return number


def check_positive(name: str, value: Any) -> float:
    number = check_finite(name, value)
    if number <= 0:
        raise QbcircuitError(f"Argument `{name}` must be > 0, got {value!r}.")
    return number


def check_fraction(name: str, value: Any) -> float:
    """Return ``value`` as a float, or raise if it is not a real number in (0, 1)."""
    number = check_finite(name, value)
    if not 0 < number < 1:
        raise QbcircuitError(f"Argument `{name}` must be in (0, 1), got {value!r}.")
    return number


def check_integer(name: str, value: Any, low: int | None = None, high: int | None = None) -> int:
    """Return ``value`` as an int, or raise if it is not an integer in [low, high] (a bool or
    a float, even an integral one, is refused)."""
    bounds = " and ".join(
        part
        for part in (
            f">= {low}" if low is not None else "",
            f"<= {high}" if high is not None else "",
        )
        if part
    )
    if (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, np.integer))
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        expected = f"an integer {bounds}" if bounds else "an integer"
        raise QbcircuitError(f"Argument `{name}` must be {expected}, got {value!r}.")
    return int(value)


def check_seed(name: str, value: Any) -> int | None:
    """A random seed: None or an integer >= 0 (what numpy's SeedSequence accepts)."""
    return None if value is None else check_integer(name, value, low=0)


def check_choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``choices``, else raise naming them."""
    if not isinstance(value, str) or value not in choices:
        raise QbcircuitError(f"Argument `{name}` must be one of {choices}, got {value!r}.")
    return value


def check_times(times: ArrayLike, name: str = "times") -> NDArray[np.float64]:
    """Return a read-only 1-D float array of finite, non-negative, strictly increasing times."""
    try:
        array = np.array(times, dtype=float, ndmin=1)
    except (TypeError, ValueError):
        raise QbcircuitError(f"Argument `{name}` must be an array of real numbers.") from None
    if array.ndim != 1 or array.size == 0:
        raise QbcircuitError(
            f"Argument `{name}` must be a non-empty 1-D array, got shape {array.shape}."
        )
    if not np.all(np.isfinite(array)) or array[0] < 0:
        raise QbcircuitError(f"Argument `{name}` must hold finite times >= 0.")
    steps = np.diff(array)
    if np.any(steps <= 0):
        bad = int(np.argmax(steps <= 0))
        raise QbcircuitError(
            f"Argument `{name}` must be strictly increasing, got {array[bad]} "
            f"followed by {array[bad + 1]} at index {bad + 1}."
        )
    array.setflags(write=False)
    return array


def renamed(new: str, value: Any, old: str, old_value: Any) -> Any:
    """``value``, or ``old_value`` with a DeprecationWarning when the caller used the former
    name ``old`` of the argument ``new`` (kept for one release)."""
    if old_value is None:
        return value
    warnings.warn(
        f"Argument `{old}` is now called `{new}`; the old name will be removed in the next "
        "release.",
        DeprecationWarning,
        stacklevel=3,
    )
    return old_value


def time_budget(value: float | None = None) -> float:
    """The time budget in seconds: ``value`` when given, else $QBCIRCUIT_TIME_BUDGET, else
    DEFAULT_TIME_BUDGET."""
    if value is not None:
        return check_positive("time_budget", value) if value != math.inf else math.inf
    text = os.environ.get(TIME_BUDGET_VARIABLE, "").strip()
    if not text:
        return DEFAULT_TIME_BUDGET
    try:
        budget = float(text)
    except ValueError:
        budget = -1.0
    if not budget > 0:
        raise QbcircuitError(
            f"{TIME_BUDGET_VARIABLE} must be a number of seconds > 0 (or inf), got {text!r}."
        )
    return budget


def check_budget(what: str, seconds: float, budget: float | None = None, change: str = "") -> None:
    """Refuse, in one sentence with the estimate, a request estimated to take longer than the
    time budget. ``change`` says what to change; the override is always named."""
    limit = time_budget(budget)
    if seconds > limit:
        hint = f"{change}, or " if change else ""
        shown = f"{seconds:.1e} s" if math.isfinite(seconds) else "forever"
        raise QbcircuitError(
            f"{what} is estimated to take about {shown}, over the time budget of {limit:g} s; "
            f"{hint}raise the budget (time_budget=..., --time-budget or {TIME_BUDGET_VARIABLE})."
        )
