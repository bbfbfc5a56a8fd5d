"""TOML reading with every failure as one sentence naming the file."""

from __future__ import annotations

import os
import tomllib
from typing import Any

from qbcircuit._checks import QbcircuitError

__all__ = ["parse_toml", "read_toml"]


def read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a TOML file, turning every failure into one sentence naming the file."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise QbcircuitError(f"Config file {os.fspath(path)!r} does not exist.") from None
    except tomllib.TOMLDecodeError as error:
        raise QbcircuitError(f"Config file {os.fspath(path)!r} does not parse: {error}.") from None
    except UnicodeDecodeError as error:
        raise QbcircuitError(
            f"Config file {os.fspath(path)!r} is not UTF-8 text (byte {error.start})."
        ) from None
    except IsADirectoryError:
        raise QbcircuitError(f"Config file {os.fspath(path)!r} is a folder.") from None


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; a failure is one sentence naming ``source``."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise QbcircuitError(f"Config {source!r} does not parse: {error}.") from None
