"""One KPI wording on every surface (issue 22): for every KPI of the sample's weekly report, run a week after the
one before it so that the previous value and the change are filled, the weekly mail (its text and HTML parts),
`omxl weekly` at the terminal, the notebook (repr and HTML) and the Summary sheet as LibreOffice shows it say the
same text for the value, the previous value and the change: the text of omxl.presentation.kpi_words; and the same
note why something is blank (report.kpis.reason)."""

from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

import omxl
from conftest import SAMPLE, convert_with_libreoffice
from omxl.cli import cli
from omxl.io.save.write import save_workbook
from omxl.messaging.weekly import compose_weekly_mail
from omxl.presentation.kpi_words import kpi_words, reason_words

WEEK_BEFORE, AS_OF = "2026-11-20", "2026-11-27"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The sample's report as of AS_OF with the run of the week before in its history; a copy of that history
    for the command line's own run of AS_OF."""
    folder = tmp_path_factory.mktemp("kpi-surfaces")
    history = folder / "omxl-history.sqlite"
    omxl.weekly_report(omxl.read_book(SAMPLE), as_of=WEEK_BEFORE, history=history)
    shutil.copy(history, folder / "cli-history.sqlite")
    report = omxl.weekly_report(omxl.read_book(SAMPLE), as_of=AS_OF, history=history)
    return folder, report


def expected(report) -> list[tuple[str, str, str, str, str]]:
    return [(str(r.label), kpi_words(r.value, r.unit, r.currency), kpi_words(r.previous, r.unit, r.currency),
             kpi_words(r.change, r.unit, r.currency, signed=True), reason_words(r.reason))
            for r in report.kpis.itertuples(index=False)]


def mail_lines(text: str, count: int) -> list[str]:
    """The lines of the KEY FIGURES table of the text part, below its header."""
    return text.split("KEY FIGURES\n", 1)[1].splitlines()[1:1 + count]


def mail_line(label: str, value: str, previous: str, change: str, note: str) -> str:
    """A KPI's line as weekly.txt lays it out without targets: columns of 24, 26, 26 and 14 characters (a longer
    text, such as "unknown currency 224,961.46", pushes the rest right by what it overflows), then the note after
    two blanks, trailing blanks trimmed."""
    return f"{label:<24} {value:>26} {previous:>26} {change:>14}  {note}".rstrip()


