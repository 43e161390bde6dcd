"""The notebook: reprs of Reconciliation, ReorderPlan and Position, omxl.style, and docs/tour.ipynb run."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import sys

import numpy as np
import pandas as pd
import pytest

import omxl
from conftest import ROOT, SAMPLE
from omxl.presentation.notebook import style

AS_OF = "2026-11-27"
LATE, AT_RISK = "#F4B183", "#DDEBF7"          # FILLS["late"], FILLS["at_risk"] as CSS
ERROR, WARNING = "#FFC7CE", "#FFEB9C"


@pytest.fixture(scope="module")
def position():
    return omxl.prepare(omxl.read_book(SAMPLE), as_of=AS_OF)


@pytest.fixture(scope="module")
def rec(position):
    return omxl.reconcile(position)


@pytest.fixture(scope="module")
def plan(position):
    return omxl.plan_reorders(position)


def figures(page: str) -> dict[str, str]:
    """The headline table of a repr: label -> value as shown."""
    head, body = re.search(r"<table><thead><tr>(.*?)</tr></thead><tbody><tr>(.*?)</tr>", page).groups()
    return dict(zip(re.findall(r"<th>(.*?)</th>", head), re.findall(r"<td>(.*?)</td>", body)))


def cells(styler) -> dict[tuple[int, int], str]:
    """(row, column) -> the text a Styler shows in that data cell."""
    page = styler.to_html()
    return {(int(r), int(c)): text for r, c, text in
            re.findall(r'class="data row(\d+) col(\d+)" >(.*?)</td>', page)}


def fills(styler) -> dict[tuple[int, int], str]:
    """(row, column) -> the background colour a Styler gives that cell."""
    page = styler.to_html()
    css = re.search(r"<style[^>]*>(.*?)</style>", page, flags=re.S).group(1)
    found = {}
    for selectors, colour in re.findall(r"([^{}]+)\{\s*background-color: (#[0-9A-Fa-f]{6});\s*\}", css):
        for r, c in re.findall(r"_row(\d+)_col(\d+)", selectors):
            found[(int(r), int(c))] = colour
    return found


def headers(styler) -> list[str]:
    return re.findall(r'class="col_heading level0 col\d+" >(.*?)</th>', styler.to_html())


# --- reprs ----------------------------------------------------------------------------------------------------

def test_reconciliation_repr_figures_equal_plain_pandas_counts(rec):
    lines = rec.lines
    closed = ["closed", "shipped", "delivered", "cancelled"]
    shown = figures(rec._repr_html_())
    assert shown == {
        "Lines": f"{len(lines):,}",
        "Open lines": f"{(~lines['status'].isin(closed)).sum():,}",
        "Late lines": f"{lines['late'].sum():,}",
        "At risk": f"{lines['at_risk'].sum():,}",
        "Backordered": f"{(lines['backordered_qty'] > 0).sum():,}",
        "Orders": f"{lines['order_id'].nunique():,}",
        # the sample's orders carry no currency: one total, under "unknown currency", never mixed with another
        "Open value": "unknown currency " + f"{rec.orders['open_value'].sum():,.2f}",
    }
    assert shown == {"Lines": "2,992", "Open lines": "366", "Late lines": "64", "At risk": "62",
                     "Backordered": "117", "Orders": "1,000", "Open value": "unknown currency 184,149.23"}
    text = repr(rec)
    assert text.startswith("<omxl.Reconciliation as of 2026-11-27>")
    assert "Late lines: 64" in text and "At risk: 62" in text and "Open lines: 366" in text
    assert "Rows left out because of errors: orders 10, inventory 2, suppliers 1, shipments 1." in text


def test_reconciliation_repr_shows_the_first_open_lines_late_first_with_labels_and_fills(rec):
    page = rec._repr_html_()
    assert "(first 10 of 366)" in page
    table = page[page.index("(first 10 of 366)"):]
    assert "Backordered qty" in table and "backordered_qty" not in table
    # the ten most late open lines, all late: each row filled with the late colour
    most_late = rec.lines[rec.lines["late"]].sort_values("days_late", ascending=False, kind="stable")
    shown = re.findall(r'class="data row\d+ col0" >(.*?)</td>', table)
    assert len(shown) == 10
    assert shown[0] == most_late["order_id"].iloc[0]
    assert table.count(f"background-color: {LATE}") == 1 and AT_RISK not in table


def test_open_value_is_never_summed_across_currencies(rec):
    # Every other line in USD: most orders then mix currencies, and the value is told per line currency, as the
    # Summary sheet and the command line tell it.
    lines = rec.lines.copy()
    lines["currency"] = pd.array(np.where(np.arange(len(lines)) % 2 == 0, "EUR", "USD"), dtype="string[python]")
    mixed = dataclasses.replace(rec, lines=lines)
    open_lines = lines[lines["open_qty"] > 0]
    value = open_lines["open_qty"] * open_lines["unit_price"] * (1 - open_lines["discount"].fillna(0))
    by_currency = value.groupby(open_lines["currency"].astype(str)).sum()
    assert figures(mixed._repr_html_())["Open value"] == \
        f"EUR {by_currency['EUR']:,.2f}, USD {by_currency['USD']:,.2f}"
    assert by_currency.sum() == pytest.approx(184_149.23)


def test_reorder_plan_repr(plan):
    shown = figures(plan._repr_html_())
    value = plan.lines.groupby("currency")["order_value"].sum()
    assert shown == {"SKUs to order": f"{len(plan.lines):,}",
                     "Order value": ", ".join(f"{c} {v:,.2f}" for c, v in value.items()),
                     "PO drafts": f"{len(plan.purchase_orders):,}", "Service level": "95.0%"}
    assert shown["SKUs to order"] == "240" and shown["PO drafts"] == "29"
    assert shown["Order value"] == "EUR 596,525.67, GBP 204,996.31, USD 114,167.20"
    page = plan._repr_html_()
    assert html.escape(plan.summary) in page and "(first 10 of 240)" in page
    assert "Order qty" in page and "Reorder point" in page
    text = repr(plan)
    assert text.startswith("<omxl.ReorderPlan as of 2026-11-27>") and plan.summary in text
    assert "SKUs to order: 240" in text


def test_position_repr(position):
    page = position._repr_html_()
    assert figures(page) == {"Order lines": "2,992", "SKUs in stock records": f"{len(position.stock):,}",
                             "Open supply lines": "65", "Errors": "14", "Rows left out": "14"}
    assert position.left_out["rows_left_out"].sum() == 14
    assert "as of 2026-11-27" in page and "Tables read (all 7)" in page
    table = page[page.index("Tables read (all 7)"):]
    rows = re.findall(r"<tr>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", table)
    assert rows[0] == ("orders", "3,000", "10") and rows[1] == ("inventory", "398", "2")
    assert rows[4] == ("shipments", "2,847", "1")
    assert repr(position).startswith("<omxl.Position as of 2026-11-27: 2,992 order lines")


def test_every_user_value_is_escaped_in_the_reprs(rec, plan):
    lines = rec.lines.copy()
    lines["customer_id"] = pd.array(["<script>alert(1)</script>"] * len(lines), dtype="string[python]")
    lines["currency"] = pd.array(["<b>"] * len(lines), dtype="string[python]")
    page = dataclasses.replace(rec, lines=lines)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Currency codes are told in capitals (omxl/money.py), escaped like every other value.
    assert "<b>" not in page and "<B>" not in page and "&lt;B&gt; 184,149.23" in page
    skus = plan.lines.copy()
    skus["supplier_name"] = pd.array(["A & B <i>"] * len(skus), dtype="string[python]")
    page = dataclasses.replace(plan, lines=skus, summary="<script>x</script>")._repr_html_()
    assert "<i>" not in page and "A &amp; B &lt;i&gt;" in page
    assert "<script>" not in page and "&lt;script&gt;x&lt;/script&gt;" in page


# --- omxl.style ----------------------------------------------------------------------------------------------

@pytest.fixture
def frame():
    return pd.DataFrame({
        "order_id": pd.array(["SO-1", "SO-2", "SO-3"], dtype="string[python]"),
        "unit_price": [1234.5, 2.0, np.nan],
        "qty": [5.0, 12.0, 3.0],
        "open_qty": [0.476, 1.0, np.nan],
        "promised_date": pd.to_datetime(["2026-11-27", None, "2026-12-01"]),
        "late": [True, False, False],
        "at_risk": [False, True, False],
        "discount": [0.05, np.nan, 0.0],
        "Sales Rep": ["<script>alert(1)</script>", None, "Ann & Bo"],
    })


def test_style_formats_like_the_workbook_and_keeps_the_data(frame):
    original = frame.copy(deep=True)
    styler = omxl.style(frame)
    shown = cells(styler)
    assert [shown[(r, 1)] for r in range(3)] == ["1,234.50", "2.00", ""]          # money, NaN blank
    assert [shown[(r, 2)] for r in range(3)] == ["5", "12", "3"]                  # whole quantities
    assert [shown[(r, 3)] for r in range(3)] == ["0.48", "1.00", ""]              # a fraction: 2 decimals
    assert [shown[(r, 4)] for r in range(3)] == ["2026-11-27", "", "2026-12-01"]  # dates, NaT blank
    assert [shown[(r, 7)] for r in range(3)] == ["5.0%", "", "0.0%"]              # a rate
    assert shown[(0, 8)] == "&lt;script&gt;alert(1)&lt;/script&gt;" and shown[(2, 8)] == "Ann &amp; Bo"
    assert headers(styler) == ["Order", "Unit price", "Ordered qty", "Open qty", "Promised date", "Late",
                               "At risk", "Discount", "Sales Rep"]
    assert styler.data is frame
    pd.testing.assert_frame_equal(styler.data, original)
    assert styler.data["open_qty"].iloc[0] == 0.476 and styler.data["unit_price"].iloc[0] == 1234.5


def test_style_fills_late_and_at_risk_rows_like_the_workbook(frame):
    colours = fills(omxl.style(frame))
    assert {colours[(0, c)] for c in range(9)} == {LATE}
    assert {colours[(1, c)] for c in range(9)} == {AT_RISK}
    assert not any(row == 2 for row, _ in colours)
    from omxl.presentation.sheets import FILLS
    assert LATE == "#" + FILLS["late"][0][2:] and AT_RISK == "#" + FILLS["at_risk"][0][2:]


def test_style_fills_urgency_and_severity():
    plan_rows = pd.DataFrame({"sku": ["A", "B", "C"], "urgency": ["critical", "high", "normal"]})
    colours = fills(omxl.style(plan_rows, "Reorder List"))
    assert colours[(0, 0)] == LATE and colours[(1, 1)] == AT_RISK and (2, 0) not in colours
    findings = pd.DataFrame({"severity": ["warning", "info", "error"], "value": ["<x>", "7", None]})
    styler = omxl.style(findings, "Exceptions")
    colours = fills(styler)
    assert colours[(0, 0)] == WARNING and colours[(2, 1)] == ERROR and (1, 0) not in colours
    assert headers(styler) == ["Severity", "Value in the cell"]
    assert cells(styler)[(0, 1)] == "&lt;x&gt;"


def test_style_headers_sheet_labels_configured_labels_and_escaping():
    frame = pd.DataFrame({"reason": ["damaged"], "qty": [2.0], "<b>odd</b>": [1.25]})
    assert headers(omxl.style(frame, "Returns")) == ["Return reason", "Returned qty", "&lt;b&gt;odd&lt;/b&gt;"]
    assert headers(omxl.style(frame, labels={"qty": "Pieces"})) == ["Why", "Pieces", "&lt;b&gt;odd&lt;/b&gt;"]
    assert cells(omxl.style(frame))[(0, 2)] == "1.25"     # a column omxl does not know: as typed, no padding


def test_style_with_repeated_row_or_column_labels():
    # two frames put together keep their row labels: Styler.apply refuses those, the fill goes by row position
    frame = pd.concat([pd.DataFrame({"qty": [1.0], "late": [False]}), pd.DataFrame({"qty": [2.5], "late": [True]})])
    page = omxl.style(frame).to_html()
    assert re.search(r"tbody tr:nth-child\(2\) td \{\s*background-color: #F4B183;", page)
    assert "nth-child(1)" not in page
    assert [cells(omxl.style(frame))[(r, 0)] for r in range(2)] == ["1.00", "2.50"]
    # one label on a text and a number column: no number format forced on the text
    shown = cells(omxl.style(pd.DataFrame([["x", 3.0]], columns=["qty", "qty"])))
    assert shown[(0, 0)] == "x" and shown[(0, 1)].startswith("3")


@pytest.mark.parametrize("dtype", ["string[python]", "string", "str", object])
def test_style_with_every_text_dtype(dtype):
    # "string" is pyarrow-backed where pyarrow is installed: the suite runs this in both environments
    frame = pd.DataFrame({"customer_id": pd.array(["<C-1>", None], dtype=dtype), "backordered_qty": [4.0, 0.5],
                          "late": [False, True]})
    styler = omxl.style(frame)
    shown = cells(styler)
    assert shown[(0, 0)] == "&lt;C-1&gt;" and shown[(1, 0)] == ""
    assert shown[(0, 1)] == "4.00" and shown[(1, 1)] == "0.50"
    assert headers(styler) == ["Customer", "Backordered qty", "Late"]
    assert fills(styler)[(1, 0)] == LATE


def test_style_on_the_reconciled_lines(rec):
    late = rec.lines[rec.lines["late"]].head(5)
    styler = rec.lines.head(0).pipe(omxl.style)   # an empty frame styles too
    assert "Backordered qty" in styler.to_html()
    styler = late.pipe(omxl.style)
    shown = cells(styler)
    dates = late["promised_date"].dt.strftime("%Y-%m-%d").tolist()
    column = list(late.columns).index("promised_date")
    assert [shown[(r, column)] for r in range(5)] == dates
    assert {colour for colour in fills(styler).values()} == {LATE}
    pd.testing.assert_frame_equal(styler.data, late)   # pipe hands over a shallow copy: the same values


# --- the tour notebook and the docs page ---------------------------------------------------------------------

def test_tour_notebook_runs_and_shows_the_results(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    # The kernel is this interpreter with this checkout's omxl first on the path, whatever kernels are installed.
    spec = tmp_path / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python", "env": {"PYTHONPATH": str(ROOT)}}), encoding="utf-8")
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    notebook = nbformat.read(ROOT / "docs" / "tour.ipynb", as_version=4)
    assert all(not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")   # stored clean
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.executable)\nprint(omxl.__file__)"))
    NotebookClient(notebook, kernel_name="python3", timeout=300,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]

    def shown(index: int) -> str:
        (output,) = [o for o in code[index].outputs if o.output_type == "execute_result"]
        return output["data"]["text/html"]

    assert "<strong>omxl.Book</strong>" in shown(0)
    assert figures(shown(1))["Order lines"] == "2,992"
    rec_page = shown(2)
    assert figures(rec_page)["Late lines"] == "64" and figures(rec_page)["At risk"] == "62"
    assert "Late lines" in rec_page
    lines_page = shown(3)
    assert "Backordered qty" in lines_page and f"background-color: {LATE}" in lines_page
    assert "Value in the cell" in shown(4) and f"background-color: {WARNING}" in shown(4)
    assert figures(shown(5))["SKUs to order"] == "240"
    assert "Draft value" in shown(6)
    executable, module = code[-1].outputs[0]["text"].split()
    assert executable == sys.executable
    assert module == str(ROOT / "omxl" / "__init__.py")


def test_notebook_page_examples_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "notebook.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert len(blocks) == 2
    for index, block in enumerate(blocks):
        exec(compile(block, f"notebook.md#{index}", "exec"), {})
