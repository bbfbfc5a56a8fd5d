"""The backend protocol: what every provider module implements, and the job status they share.

A :class:`Backend` is a resolved spec. It says what may run on it (:meth:`Backend.check`),
transpiles to its instruction set, makes a qiskit SamplerV2 (:meth:`Backend.sampler`), opens the
context jobs are submitted in (:meth:`Backend.batch`) and, for a remote service, fetches a job by
id (:meth:`Backend.fetch`) whose :meth:`RemoteJob.status` is a :class:`JobStatus`.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np
from numpy.typing import NDArray
from qiskit import QuantumCircuit

from qbcircuit._checks import QbcircuitError
from qbcircuit.circuits import Insertion

__all__ = ["Backend", "JobStatus", "RemoteJob", "check_shots", "dense_counts", "translate_to"]


class JobStatus(enum.Enum):
    """Where a submitted job stands, whatever the provider calls it."""

    PENDING = "pending"
    """Not submitted yet."""
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def final(self) -> bool:
        """No later status will differ."""
        return self in (JobStatus.DONE, JobStatus.FAILED, JobStatus.CANCELLED)


class RemoteJob(Protocol):
    """A job fetched by id from a remote backend."""

    def status(self) -> JobStatus: ...

    def result(self) -> Any: ...


@dataclass(frozen=True)
class Backend:
    """A resolved backend spec. ``device`` is the BackendV2 whose target circuits are
    transpiled for (None for ideal Aer, which takes all-to-all circuits).

    Class attributes a provider sets: ``hardware`` (a device or its stand-in: dephasing must be
    in the circuit, not a noise channel), ``local`` (runs in this process: results are stored as
    they come, there is no job to fetch later), ``noiseless`` (ideal and all-to-all: emulated
    tomography may draw every setting's counts from one simulated state per circuit),
    ``idle_noise`` (a simulated device whose qubits relax while idle: circuits are scheduled,
    idle periods filled with delays), ``provider_mitigation`` (Pauli twirling and dynamical
    decoupling are options of the provider's sampler, :meth:`configure`, rather than circuits
    built here), ``run_bytes`` (a local simulator's memory per instruction of every bound
    circuit it holds during one run: a job's PUBs run in sub-batches it bounds; 0 when that
    memory is not on this machine) and ``kind`` (a short name for reports).
    """

    spec: str
    name: str
    device: Any = field(default=None, repr=False, compare=False)

    kind: ClassVar[str] = ""
    hardware: ClassVar[bool] = False
    local: ClassVar[bool] = True
    noiseless: ClassVar[bool] = False
    idle_noise: ClassVar[bool] = False
    provider_mitigation: ClassVar[bool] = False
    run_bytes: ClassVar[int] = 0

    @property
    def routed(self) -> bool:
        """Circuits are laid out and routed on a coupling map (a device, not ideal Aer or an
        all-to-all simulator such as Braket's local one)."""
        return self.device is not None and self.device.coupling_map is not None

    @property
    def num_qubits(self) -> int | None:
        return None if self.device is None else int(self.device.num_qubits)

    def check(self, insertion: Insertion, width: int) -> None:
        """Refuse, in one sentence, circuits of ``width`` qubits with ``insertion``."""
        if self.hardware and not insertion.hardware:
            from qbcircuit.circuits import INSERTIONS

            ready = ", ".join(repr(n) for n, k in INSERTIONS.items() if k.hardware)
            raise QbcircuitError(
                f"The {insertion.name!r} insertion is a simulator instruction and cannot run on "
                f"{self.spec}; use insertion {ready}."
            )
        limit = self.num_qubits
        if limit is not None and width > limit:
            raise QbcircuitError(
                f"The circuits need {width} qubits, more than the {limit} of {self.spec}."
            )

    def check_mitigation(self, twirls: int, decoupling: str) -> None:
        """Refuse, in one sentence, Pauli twirling or dynamical decoupling where it cannot
        act: twirling needs a device's two-qubit gates, decoupling its gate durations."""
        if twirls and self.device is None:
            raise QbcircuitError(
                f"Pauli twirling acts on a device's two-qubit gates, and {self.spec} has none "
                "(its circuits run as merged unitaries); set twirls = 0 or use a device backend."
            )
        if decoupling != "none" and not self.provider_mitigation:
            from qbcircuit.backends.schedule import has_durations

            if not has_durations(self.device):
                raise QbcircuitError(
                    f"Dynamical decoupling fills idle periods with timed pulses, and {self.spec} "
                    'has no gate durations to schedule on; set decoupling = "none" or use an '
                    "IBM, fake or aer:<device> backend."
                )

    def schedule(self, circuits: Sequence[QuantumCircuit], decoupling: str) -> list[QuantumCircuit]:
        """ISA circuits as they run in time: scheduled, idle periods filled with delays or the
        ``decoupling`` sequence (:func:`~qbcircuit.backends.schedule.schedule`), where that is
        done here and matters: decoupling asked for, or a simulated device that relaxes while
        idle. A provider that schedules itself gets the circuits unchanged."""
        from qbcircuit.backends.schedule import has_durations, schedule

        if self.provider_mitigation or (decoupling == "none" and not self.idle_noise):
            return list(circuits)
        if not has_durations(self.device):
            return list(circuits)
        return schedule(circuits, self.device, decoupling)

    def configure(self, sampler: Any, *, twirls: int, decoupling: str) -> Any:
        """``sampler`` with the provider's twirling and decoupling options set (where
        ``provider_mitigation``; elsewhere both are in the circuits and it is unchanged)."""
        return sampler

    def transpile(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        layout: Sequence[int] | None = None,
        optimization_level: int = 3,
        seed: int = 1,
    ) -> list[QuantumCircuit]:
        """Circuits in the device's ISA with the initial ``layout`` (seeded: a rerun gives the
        same circuits)."""
        from qbcircuit.backends.layout import pass_manager

        manager = pass_manager(self.device, optimization_level, seed, layout)
        return list(manager.run(list(circuits)))

    def translate(self, circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
        """Basis translation only (no layout or routing): for gates appended to circuits that
        are already laid out and routed, such as tomography rotations before measurement."""
        return translate_to(self.device.target, circuits)

    def sampler(
        self,
        *,
        seed: int | None,
        width: int,
        qubits: Sequence[int] | None = None,
        mode: Any = None,
    ) -> Any:
        """A SamplerV2 for ISA circuits of ``width`` active qubits (``qubits`` on a device);
        ``mode`` is what :meth:`batch` yielded."""
        raise NotImplementedError

    @contextlib.contextmanager
    def batch(self) -> Iterator[Any]:
        """The context jobs are submitted in (a provider's batch); None for local backends."""
        yield None

    def fetch(self, job_id: str) -> RemoteJob:
        """The job ``job_id`` of a remote backend."""
        raise QbcircuitError(f"Jobs of the local backend {self.spec} cannot be fetched by id.")


def translate_to(target: Any, circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
    """``circuits`` (laid out and routed on ``target``'s qubits) with every gate translated to
    its basis, nothing else changed."""
    from qiskit.transpiler import generate_preset_pass_manager

    manager = generate_preset_pass_manager(
        optimization_level=0, target=target, layout_method="trivial"
    )
    return list(manager.translation.run(list(circuits)))


def dense_counts(pub_result: Any, registers: Sequence[str]) -> dict[str, NDArray[np.int64]]:
    """Dense counts per classical register of one PUB result, pooled over its parameter rows
    (index = the register's bits as an integer, bit 0 = clbit 0)."""
    out = {}
    for name in registers:
        bits = getattr(pub_result.data, name)
        dense = np.zeros(2**bits.num_bits, dtype=np.int64)
        for value, number in bits.get_int_counts().items():
            dense[value] += number
        out[name] = dense
    return out


def check_shots(shots: Any, count: int) -> list[int]:
    """One shot count per circuit from ``shots`` (a number or a sequence), each >= 1."""
    counts = [shots] * count if isinstance(shots, (int, np.integer)) else list(shots)
    if len(counts) != count or any(
        isinstance(c, bool) or not isinstance(c, (int, np.integer)) or c < 1 for c in counts
    ):
        raise QbcircuitError(f"Argument `shots` must be integers >= 1, got {shots!r}.")
    return [int(c) for c in counts]
