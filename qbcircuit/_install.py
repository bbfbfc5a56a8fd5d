"""The install command of an extra, spelled for the way qbcircuit was installed."""

from __future__ import annotations

import json
from importlib import metadata

__all__ = ["pip_install"]


def _editable() -> bool:
    """True for an editable install of a checkout (``pip install -e .``)."""
    try:
        text = metadata.distribution("qbcircuit").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        return False
    try:
        return bool(text and json.loads(text).get("dir_info", {}).get("editable"))
    except (ValueError, AttributeError):
        return False


def pip_install(extras: str) -> str:
    """``pip install -e ".[extras]"`` in an editable checkout, else
    ``pip install "qbcircuit[extras]"`` (a wheel from an index or a file)."""
    if _editable():
        return f'pip install -e ".[{extras}]"'
    return f'pip install "qbcircuit[{extras}]"'