class _Cells(HTMLParser):
    """Rows of <td> texts of an HTML page."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_rows(page: str) -> list[list[str]]:
    parser = _Cells()
    parser.feed(page)
    return [row for row in parser.rows if row]


def terminal_rows(output: str, count: int) -> list[dict[str, str]]:
    """The rows of the first table `omxl weekly` prints (rich's box: the header between ┃, cells between │), each
    by its column's header."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if "┃" in line and line.split("┃")[1].strip() == "KPI")
    heads = [cell.strip() for cell in lines[header].split("┃")[1:-1]]
    body = [line for line in lines[header + 1:] if "│" in line][:count]
    return [dict(zip(heads, (cell.strip() for cell in line.split("│")[1:-1]))) for line in body]


def summary_rows(path, tmp_path, count: int) -> list[tuple[str, str, str, str]]:
    """The headline figures of the Summary sheet as LibreOffice shows them (its CSV export of the text as shown),
    the previous value and the change read from the note "previous ..., change ..."."""
    # CSV filter options: comma, double quote, UTF-8, from line 1, ..., the 9th: save cell contents as shown.
    shown = convert_with_libreoffice(path, "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true", tmp_path)
    with open(shown, newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    header = table.index(next(row for row in table if row[:4] == ["Figure", "Value", "Unit", "Note"]))
    rows = []
    for label, value, _, note, *_ in table[header + 1:header + 1 + count]:
        # The note: "previous ..., change ...", then the target, then why something is blank, joined by "; ".
        first, _, rest = note.partition("; ")
        found = re.fullmatch(r"previous (.*?)(?:, change (.*))?", first)
        previous, change = (found.group(1), found.group(2) or "") if found else ("", "")
        rows.append((label, value, previous, change, rest if found else note))
    return rows


def test_every_surface_says_each_kpi_in_the_same_words(runs, tmp_path):
    folder, report = runs
    want = expected(report)
    count = len(want)
    # The report is a real second run: most KPIs have a previous value and a change, and every unit is there.
    assert sum(1 for _, _, previous, change, _ in want if previous and change) >= count - 3
    assert set(report.kpis["unit"]) >= {"fraction", "money", "days", "lines", "orders"}
    assert ("Late lines", "64", "60", "+4", "") in want      # 60 as of 2026-11-20: point in time
    # A currency new this week has nothing to compare with, and says so.
    assert ("Overdue PO value", "USD 714.40", "", "", "no value in the previous run (2026-11-20): nothing to compare "
            "with") in want
    otif = next(row for row in want if row[0] == "OTIF line rate")
    assert otif[1] == "86.1%" and otif[3].endswith(" pts")
    assert all(row[1].startswith("unknown currency ") for row in want if row[0] == "Shipped value")

    # (a) the weekly mail: the text part's KEY FIGURES table, and the HTML part's.
    workbook = report.save(folder / "weekly-status-2026-W48.xlsx")
    mail = compose_weekly_mail(report.kpis, report.causes, workbook, to="manager@example.com", as_of=AS_OF)
    assert mail_lines(mail.get_body(("plain",)).get_content(), count) == [mail_line(*words) for words in want]
    mail_html = html_rows(mail.get_body(("html",)).get_content())
    assert [tuple(row) for row in mail_html[:count]] == want

    # (b) `omxl weekly` at the terminal, from the same history.
    result = CliRunner(env={"COLUMNS": "250"}).invoke(cli, [
        "weekly", str(SAMPLE), "--as-of", AS_OF, "--history", str(folder / "cli-history.sqlite"),
        "--out", str(folder / "cli.xlsx"), "--quiet"])
    assert result.exit_code == 1, result.output  # the sample's deliberate data errors
    assert [(row["KPI"], row["value"], row["previous"], row["change"], row["note"])
            for row in terminal_rows(result.stdout, count)] == want

    # (c) the notebook: the HTML view's table, and the text repr, row by row.
    notebook = html_rows(report._repr_html_())
    assert [(*row[:4], row[5]) for row in notebook] == want
    text = repr(report).splitlines()
    header = next(i for i, line in enumerate(text) if line.split()[:2] == ["Measure", "Value"])
    for line, words in zip(text[header + 1:header + 1 + count], want):
        pattern = r"\s+".join(re.escape(part) for part in words[:4] if part)
        assert re.match(r"\s*" + pattern + r"\s", line), (line, words)
        assert line.rstrip().endswith(words[4]), (line, words)  # the note ends the line (after the target)

    # (d) the Summary sheet, as LibreOffice shows its cells (the value cell's number format, the note's words).
    summary = folder / "summary.xlsx"
    save_workbook({"Summary": report.result_sheets()["Summary"]}, summary)
    assert summary_rows(summary, tmp_path, count) == want


def test_money_reads_currency_then_signed_amount_and_nothing_changed_has_no_sign():
    assert kpi_words(9246.96, "money", "GBP", signed=True) == "GBP +9,246.96"
    assert kpi_words(-18354.22, "money", "EUR", signed=True) == "EUR -18,354.22"
    assert kpi_words(-115462.12, "money", None, signed=True) == "unknown currency -115,462.12"
    assert kpi_words(-0.0004, "fraction", signed=True) == "0.0 pts"        # a change that rounds to nothing
    assert kpi_words(-0.001, "money", "EUR", signed=True) == "EUR 0.00"
    assert kpi_words(-0.041, "fraction", signed=True) == "-4.1 pts"


def test_the_summary_value_column_fits_an_amount_without_currency(runs):
    _, report = runs
    summary = report.result_sheets()["Summary"]
    assert summary.widths[1] >= len("unknown currency 109,499.34") + 2
