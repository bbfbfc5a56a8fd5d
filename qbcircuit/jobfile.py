"""The job file and its counts files: written atomically, checked whenever they are read back.

``job.json`` (format FORMAT) holds the config text and its hash, the backend, the circuits' hash,
the PUB table and its hash, and the jobs (PUB range, id, status, the hash of their counts file).
``counts-<k>.json`` holds job k's dense counts per PUB and register. Every read checks the
format, the types, the ranges and the recorded hashes, and a damaged file is one sentence naming
it and what is wrong; a counts file that is missing, damaged or not the one recorded is treated as
not there (``submit`` runs its job again, ``collect`` fetches it again or says how to recover).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from qbcircuit._checks import QbcircuitError
from qbcircuit.results import write_atomic

__all__ = [
    "FORMAT",
    "JOB_FILE",
    "config_digest",
    "counts_path",
    "pubs_digest",
    "read_counts",
    "read_job",
    "store_counts",
    "write_job",
]

FORMAT = "qbcircuit-job/2"
JOB_FILE = "job.json"
_ROLES = ("tomography", "calibration")


def config_digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def pubs_digest(pubs: Sequence[Mapping[str, Any]]) -> str:
    return hashlib.sha256(json.dumps(list(pubs), sort_keys=True).encode()).hexdigest()


def counts_path(folder: Path, index: int) -> Path:
    return folder / f"counts-{index}.json"


def write_job(folder: Path, document: Mapping[str, Any]) -> None:
    write_atomic(folder / JOB_FILE, json.dumps(document, indent=1) + "\n")


def _damaged(path: Path, what: str) -> QbcircuitError:
    return QbcircuitError(f"Job file {str(path)!r} is damaged: {what}.")


def _require(
    document: Mapping[str, Any], key: str, kind: type | tuple[type, ...], path: Path
) -> Any:
    if key not in document:
        raise _damaged(path, f"`{key}` is missing")
    value = document[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        raise _damaged(path, f"`{key}` is a {type(value).__name__}")
    return value


def _index(value: Any, size: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < size


def _check_pubs(pubs: list[Any], times: int, path: Path) -> None:
    for k, pub in enumerate(pubs):
        where = f"PUB row {k}"
        if not isinstance(pub, dict) or pub.get("role") not in _ROLES:
            raise _damaged(path, f"{where} has no role {_ROLES}")
        registers = pub.get("registers")
        if not isinstance(registers, list) or not all(isinstance(r, str) for r in registers):
            raise _damaged(path, f"{where} has no register names")
        if pub["role"] == "tomography":
            qubits = pub.get("battery")
            if not _index(pub.get("time"), times) or not _index(pub.get("setting"), 10**9):
                raise _damaged(path, f"{where} has a time or setting index out of range")
            if (
                not isinstance(qubits, list)
                or not qubits
                or not all(_index(q, 10**6) for q in qubits)
            ):
                raise _damaged(path, f"{where} has no battery qubits")
            if not _index(pub.get("charger"), 10**6):
                raise _damaged(path, f"{where} has no charger qubit")
        elif pub.get("prepared") not in (0, 1) or not isinstance(pub.get("qubits"), list):
            raise _damaged(path, f"{where} is not a calibration row")


def _check_jobs(jobs: list[Any], size: int, path: Path) -> None:
    start = 0
    for k, job in enumerate(jobs):
        where = f"job {k}"
        if not isinstance(job, dict) or job.get("index") != k:
            raise _damaged(path, f"{where} is not the job with index {k}")
        bounds = job.get("pubs")
        if (
            not isinstance(bounds, list)
            or len(bounds) != 2
            or bounds[0] != start
            or not _index(bounds[1] - 1, size)
            or bounds[1] <= bounds[0]
        ):
            raise _damaged(path, f"{where} does not cover the next PUBs from {start}")
        start = bounds[1]
        if job.get("id") is not None and not isinstance(job.get("id"), str):
            raise _damaged(path, f"{where} has an id that is not text")
        if not isinstance(job.get("status"), str):
            raise _damaged(path, f"{where} has no status")
    if start != size:
        raise _damaged(path, f"its jobs cover {start} of the {size} PUBs")


def read_job(path: Path) -> dict[str, Any]:
    """The job file at ``path``, checked: format, every key and type, the PUB table against its
    hash, the jobs covering the PUBs in order, the config text against its hash."""
    try:
        document = json.loads(path.read_text())
    except FileNotFoundError:
        raise QbcircuitError(f"Job file {str(path)!r} does not exist.") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise QbcircuitError(f"Job file {str(path)!r} is not JSON (truncated or edited).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        found = document.get("format") if isinstance(document, dict) else None
        raise QbcircuitError(
            f"Job file {str(path)!r} is not a {FORMAT} file (format {found!r}); files of older "
            "versions cannot be collected by this one: submit again into a new folder."
        )
    for key in ("backend", "backend_name", "circuits_sha256", "config_sha256", "pubs_sha256"):
        _require(document, key, str, path)
    config = _require(document, "config", dict, path)
    if not isinstance(config.get("text"), str) or not isinstance(config.get("source"), str):
        raise _damaged(path, "`config` has no text or source")
    if config_digest(config["text"]) != document["config_sha256"]:
        raise _damaged(path, "the config text does not match the hash recorded at submission")
    times = _require(document, "times", list, path)
    if not times or not all(isinstance(t, (int, float)) and math.isfinite(t) for t in times):
        raise _damaged(path, "`times` are not finite numbers")
    _require(document, "layout", dict, path)
    _require(document, "cost", dict, path)
    pubs = _require(document, "pubs", list, path)
    _check_pubs(pubs, len(times), path)
    if pubs_digest(pubs) != document["pubs_sha256"]:
        raise _damaged(path, "the PUB table does not match the hash recorded at submission")
    _check_jobs(_require(document, "jobs", list, path), len(pubs), path)
    return document


def _width(pub: Mapping[str, Any], register: str) -> int:
    """Outcomes of ``register`` in a PUB row: 2^(its bits)."""
    if register == "charger":
        return 2
    if pub["role"] == "calibration":
        return 2 ** len(pub["qubits"])
    return 2 ** len(pub["battery"])


def store_counts(folder: Path, job: dict[str, Any], counts: Sequence[Mapping[str, Any]]) -> None:
    """Write job ``job``'s counts atomically and record their hash in the job entry."""
    rows = [{name: np.asarray(v).tolist() for name, v in row.items()} for row in counts]
    text = json.dumps({"job": job["index"], "id": job["id"], "counts": rows}) + "\n"
    write_atomic(counts_path(folder, job["index"]), text)
    job["counts_sha256"] = hashlib.sha256(text.encode()).hexdigest()


