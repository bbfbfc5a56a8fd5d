"""Results pages: what a study or benchmark script measured, as a Markdown page.

A script builds a :class:`Report` beside its printed output (paragraphs, tables, figures) and
writes it with ``--report DIR``; the page names the command that regenerates it, the qbcircuit
and qiskit versions, the date and the machine, so a number on the documentation site is never
typed by hand and always says where it came from. The documentation keeps its pages in
``docs/results/``.
"""

from __future__ import annotations

import csv
import datetime
import os
import platform
import shlex
import shutil
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from qbcircuit._threads import available_threads
from qbcircuit._version import __version__
from qbcircuit.results import write_atomic

__all__ = ["Report", "markdown_table"]


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "-" if value != value else f"{value:.4g}"  # nan: no value
    return str(value).replace("|", "\\|")


def _number(text: str) -> object:
    """A CSV cell: a float where it parses as one (so it is rounded in the table)."""
    try:
        return int(text) if text.lstrip("-").isdigit() else float(text)
    except ValueError:
        return text


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table; floats with 4 significant digits (nan as "-"), other cells as
    given."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in rows]
    return "\n".join(lines)


class Report:
    """One results page. ``name`` is the page's file stem; ``argv`` the script's arguments
    (default ``sys.argv[1:]``), written into the page as the command that regenerates it
    (without ``--report`` and its folder, which only say where the page goes)."""

    def __init__(self, name: str, title: str, script: str, argv: Sequence[str] | None = None):
        self.name, self.title = name, title
        given = list(sys.argv[1:] if argv is None else argv)
        arguments = []
        while given:
            word = given.pop(0)
            if word == "--report":
                given = given[1:]
            elif not word.startswith("--report="):
                arguments.append(word)
        self.command = shlex.join(["python", f"scripts/{Path(script).name}", *arguments])
        self._parts: list[str | list[str]] = []
        self._figures: list[Path] = []
        self._lines: list[str] | None = None

    def text(self, paragraph: str) -> None:
        self._lines = None
        self._parts.append(paragraph.strip())

    def describe(self, docstring: str | None) -> None:
        """The script's docstring as the page's introduction: its paragraphs after the first
        line (the title), leaving out indented command lines."""
        paragraphs = (docstring or "").strip().split("\n\n")[1:]
        for paragraph in paragraphs:
            lines = [line for line in paragraph.splitlines() if not line.startswith("    ")]
            if lines:
                self.text(" ".join(line.strip() for line in lines))

    def line(self, text: str = "") -> None:
        """Print ``text`` and keep it in the page: consecutive lines form one text block, as
        the script printed them."""
        print(text)
        if self._lines is None:
            self._lines = []
            self._parts.append(self._lines)
        self._lines.append(text)

    def table(self, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        self._lines = None
        self._parts.append(markdown_table(header, rows))

    def csv(self, path: str | os.PathLike[str], columns: Sequence[str] | None = None) -> None:
        """The CSV file ``path`` (a script's output) as a table, all or the given columns."""
        with open(path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        header = list(columns) if columns is not None else list(rows[0]) if rows else []
        self.table(header, [[_number(row[name]) for name in header] for row in rows])

    def figure(self, png: str | os.PathLike[str], caption: str) -> None:
        """Show ``png`` (copied beside the page when it is written)."""
        path = Path(png)
        self._figures.append(path)
        self._lines = None
        self._parts.append(f"![{caption}]({path.name})")

    def markdown(self) -> str:
        import qiskit

        stamp = (
            f"Written by `{self.command}` with qbcircuit {__version__} (qiskit "
            f"{qiskit.__version__}, Python {platform.python_version()}) on "
            f"{datetime.date.today().isoformat()}, {available_threads()} CPUs."
        )
        parts = [
            "```text\n" + "\n".join(part) + "\n```" if isinstance(part, list) else part
            for part in self._parts
        ]
        return "\n\n".join([f"# {self.title}", stamp, *parts]) + "\n"

    def write(self, folder: str | os.PathLike[str] | None) -> Path | None:
        """Write ``folder/name.md`` and its figures (nothing when ``folder`` is None)."""
        if folder is None:
            return None
        target = Path(folder)
        target.mkdir(parents=True, exist_ok=True)
        for figure in self._figures:
            if figure.resolve() != (target / figure.name).resolve():
                shutil.copyfile(figure, target / figure.name)
        return write_atomic(target / f"{self.name}.md", self.markdown())
