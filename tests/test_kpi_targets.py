"""Targets, reasons and changes of the weekly KPIs (contract 4.4 and 6, docs/kpis.md): two runs a week apart on the
hand-built book with targets set; a target on a volume is a settings error, through the library and the command
line; a book without inventory and one without returns leave exactly the KPIs they cannot support blank, with the
reason, in report.kpis, at the terminal, in the weekly mail and on the Summary sheet."""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

import omxl
from omxl.cli import cli
from omxl.reporting.headline import TILE_KPIS
from omxl.messaging.weekly import compose_weekly_mail
from weekly_book import AS_OF, NEXT_WEEK, hand_book, next_week_book

pytestmark = pytest.mark.core

NO_INVENTORY = "no inventory table in the book"
NO_RETURNS = "no returns table in the book"
STOCK_KPIS = ("at_risk_lines", "backorder_lines", "backorder_value", "backorder_rate", "stockout_skus",
              "reorder_skus", "reorder_value", "inventory_value", "days_of_supply")
RETURN_KPIS = ("units_returned", "return_rate")
# OTIF is better up: 40% then 0% against 50% is off target; late lines are better down: 2 then 3 against 3 is on
# target; shipped value (up) is EUR 33 and USD 9 in the first week (two currencies: not judged), USD 15 in the
# second (one row: judged, on target).
TARGETS = {"otif_line_rate": 0.5, "late_lines": 3, "shipped_value": 10}
NOT_JUDGED = "target not judged: the value is in several currencies; set base_currency and fx_rates"
NEVER_UP_NOR_DOWN = ("setting 'targets.orders_received': Orders received has no better direction (neither up nor "
                     "down), so it cannot have a target")


def row(kpis: pd.DataFrame, name: str, currency: str | None = None) -> dict:
    rows = kpis[(kpis["kpi"] == name) & (kpis["currency"].isna() if currency is None else
                                         kpis["currency"] == currency)]
    assert len(rows) == 1, (name, currency)
    return {k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v)
            for k, v in rows.iloc[0].to_dict().items()}


@pytest.fixture(scope="module")
def two_weeks(tmp_path_factory):
    history = tmp_path_factory.mktemp("targets") / "omxl-history.sqlite"
    config = {"targets": TARGETS}
    first = omxl.weekly_report(omxl.read_book(hand_book()), as_of=AS_OF, history=history, config=config)
    second = omxl.weekly_report(omxl.read_book(next_week_book()), as_of=NEXT_WEEK, history=history, config=config)
    return first, second


def test_the_columns_of_report_kpis(two_weeks):
    first, _ = two_weeks
    assert list(first.kpis.columns) == ["kpi", "label", "value", "previous", "change", "unit", "currency", "target",
                                        "on_target", "reason"]
    assert str(first.kpis["on_target"].dtype) == "boolean" and first.kpis["target"].dtype == float
    assert str(first.kpis["reason"].dtype) == "string"


def test_two_runs_a_week_apart_give_exact_changes(two_weeks):
    _, second = two_weeks
    kpis = second.kpis
    assert (row(kpis, "late_lines")["value"], row(kpis, "late_lines")["previous"],
            row(kpis, "late_lines")["change"]) == (3.0, 2.0, 1.0)
    otif = row(kpis, "otif_line_rate")
    assert (otif["value"], otif["previous"]) == (0.0, 0.4) and otif["change"] == pytest.approx(-0.4)
    # O4/1 (cancelled, entered 03-12) is last week's; nothing entered this week is cancelled.
    cancelled = row(kpis, "cancelled_lines")
    assert (cancelled["value"], cancelled["previous"], cancelled["change"]) == (0.0, 1.0, -1.0)
    value = row(kpis, "backorder_value", "EUR")
    assert (value["value"], value["previous"], value["change"]) == (121.0, 100.0, 21.0)
    # P1 moved to 03-28: not overdue either week.
    overdue = row(kpis, "overdue_po_lines")
    assert (overdue["value"], overdue["previous"], overdue["change"]) == (0.0, 0.0, 0.0)
    # Reorder value in EUR is new this week: nothing to compare with, and it says why.
    new = row(kpis, "reorder_value", "EUR")
    assert (new["value"], new["previous"], new["change"]) == (20.0, None, None)
    assert new["reason"] == "no value in the previous run (2026-03-15): nothing to compare with"
    assert row(kpis, "late_lines")["reason"] is None


def test_the_first_run_says_there_is_nothing_to_compare_with(two_weeks):
    first, _ = two_weeks
    assert row(first.kpis, "late_lines")["reason"] == "first run: nothing to compare with"
    # The value's own reason comes first when it has one: the shipped value's target is not judged.
    assert row(first.kpis, "shipped_value", "EUR")["reason"] == (
        f"{NOT_JUDGED}; first run: nothing to compare with")
    assert first.kpis["previous"].isna().all()


