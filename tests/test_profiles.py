"""The two install profiles: the core never needs an optional extra."""

import importlib.util
import subprocess
import sys

import pytest
import qiskit

OPTIONAL = ("qiskit_dynamics", "qiskit_ibm_runtime", "jax", "dask", "qutip")


def test_core_imports_no_optional_extra():
    code = (
        "import sys, qbcircuit, qbcircuit.cli, qbcircuit.exact, qbcircuit.plots; "
        f"print([m for m in {OPTIONAL!r} if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def _installed(name):
    return importlib.util.find_spec(name) is not None


@pytest.mark.skipif(not _installed("qiskit_dynamics"), reason="pulse extra not installed")
def test_pulse_profile_pins_qiskit_1_3():
    assert qiskit.__version__ == "1.3.0"
    import qiskit_dynamics

    assert qiskit_dynamics.__version__ == "0.6.0"


@pytest.mark.skipif(not _installed("qiskit_ibm_runtime"), reason="cloud extra not installed")
def test_cloud_profile_has_qiskit_2():
    major, minor = (int(x) for x in qiskit.__version__.split(".")[:2])
    assert (major, minor) >= (2, 3)
