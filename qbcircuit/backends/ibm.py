"""IBM Quantum through qiskit-ibm-runtime: its fake devices in local mode ("fake:<name>") and
real backends ("ibm:<name>", saved credentials, submitted in Batch mode since open-plan
accounts cannot open sessions).

qiskit-ibm-runtime is imported here only, lazily; without the ``cloud`` extra these specs say so
in one sentence. The fake devices also lend their targets and noise to "aer:<name>".
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from qbcircuit._checks import QbcircuitError
from qbcircuit._install import pip_install
from qbcircuit.backends.base import Backend, JobStatus

__all__ = [
    "CLOUD_INSTALL",
    "FakeBackend",
    "IBMBackend",
    "fake_device",
    "job_status",
    "resolve_fake",
    "resolve_ibm",
]

CLOUD_INSTALL = (
    "Fake and IBM backends need qiskit-ibm-runtime, the cloud extra: "
    f"{pip_install('cloud')} (a qiskit 2.x environment)."
)

_STATUS = {
    "INITIALIZING": JobStatus.QUEUED,
    "VALIDATING": JobStatus.QUEUED,
    "QUEUED": JobStatus.QUEUED,
    "RUNNING": JobStatus.RUNNING,
    "DONE": JobStatus.DONE,
    "ERROR": JobStatus.FAILED,
    "CANCELLED": JobStatus.CANCELLED,
}


def _runtime() -> Any:
    try:
        import qiskit_ibm_runtime
    except ImportError:
        raise QbcircuitError(CLOUD_INSTALL) from None
    return qiskit_ibm_runtime


def fake_device(name: str) -> Any:
    """The runtime fake device called ``name`` ("torino", "FakeTorino", "fake_torino")."""
    _runtime()
    from qiskit_ibm_runtime import fake_provider

    def key(text: str) -> str:
        text = text.lower().removeprefix("fake").removeprefix("_")
        return text.removesuffix("v2").removesuffix("_")

    classes = {
        key(attr): getattr(fake_provider, attr)
        for attr in dir(fake_provider)
        if attr.startswith("Fake") and "Provider" not in attr and attr != "FakeBackendV2"
    }
    found = classes.get(key(name))
    if found is None:
        examples = ", ".join(sorted(k for k in classes if k in ("torino", "sherbrooke", "fez")))
        raise QbcircuitError(
            f"Unknown fake backend {name!r}; use a name of qiskit_ibm_runtime.fake_provider "
            f"such as {examples}."
        )
    return found()


def _service() -> Any:
    runtime = _runtime()
    from qiskit_ibm_runtime.accounts.exceptions import AccountNotFoundError

    try:
        return runtime.QiskitRuntimeService()
    except AccountNotFoundError:
        raise QbcircuitError(
            "No saved IBM Quantum credentials: save them once with "
            "QiskitRuntimeService.save_account(token=..., instance=...), or use a fake: or aer: "
            "backend."
        ) from None
    except Exception as error:  # network, authentication: one sentence, no traceback
        detail = str(error).strip().splitlines()[0] if str(error).strip() else "no detail"
        raise QbcircuitError(
            f"Could not open the IBM Quantum service ({type(error).__name__}: {detail}); "
            "check the network and the saved credentials."
        ) from None


def _runtime_sampler(mode: Any) -> Any:
    return _runtime().SamplerV2(mode=mode)


@dataclass(frozen=True)
class FakeBackend(Backend):
    """A runtime fake device in local mode: its own simulator, given the device noise model
    restricted to the qubits the circuits use."""

    kind: ClassVar[str] = "fake"
    hardware: ClassVar[bool] = True
    idle_noise: ClassVar[bool] = True
    run_bytes: ClassVar[int] = 4096  # local mode binds each row in Python: 3.6 kB measured

    def sampler(
        self,
        *,
        seed: int | None,
        width: int,
        qubits: Sequence[int] | None = None,
        mode: Any = None,
    ) -> Any:
        from qbcircuit.backends.aer import _method, device_noise_model

        if qubits is None:
            raise QbcircuitError("Argument `qubits` is needed for a noisy device simulation.")
        device = self.device
        if getattr(device, "sim", None) is None:  # skip its own full-model setup (3 s)
            from qiskit_aer import AerSimulator

            device.sim = AerSimulator()
        device.set_options(noise_model=device_noise_model(device, qubits), method=_method(width))
        sampler = _runtime_sampler(device if mode is None else mode)
        if seed is not None:
            sampler.options.simulator.seed_simulator = int(seed)
        return sampler


def job_status(raw: Any) -> JobStatus:
    """The :class:`JobStatus` of a runtime job's ``status()`` (a string in current runtimes, an
    enum with a ``name`` in older ones); an unknown one counts as queued.

    >>> job_status("ERROR"), job_status("DONE").final
    (<JobStatus.FAILED: 'failed'>, True)
    """
    return _STATUS.get(str(getattr(raw, "name", raw)).upper(), JobStatus.QUEUED)


class _IBMJob:
    def __init__(self, job: Any) -> None:
        self._job = job

    def status(self) -> JobStatus:
        return job_status(self._job.status())

    def result(self) -> Any:
        return self._job.result()


@dataclass(frozen=True)
class IBMBackend(Backend):
    """An IBM Quantum backend: jobs run remotely and are fetched by id later."""

    kind: ClassVar[str] = "ibm"
    hardware: ClassVar[bool] = True
    local: ClassVar[bool] = False
    provider_mitigation: ClassVar[bool] = True

    def sampler(
        self,
        *,
        seed: int | None,
        width: int,
        qubits: Sequence[int] | None = None,
        mode: Any = None,
    ) -> Any:
        return _runtime_sampler(self.device if mode is None else mode)

    def configure(self, sampler: Any, *, twirls: int, decoupling: str) -> Any:
        """The runtime's own gate twirling (``twirls`` randomizations, the shots split over
        them) and dynamical decoupling, run by the service on the circuits as submitted."""
        if twirls:
            sampler.options.twirling.enable_gates = True
            sampler.options.twirling.num_randomizations = int(twirls)
            sampler.options.twirling.shots_per_randomization = "auto"
        if decoupling != "none":
            sampler.options.dynamical_decoupling.enable = True
            sampler.options.dynamical_decoupling.sequence_type = decoupling
        return sampler

    @contextlib.contextmanager
    def batch(self) -> Iterator[Any]:
        batch = _runtime().Batch(backend=self.device)
        try:
            yield batch
        finally:
            batch.close()

    def fetch(self, job_id: str) -> _IBMJob:
        service = _service()
        try:
            return _IBMJob(service.job(job_id))
        except Exception as error:
            raise QbcircuitError(
                f"Could not fetch job {job_id!r} from IBM Quantum ({error})."
            ) from None


def resolve_fake(spec: str, name: str) -> Backend:
    device = fake_device(name)
    return FakeBackend(spec, device.name, device)


def resolve_ibm(spec: str, name: str) -> Backend:
    service = _service()
    try:
        device = service.backend(name)
    except Exception as error:
        raise QbcircuitError(
            f"IBM backend {name!r} is not available to this account ({error})."
        ) from None
    return IBMBackend(spec, device.name, device)