def read_counts(
    folder: Path, job: Mapping[str, Any], pubs: Sequence[Mapping[str, Any]]
) -> list[dict[str, NDArray[np.int64]]] | str:
    """Job ``job``'s counts, checked against the PUB rows it covers; or, when its file is
    missing or unusable, one sentence saying why (the caller recomputes or reports it)."""
    path = counts_path(folder, job["index"])
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return f"{path.name} is missing"
    recorded = job.get("counts_sha256")
    if recorded is not None and hashlib.sha256(raw).hexdigest() != recorded:
        return f"{path.name} is not the file recorded in the job file (edited or swapped)"
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return f"{path.name} is not JSON (truncated or edited)"
    start, stop = job["pubs"]
    rows = document.get("counts") if isinstance(document, dict) else None
    if (
        not isinstance(rows, list)
        or len(rows) != stop - start
        or document.get("job") != job["index"]
    ):
        return f"{path.name} does not hold the {stop - start} PUBs of job {job['index']}"
    out = []
    for offset, (row, pub) in enumerate(zip(rows, pubs[start:stop], strict=True)):
        if not isinstance(row, dict) or set(row) != set(pub["registers"]):
            return f"{path.name}: PUB {start + offset} does not have registers {pub['registers']}"
        arrays = {}
        for name, values in row.items():
            array = np.asarray(values)
            if (
                array.shape != (_width(pub, name),)
                or array.dtype.kind not in "iu"
                or np.any(array < 0)
            ):
                return (
                    f"{path.name}: PUB {start + offset}, register {name!r} is not "
                    f"{_width(pub, name)} counts (integers >= 0)"
                )
            arrays[name] = array.astype(np.int64)
        out.append(arrays)
    return out
