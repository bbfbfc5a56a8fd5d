"""Results pages: the command that regenerates them, tables, printed blocks, figures, CSVs."""

import math

from qbcircuit.reports import Report, markdown_table


def test_markdown_table_rounds_floats_and_marks_missing_values():
    table = markdown_table(["a", "b"], [[1, 0.123456], ["x|y", math.nan]])
    assert table.splitlines() == ["| a | b |", "| --- | --- |", "| 1 | 0.1235 |", "| x\\|y | - |"]


def test_a_page_names_its_command_and_keeps_what_the_script_printed(tmp_path, capsys):
    figure = tmp_path / "out" / "plot.png"
    figure.parent.mkdir()
    figure.write_bytes(b"png")
    (tmp_path / "out" / "rows.csv").write_text("n,value,label\n2,0.5,a\n4,nan,b\n")
    argv = ["--out", "out", "--report", "pages", "--quick", "--report=elsewhere"]
    page = Report("study", "A study", "/somewhere/scripts/study.py", argv)
    page.describe("Title line.\n\nWhat it shows,\nin two lines.\n\n    python scripts/study.py")
    page.line("first printed line")
    page.line("second")
    page.figure(figure, "the plot")
    page.csv(tmp_path / "out" / "rows.csv")
    written = page.write(tmp_path / "pages")
    assert capsys.readouterr().out == "first printed line\nsecond\n"
    text = written.read_text()
    command = "`python scripts/study.py --out out --quick`"
    assert text.startswith(f"# A study\n\nWritten by {command} with")
    assert "What it shows, in two lines." in text and "python scripts/study.py\n" not in text
    assert "```text\nfirst printed line\nsecond\n```" in text
    assert "![the plot](plot.png)" in text and (tmp_path / "pages" / "plot.png").exists()
    assert "| 2 | 0.5 | a |" in text and "| 4 | - | b |" in text
    assert Report("x", "X", "x.py", []).write(None) is None