def test_targets_are_judged_the_better_way(two_weeks):
    first, second = two_weeks
    otif, late, shipped = (row(second.kpis, "otif_line_rate"), row(second.kpis, "late_lines"),
                           row(second.kpis, "shipped_value", "USD"))
    assert (otif["target"], otif["on_target"]) == (0.5, False)    # up: 0% < 50%
    assert (late["target"], late["on_target"]) == (3.0, True)     # down: 3 <= 3
    assert (shipped["target"], shipped["on_target"]) == (10.0, True)
    assert row(first.kpis, "late_lines")["on_target"] is True      # 2 <= 3
    assert row(first.kpis, "otif_line_rate")["on_target"] is False  # 40% < 50%
    # Two currency rows, not converted: neither row is judged.
    for currency in ("EUR", "USD"):
        shipped = row(first.kpis, "shipped_value", currency)
        assert (shipped["target"], shipped["on_target"]) == (None, None)
    # KPIs without a target have none.
    assert row(second.kpis, "unit_fill_rate")["target"] is None and row(second.kpis, "unit_fill_rate")["on_target"] is None


def test_converted_money_is_one_row_and_is_judged():
    config = {"targets": {"shipped_value": 40}, "base_currency": "EUR", "fx_rates": {"USD": 0.9}}
    report = omxl.weekly_report(omxl.read_book(hand_book()), as_of=AS_OF, config=config)
    shipped = row(report.kpis, "shipped_value", "EUR")  # 33 + 9 x 0.9 = 41.10
    assert (round(shipped["value"], 2), shipped["target"], shipped["on_target"]) == (41.1, 40.0, True)


def test_every_surface_says_the_target_in_the_same_words(two_weeks, tmp_path):
    _, second = two_weeks
    # The notebook and the terminal share report_kpis; the Summary's note and the mail say the same.
    text = repr(second)
    assert "0.0%" in text and "50.0%, off target" in text and "3, on target" in text
    figures = second.figures.set_index("label")
    assert figures.loc["OTIF line rate", "note"] == "previous 40.0%, change -40.0 pts; target 50.0%, off target"
    assert figures.loc["Late lines", "note"] == "previous 2, change +1; target 3, on target"
    workbook = tmp_path / "w.xlsx"
    workbook.write_bytes(b"")
    mail = compose_weekly_mail(second.kpis, second.causes, workbook, to="m@example.com", as_of=NEXT_WEEK)
    body = mail.get_body(("plain",)).get_content()
    assert f"\n{'OTIF line rate':<24} {'0.0%':>26} {'40.0%':>26} {'-40.0 pts':>14} {'50.0%, off target':>28}\n" in body
    assert f"\n{'Late lines':<24} {'3':>26} {'2':>26} {'+1':>14} {'3, on target':>28}\n" in body
    html = mail.get_body(("html",)).get_content()
    assert ('<td>OTIF line rate</td><td align="right">0.0%</td><td align="right">40.0%</td><td align="right">'
            '-40.0 pts</td><td>50.0%, off target</td><td></td>') in html


def test_a_target_on_a_volume_is_a_settings_error_in_the_library():
    with pytest.raises(omxl.ConfigError) as caught:
        omxl.weekly_report(omxl.read_book(hand_book()), as_of=AS_OF, config={"targets": {"orders_received": 3}})
    assert str(caught.value) == f"config: {NEVER_UP_NOR_DOWN}"


@pytest.mark.parametrize("targets, message", [
    ({"otif": 0.9}, "setting 'targets.otif': no KPI is named 'otif'; the KPIs are: orders_received, lines_received, "
                    "cancelled_lines, lines_due, otif_line_rate, unit_fill_rate, order_fill_rate, shipped_lines, "
                    "shipped_value, late_lines, at_risk_lines, backorder_lines, backorder_value, backorder_rate, "
                    "overdue_po_lines, overdue_po_value, order_cycle_time, stockout_skus, reorder_skus, "
                    "reorder_value, inventory_value, days_of_supply, units_returned, return_rate, dso, "
                    "data_errors, data_warnings"),
    ({"otif_line_rate": 95}, "setting 'targets.otif_line_rate': OTIF line rate is a rate: write its target as a "
                             "fraction between 0 and 1, e.g. 0.95 for 95% (found 95)"),
    ({"late_lines": "few"}, "setting 'targets.late_lines': write the target as a number, e.g. late_lines = 10 "
                            "(found 'few')"),
    ({"late_lines": -1}, "setting 'targets.late_lines': Late lines cannot be below 0, so neither can its target "
                         "(found -1)"),
])
def test_a_target_that_cannot_be_is_a_settings_error_naming_it(targets, message):
    with pytest.raises(omxl.ConfigError) as caught:
        omxl.load_config({"targets": targets})
    assert str(caught.value) == f"config: {message}"


def write_book(book: dict[str, pd.DataFrame], path) -> None:
    with pd.ExcelWriter(path) as writer:
        for name, table in book.items():
            table.to_excel(writer, sheet_name=name.replace("_", " ").title(), index=False)


def test_a_target_on_a_volume_stops_omxl_weekly_with_exit_2(tmp_path):
    write_book(hand_book(), tmp_path / "book.xlsx")
    settings = tmp_path / "omxl.toml"
    settings.write_text("[targets]\norders_received = 3\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["weekly", str(tmp_path / "book.xlsx"), "--as-of", AS_OF, "--config",
                                      str(settings), "-q"])
    assert result.exit_code == 2
    assert f"{settings}: {NEVER_UP_NOR_DOWN}" in result.output
    assert not list(tmp_path.glob("weekly-status-*"))


