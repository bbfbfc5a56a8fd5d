"""Amazon Braket through qiskit-braket-provider (the cloud profile): its local simulator
("braket:local", offline, no account) and Braket devices by name ("braket:SV1",
"braket:Garnet") or ARN ("braket:arn:aws:braket:..."), with AWS credentials and region from
the usual AWS configuration (environment, ~/.aws). Circuits run through qiskit's
BackendSamplerV2 on the provider's BackendV2, which waits for each job, so ``submit`` stores
every job as it finishes and a rerun resumes after the last one stored."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from qiskit import QuantumCircuit

from qbcircuit._checks import QbcircuitError
from qbcircuit._install import pip_install
from qbcircuit.backends.base import Backend

__all__ = [
    "BRAKET_INSTALL",
    "LOCAL_BASIS",
    "BraketBackend",
    "BraketLocalSimulator",
    "resolve",
]

LOCAL_BASIS = ["rz", "sx", "x", "cx"]
"""The gates circuits for the Braket local simulator are translated to."""

BRAKET_INSTALL = (
    "Amazon Braket backends need qiskit-braket-provider, in the cloud extra: "
    f"{pip_install('cloud')} (a qiskit 2.x environment)."
)


@dataclass(frozen=True)
class BraketBackend(Backend):
    """A Braket device (gate-model, measured in the circuit: dephasing must be an insertion
    that runs on hardware), transpiled for its own target."""

    kind: ClassVar[str] = "braket"
    hardware: ClassVar[bool] = True

    def sampler(
        self,
        *,
        seed: int | None,
        width: int,
        qubits: Sequence[int] | None = None,
        mode: Any = None,
    ) -> Any:
        from qiskit.primitives import BackendSamplerV2

        return BackendSamplerV2(backend=self.device)


@dataclass(frozen=True)
class BraketLocalSimulator(BraketBackend):
    """Braket's local simulator: circuits translated to one fixed basis. It takes nearly
    every gate, and with that many two-qubit bases to choose from qiskit's synthesis is not
    reproducible run to run (two plans of one config would differ, and a resume be refused)."""

    def transpile(
        self,
        circuits: Sequence[QuantumCircuit],
        *,
        layout: Sequence[int] | None = None,
        optimization_level: int = 3,
        seed: int = 1,
    ) -> list[QuantumCircuit]:
        from qiskit.transpiler import generate_preset_pass_manager

        manager = generate_preset_pass_manager(
            optimization_level=optimization_level, basis_gates=LOCAL_BASIS, seed_transpiler=seed
        )
        return list(manager.run(list(circuits)))

    def translate(self, circuits: Sequence[QuantumCircuit]) -> list[QuantumCircuit]:
        return self.transpile(circuits, optimization_level=0)


def resolve(spec: str, name: str) -> Backend:
    """ "braket:local", or a Braket device by name or ARN (needs AWS credentials)."""
    try:
        import qiskit_braket_provider as provider
    except ImportError:
        raise QbcircuitError(BRAKET_INSTALL) from None
    if name == "local":
        # the local simulator logs, for every circuit, that the program uses OpenQASM features
        # some QPUs may lack (a warning about devices, not about this simulation)
        logging.getLogger("braket.default_simulator.openqasm.interpreter").setLevel(logging.ERROR)
        return BraketLocalSimulator(spec, "braket_local", provider.BraketLocalBackend())
    try:
        if name.startswith("arn:"):
            device = provider.BraketAwsBackend(arn=name)
        else:
            device = provider.BraketProvider().get_backend(name)
    except Exception as error:  # botocore's credential, region and endpoint errors, not found
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise QbcircuitError(
            f"The Amazon Braket device {name!r} could not be reached ({reason}); set AWS "
            "credentials and a region (aws configure, or AWS_* environment variables) and "
            "check the device name or ARN, or use braket:local."
        ) from None
    return BraketBackend(spec, str(device.name), device)
