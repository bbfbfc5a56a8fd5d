"""The console script's entry point: imports the command line only once Ctrl-C can be answered.

Importing the command line loads qiskit and numpy (about a second). An interrupt during that
import is held until the import has finished (an interrupt inside a compiled extension's set-up
would otherwise surface as that extension's error) and then ends the command with the same one
line and exit status 130 as an interrupt during the work. Once the command has ended, an
interrupt is ignored: what is left is the interpreter's exit, which joins the threads of the
process pools, and an interrupt there would print a traceback of the exit itself.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Sequence

INTERRUPTED = "qbcircuit: interrupted; finished outputs are kept and reused on a rerun."


def main(argv: Sequence[str] | None = None) -> int:
    held: list[int] = []
    hold = threading.current_thread() is threading.main_thread()
    if hold:
        previous = signal.signal(signal.SIGINT, lambda signum, _: held.append(signum))
    try:
        from qbcircuit.cli import main as command_line
    finally:
        if hold:
            signal.signal(signal.SIGINT, previous)
    try:
        if held:
            raise KeyboardInterrupt
        status = command_line(argv)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        status = 130
    if hold:  # the command is over: an interrupt now would only break the interpreter's exit
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # (joining pool threads) into a traceback
    return status