def terminal_rows(output: str) -> dict[str, dict[str, str]]:
    """The KPI table `omxl weekly` prints, by KPI label (money: the first row of the label), each cell by header."""
    lines = output.splitlines()
    header = next(i for i, line in enumerate(lines) if "┃" in line and line.split("┃")[1].strip() == "KPI")
    heads = [cell.strip() for cell in lines[header].split("┃")[1:-1]]
    rows: dict[str, dict[str, str]] = {}
    for line in lines[header + 1:]:
        if line.startswith("└"):
            break
        if "│" in line:
            cells = dict(zip(heads, (cell.strip() for cell in line.split("│")[1:-1])))
            rows.setdefault(cells["KPI"], cells)
    return rows


@pytest.mark.parametrize("missing, blank, reason", [
    ("inventory", STOCK_KPIS, NO_INVENTORY),
    ("returns", RETURN_KPIS, NO_RETURNS),
])
def test_a_book_without_a_table_leaves_its_kpis_blank_with_the_reason_everywhere(missing, blank, reason, tmp_path):
    book = hand_book()
    del book[missing]
    report = omxl.weekly_report(omxl.read_book(book), as_of=AS_OF, history=tmp_path / "h.sqlite")
    kpis = report.kpis
    labels = {name: row(kpis, name)["label"] for name in blank}
    # report.kpis: one blank row each, the reason, nothing else blank because of it.
    for name in blank:
        found = row(kpis, name)
        assert (found["value"], found["previous"], found["change"], found["reason"]) == (None, None, None, reason)
    assert set(kpis.loc[kpis["reason"] == reason, "kpi"]) == set(blank)
    # DSO is blank too: the hand-built book has no invoices.
    assert kpis.loc[~kpis["kpi"].isin([*blank, "dso"]), "value"].notna().all()

    # The terminal: a note column with the reason beside the blank value.
    write_book(book, tmp_path / "book.xlsx")
    result = CliRunner(env={"COLUMNS": "220"}).invoke(cli, [
        "weekly", str(tmp_path / "book.xlsx"), "--as-of", AS_OF, "--history", str(tmp_path / "cli.sqlite"),
        "--out", str(tmp_path / "out.xlsx"), "-q"])
    assert result.exit_code == 1, result.output  # O9/1's data error
    shown = terminal_rows(result.stdout)
    for name in blank:
        cells = shown[labels[name]]
        assert (cells["value"], cells["previous"], cells["change"], cells["note"]) == ("", "", "", reason), name
    # The first run is said once, in the heading, not in every row's note.
    assert shown["Late lines"]["value"] == "2" and shown["Late lines"]["note"] == ""
    assert "(no previous run)" in result.stdout

    # The weekly workbook the command wrote: the KPI sheet's note, and a tile's line under its blank value.
    workbook = openpyxl.load_workbook(tmp_path / "out.xlsx")
    sheet = {r[0]: r for r in workbook["KPIs"].iter_rows(min_row=4, max_col=8, values_only=True)}
    for name in blank:
        assert (sheet[labels[name]][1], sheet[labels[name]][7]) == (None, reason), name
    tiles = {workbook["Summary"][f"{column}{first}"].value: (workbook["Summary"][f"{column}{first + 1}"].value,
                                                            workbook["Summary"][f"{column}{first + 2}"].value)
             for first in (5, 10) for column in "ACDF"}
    for name in set(blank) & set(TILE_KPIS):
        assert tiles[labels[name]] == (None, reason), name

    # The weekly mail: the blank value's line ends with the reason.
    workbook = tmp_path / "out.xlsx"
    mail = compose_weekly_mail(kpis, report.causes, workbook, to="m@example.com", as_of=AS_OF)
    body = mail.get_body(("plain",)).get_content()
    for name in blank:
        assert f"\n{labels[name]:<24} {'':>26} {'':>26} {'':>14}  {reason}\n" in body, name

    # The Summary sheet's figures: no value, the reason as the note.
    figures = report.figures
    for name in blank:
        (found,) = figures[figures["label"] == labels[name]].itertuples(index=False)
        assert (found.value, found.note) == (None, reason), name


def test_a_blank_kpi_stays_blank_in_the_history(tmp_path):
    book = hand_book()
    del book["inventory"]
    history = tmp_path / "h.sqlite"
    omxl.weekly_report(omxl.read_book(book), as_of=AS_OF, history=history)
    second = omxl.weekly_report(omxl.read_book(book), as_of=NEXT_WEEK, history=history)
    rate = row(second.kpis, "backorder_rate")
    assert (rate["value"], rate["previous"], rate["change"], rate["reason"]) == (None, None, None, NO_INVENTORY)
    stored = omxl.History(history).kpis(AS_OF)
    assert stored.loc[stored["kpi"] == "backorder_rate", "value"].isna().all()
    assert list(stored.columns) == list(second.kpis.columns)
