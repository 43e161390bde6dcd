"""render_template: Jinja2 templates users restyle in Excel (contract 5.1, docs/templates.md).

Templates are built at test time (XlsxWriter, openpyxl) or are the committed example omxl/shipped/late_lines.xlsx,
which scripts/late_lines_template.py builds. Expected values come from the frames themselves (pandas)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import re
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import python_calamine as calamine
import xlsxwriter

import omxl
from omxl.render import TemplateError
from tests.conftest import RECALCULATE_ON_LOAD, ROOT, soffice
from tests.rich_workbooks import PNG, vba_project

TEMPLATE = ROOT / "omxl" / "shipped" / "late_lines.xlsx"
AS_OF = dt.date(2026, 11, 27)


def _builder():
    spec = importlib.util.spec_from_file_location("late_lines_template", ROOT / "scripts" / "late_lines_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def late_lines(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    customers = np.array(["Acme", "Globex & Co", '=HYPERLINK("http://x","y")', "Initech", "<Umbrella>"], dtype=object)
    return pd.DataFrame({
        "order_id": pd.Series([f"SO-{i:05d}" for i in range(n)], dtype="string[python]"),
        "customer_name": pd.Series(customers[np.arange(n) % len(customers)], dtype="string[python]"),
        "sku": pd.Series([f"SKU-{i % 37}" for i in range(n)], dtype="string[python]"),
        "open_qty": rng.integers(1, 500, n),
        "promised_date": pd.Timestamp("2026-10-01") + pd.to_timedelta(rng.integers(0, 50, n), unit="D"),
        "days_late": rng.integers(1, 40, n),
        "open_value": np.round(rng.random(n) * 1000, 2),
    })


def context(frame: pd.DataFrame) -> dict:
    return {"as_of": AS_OF, "company": "Fabrikam & Sons",
            "kpis": {"otif_line_rate": 0.8734, "open_value": 12345.678, "worst_customer": "=1+1"},
            "late_lines": frame}


def render(tmp_path: Path, frame: pd.DataFrame, template: Path = TEMPLATE, name: str = "out.xlsx") -> Path:
    return omxl.render_template(template, context(frame), tmp_path / name)


def part(path: Path, name: str) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(name).decode("utf-8")


def grid(path: Path, sheet: str) -> list[list]:
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


# --- placeholders -------------------------------------------------------------------------------------

def test_the_committed_example_template_is_what_its_builder_makes(tmp_path):
    fresh = _builder().build(tmp_path / "late_lines.xlsx")
    with zipfile.ZipFile(fresh) as new, zipfile.ZipFile(TEMPLATE) as committed:
        assert {n: new.read(n) for n in new.namelist()} == {n: committed.read(n) for n in committed.namelist()}


def test_single_expressions_keep_their_type_and_filters_set_number_formats(tmp_path):
    out = render(tmp_path, late_lines(3))
    sheet = openpyxl.load_workbook(out)["Summary"]
    assert sheet["A1"].value == "Late lines, week of 2026-11-27"
    assert sheet["A2"].value == "Prepared for Fabrikam & Sons"
    assert (sheet["B4"].value, sheet["B4"].number_format) == (0.8734, "0.0%")  # percent: a number, shown as %
    assert (sheet["B5"].value, sheet["B5"].number_format) == (12345.678, "#,##0.00")  # money
    assert (sheet["B6"].value, sheet["B6"].data_type) == (3, "n")  # late_lines | length: a number
    assert (sheet["B7"].value, sheet["B7"].number_format) == (dt.datetime(2026, 11, 27), "yyyy-mm-dd")  # a date
    assert (sheet["B8"].value, sheet["B8"].data_type) == ("=1+1", "s")  # text from data stays text
    assert sheet["B8"].quotePrefix
    late = openpyxl.load_workbook(out)["Late"]
    assert late["A1"].value == "Late lines as of 27 November 2026"  # date with a strftime format: text


def test_headers_and_footers_are_rendered_with_ampersands_doubled(tmp_path):
    out = render(tmp_path, late_lines(2))
    summary = part(out, "xl/worksheets/sheet1.xml")
    assert "<oddHeader>&amp;LFabrikam &amp;&amp; Sons&amp;RLate lines 2026-11-27</oddHeader>" in summary
    assert "<oddFooter>&amp;CPage &amp;P of &amp;N</oddFooter>" in summary  # no expression: as it was
    assert "<oddFooter>&amp;LFabrikam &amp;&amp; Sons&amp;RPage &amp;P</oddFooter>" in part(
        out, "xl/worksheets/sheet2.xml")


def test_every_filter(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "filters.xlsx"))
    sheet = book.add_worksheet("F")
    cells = {"A1": "{{ 0.125 | percent }}", "A2": "{{ 0.125 | percent(2) }}", "A3": "{{ 1234.5 | money }}",
             "A4": "{{ 1234 | qty }}", "A5": "{{ 1234.5 | qty }}", "A6": "{{ day | date }}",
             "A7": "{{ day | date('%d/%m/%Y') }}", "A8": "Rate {{ 0.125 | percent }}, {{ 1234.5 | money }} EUR",
             "A9": "{{ stamp }}", "A10": "{{ flag }}", "A11": "{{ nothing }}", "A12": "{% if flag %}yes{% endif %}",
             "A13": "{{ '2026-01-31' | date }}", "A14": "{{ 5 | qty }} pcs"}
    for ref, text in cells.items():
        sheet.write(ref, text)
    book.close()
    out = omxl.render_template(tmp_path / "filters.xlsx", {"day": dt.date(2026, 3, 1), "flag": True, "nothing": None,
                                                           "stamp": dt.datetime(2026, 3, 1, 14, 30)},
                               tmp_path / "filters-out.xlsx")
    got = openpyxl.load_workbook(out)["F"]
    assert [(got[r].value, got[r].number_format) for r in cells] == [
        (0.125, "0.0%"), (0.125, "0.00%"), (1234.5, "#,##0.00"), (1234, "#,##0"), (1234.5, "#,##0.00"),
        (dt.datetime(2026, 3, 1), "yyyy-mm-dd"), ("01/03/2026", "General"), ("Rate 12.5%, 1,234.50 EUR", "General"),
        (dt.datetime(2026, 3, 1, 14, 30), "yyyy-mm-dd hh:mm"), (True, "General"), (None, "General"),
        ("yes", "General"), (dt.datetime(2026, 1, 31), "yyyy-mm-dd"), ("5 pcs", "General")]


def test_a_format_the_author_chose_in_excel_wins_over_the_filters(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "own.xlsx"))
    sheet = book.add_worksheet("F")
    sheet.write("A1", "{{ 0.5 | percent }}", book.add_format({"num_format": "0.000"}))
    sheet.write("A2", "{{ day }}", book.add_format({"num_format": "dd.mm.yyyy"}))
    book.close()
    out = omxl.render_template(tmp_path / "own.xlsx", {"day": dt.date(2026, 3, 1)}, tmp_path / "own-out.xlsx")
    got = openpyxl.load_workbook(out)["F"]
    assert (got["A1"].value, got["A1"].number_format) == (0.5, "0.000")
    assert (got["A2"].value, got["A2"].number_format) == (dt.datetime(2026, 3, 1), "dd.mm.yyyy")


def test_sheet_names_render_and_references_to_them_follow(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "names.xlsx"))
    late = book.add_worksheet("Late {{ as_of | date }}")
    late.write("A1", "{{ rows | table }}")
    summary = book.add_worksheet("Summary")
    summary.write_formula("A1", "=SUM('Late {{ as_of | date }}'!B2:B2)")
    book.define_name("Lines", "='Late {{ as_of | date }}'!$A$2:$B$2")
    book.close()
    frame = pd.DataFrame({"sku": ["A", "B", "C"], "qty": [1, 2, 4]})
    out = omxl.render_template(tmp_path / "names.xlsx", {"as_of": AS_OF, "rows": frame}, tmp_path / "names-out.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Late 2026-11-27", "Summary"]
    assert wb["Summary"]["A1"].value == "=SUM('Late 2026-11-27'!B2:B4)"
    assert wb.defined_names["Lines"].attr_text == "'Late 2026-11-27'!$A$2:$B$4"
    assert "<vt:lpstr>Late 2026-11-27</vt:lpstr>" in part(out, "docProps/app.xml")


# --- table markers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 1000])
def test_a_table_marker_expands_the_frame_and_pushes_what_is_below_down(tmp_path, n):
    frame = late_lines(n)
    out = render(tmp_path, frame)
    rows = grid(out, "Late")
    assert rows[2] == ["Order", "Customer name", "SKU", "Open qty", "Promised date", "Days late", "Open value"]
    body = rows[3:3 + max(n, 1)]
    if n == 0:
        assert body == [["", "", "", "", "", "", ""]]  # the data row stays, empty
    else:
        expected = [[r.order_id, r.customer_name, r.sku, float(r.open_qty), r.promised_date.date(),
                     float(r.days_late), r.open_value] for r in frame.itertuples()]
        assert body == expected
    last = 3 + max(n, 1)  # the last data row
    assert rows[last + 1][0] == "Total"
    sheet = openpyxl.load_workbook(out)["Late"]
    assert sheet.cell(last + 2, 4).value == f"=SUM(D4:D{last})"
    assert sheet.cell(last + 2, 7).value == f"=SUM(G4:G{last})"
    assert rows[last + 3][0] == f"Lines are late when the promised date has passed ({n} lines)."
    assert len(rows) == last + 4  # nothing after the note


def test_a_big_table_is_written_a_block_of_rows_at_a_time_with_the_same_text(tmp_path, monkeypatch):
    """A sheet whose tables pass STREAM_FROM records is deflated as its rows are joined; its part is the text the
    whole-sheet build makes, byte for byte, and the formats its cells need are in the styles part."""
    import omxl.render.render as render_module

    n = 2 * render_module.STREAM_FROM + 123  # two full blocks of rows and a part of one
    frame = late_lines(n)
    streamed = render(tmp_path, frame, name="streamed.xlsx")
    monkeypatch.setattr(render_module, "STREAM_FROM", n + 1)
    whole = render(tmp_path, frame, name="whole.xlsx")
    with zipfile.ZipFile(streamed) as one, zipfile.ZipFile(whole) as other:
        assert one.namelist() == other.namelist()
        assert {name: one.read(name) for name in one.namelist()} == {name: other.read(name)
                                                                     for name in other.namelist()}
        part = max(one.namelist(), key=lambda name: one.getinfo(name).file_size)  # the table's sheet
        sheet = one.read(part)
        assert one.getinfo(part).compress_type == zipfile.ZIP_DEFLATED
    assert part.startswith("xl/worksheets/") and sheet.count(b"<row ") == n + 4
    rows = grid(streamed, "Late")
    last = 3 + n
    assert rows[3][:3] == ["SO-00000", "Acme", "SKU-0"]
    assert rows[last - 1][:4] == [f"SO-{n - 1:05d}", frame.customer_name.iloc[-1], frame.sku.iloc[-1],
                                  float(frame.open_qty.iloc[-1])]
    assert rows[last + 1][0] == "Total"
    workbook = openpyxl.load_workbook(streamed)["Late"]
    assert workbook.cell(last + 2, 4).value == f"=SUM(D4:D{last})"
    assert workbook.cell(last, 5).number_format == "yyyy-mm-dd"
    assert workbook.cell(last, 7).number_format == "#,##0.00"


def test_styles_of_the_marker_row_and_the_data_row_are_carried_to_every_row(tmp_path):
    frame = late_lines(1000)
    sheet = openpyxl.load_workbook(render(tmp_path, frame))["Late"]
    headers = [sheet.cell(3, c) for c in range(1, 8)]
    assert {(h.font.b, h.fill.fgColor.rgb, h.border.bottom.style) for h in headers} == {(True, "FFDDEBF7", "medium")}
    cells = [sheet.cell(r, c) for r in range(4, 1004) for c in range(1, 8)]
    assert {(c.border.left.style, c.border.left.color.rgb) for c in cells} == {("thin", "FFBFBFBF")}
    formats = {c: {sheet.cell(r, c).number_format for r in range(4, 1004)} for c in range(1, 8)}
    # Presentation-layer formats where the template's data row is General.
    assert formats == {1: {"General"}, 2: {"General"}, 3: {"General"}, 4: {"#,##0"}, 5: {"yyyy-mm-dd"},
                       6: {"#,##0"}, 7: {"#,##0.00"}}
    assert sheet.cell(1004, 1).border.left.style is None  # the row after the table is not a data row


def test_ranges_over_the_data_row_are_stretched_and_those_below_moved(tmp_path):
    out = render(tmp_path, late_lines(1000))
    late = part(out, "xl/worksheets/sheet2.xml")
    assert re.findall(r"<c:f>(.*?)</c:f>", part(out, "xl/charts/chart1.xml")) == ["Late!$A$4:$A$1003",
                                                                                 "Late!$G$4:$G$1003"]
    names = dict(re.findall(r'<definedName name="([^"]+)"[^>]*>(.*?)</definedName>', part(out, "xl/workbook.xml")))
    assert names == {"_xlnm._FilterDatabase": "Late!$A$3:$G$1003", "LateValue": "Late!$G$4:$G$1003",
                     "_xlnm.Print_Area": "Late!$A$1:$G$1007"}
    assert '<conditionalFormatting sqref="F4:F1003">' in late
    assert re.search(r'<dataValidation [^>]*sqref="F4:F1003"', late)
    assert '<autoFilter ref="A3:G1003"/>' in late
    assert '<mergeCell ref="A1:G1"/><mergeCell ref="A1007:G1007"/>' in late
    assert '<dimension ref="A1:G1007"/>' in late
    assert '<c r="D1005" s="5"><f>SUM(D4:D1003)</f>' in late
    assert 'fullCalcOnLoad="1"' in part(out, "xl/workbook.xml")


def test_a_customer_named_like_a_formula_stays_text(tmp_path):
    out = render(tmp_path, late_lines(5))
    late = part(out, "xl/worksheets/sheet2.xml")
    cell = re.search(r'<c r="B6"[^>]*>.*?</c>', late).group(0)
    assert "<f>" not in cell and 't="inlineStr"' in cell and "=HYPERLINK(&quot;" not in cell
    sheet = openpyxl.load_workbook(out)["Late"]
    assert (sheet["B6"].value, sheet["B6"].data_type, sheet["B6"].quotePrefix) == ('=HYPERLINK("http://x","y")', "s",
                                                                                   True)
    assert sheet["B8"].value == "<Umbrella>"


def test_excel_tables_over_the_marker_get_the_labels_and_the_rows(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "table.xlsx"))
    sheet = book.add_worksheet("T")
    sheet.add_table("B2:C3", {"name": "Lines", "columns": [{"header": "{{ rows | table }}"}, {"header": "x"}]})
    sheet.write_formula("C5", "=SUM(Lines[x])+SUM(C3:C3)")
    book.close()
    frame = pd.DataFrame({"sku": ["A", "B", "C", "D"], "qty": [1, 2, 3, 5]})
    out = omxl.render_template(tmp_path / "table.xlsx", {"rows": frame}, tmp_path / "table-out.xlsx")
    table = part(out, "xl/tables/table1.xml")
    assert 'ref="B2:C6"' in table and '<autoFilter ref="B2:C6"/>' in table
    assert re.findall(r'<tableColumn [^>]*name="([^"]*)"', table) == ["SKU", "Ordered qty"]
    assert openpyxl.load_workbook(out)["T"]["C8"].value == "=SUM(Lines[x])+SUM(C3:C6)"
    assert grid(out, "T")[1:6] == [["", "SKU", "Ordered qty"], ["", "A", 1.0], ["", "B", 2.0], ["", "C", 3.0],
                                   ["", "D", 5.0]]


def test_pictures_below_the_table_move_down_with_their_rows(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "pic.xlsx"))
    sheet = book.add_worksheet("P")
    sheet.write("A1", "{{ rows | table }}")
    sheet.insert_image("A6", "logo.png", {"image_data": io.BytesIO(PNG)})  # row 6: 0-based 5
    sheet.insert_image("E1", "side.png", {"image_data": io.BytesIO(PNG)})  # beside the marker: stays
    book.close()
    out = omxl.render_template(tmp_path / "pic.xlsx", {"rows": pd.DataFrame({"qty": range(10)})},
                               tmp_path / "pic-out.xlsx")
    rows = re.findall(r"<xdr:from><xdr:col>(\d+)</xdr:col><xdr:colOff>\d+</xdr:colOff><xdr:row>(\d+)</xdr:row>",
                      part(out, "xl/drawings/drawing1.xml"))
    assert rows == [("0", "14"), ("4", "0")]


# --- kept byte for byte -------------------------------------------------------------------------------

def test_an_image_and_a_vba_project_are_kept_byte_identical(tmp_path):
    path = tmp_path / "macro.xlsm"
    book = xlsxwriter.Workbook(str(path))
    book.add_vba_project(str(vba_project(tmp_path)))
    book.set_vba_name("ThisWorkbook")
    sheet = book.add_worksheet("Late")
    sheet.set_vba_name("Sheet1")
    sheet.write("A1", "Late lines {{ as_of | date }}")
    sheet.write("A3", "{{ late_lines | table }}")
    sheet.write_formula("G6", "=SUM(G4:G4)")
    sheet.insert_image("J1", "logo.png", {"image_data": io.BytesIO(PNG), "x_scale": 5, "y_scale": 5})
    book.close()
    out = omxl.render_template(path, context(late_lines(50)), tmp_path / "macro-out.xlsm")
    with zipfile.ZipFile(path) as before, zipfile.ZipFile(out) as after:
        assert after.read("xl/vbaProject.bin") == before.read("xl/vbaProject.bin")
        assert after.read("xl/media/image1.png") == before.read("xl/media/image1.png") == PNG
        changed = {n for n in before.namelist() if before.read(n) != after.read(n)}
        assert changed == {"xl/worksheets/sheet1.xml", "xl/styles.xml"}  # workbook.xml already recalculates
        assert after.namelist() == before.namelist()
        vba = before.getinfo("xl/vbaProject.bin")
        assert (after.getinfo("xl/vbaProject.bin").CRC, after.getinfo("xl/vbaProject.bin").compress_size) == (
            vba.CRC, vba.compress_size)
    assert openpyxl.load_workbook(out)["Late"]["G55"].value == "=SUM(G4:G53)"


def test_a_macro_template_must_be_saved_as_xlsm(tmp_path):
    path = tmp_path / "macro.xlsm"
    book = xlsxwriter.Workbook(str(path))
    book.add_vba_project(str(vba_project(tmp_path)))
    book.add_worksheet("S").write("A1", "x")
    book.close()
    with pytest.raises(TemplateError) as error:
        omxl.render_template(path, {}, tmp_path / "out.xlsx")
    assert str(error.value) == ("Template 'macro.xlsm', the workbook: it holds macros, so the result must be saved "
                                "as .xlsm, not out.xlsx")


# --- the sandbox and errors naming the cell -----------------------------------------------------------

def _one_cell(tmp_path: Path, text: str, name: str = "weekly.xlsx") -> Path:
    book = xlsxwriter.Workbook(str(tmp_path / name))
    sheet = book.add_worksheet("Summary")
    sheet.write("A1", "Weekly")
    sheet.write("B4", text)
    book.close()
    return tmp_path / name


@pytest.mark.parametrize("text, attribute", [("{{ ''.__class__.__mro__[1].__subclasses__() }}", "__class__"),
                                             ("{{ cycler.__init__.__globals__ }}", "__init__"),
                                             ("{{ late['__class__'] }}", "__class__")])
def test_sandbox_escapes_are_refused_naming_the_cell(tmp_path, text, attribute):
    with pytest.raises(TemplateError) as error:
        omxl.render_template(_one_cell(tmp_path, text), {"late": {}}, tmp_path / "out.xlsx")
    assert str(error.value) == (f"Template 'weekly.xlsx', sheet 'Summary', cell B4: refused: access to '{attribute}' "
                                "is not allowed: a template cannot reach Python internals; nothing was run.")
    assert isinstance(error.value, omxl.OmxlError)
    assert not (tmp_path / "out.xlsx").exists()


def test_the_sandbox_refuses_at_run_time_too():
    """Even an expression the up-front check does not see is stopped by Jinja's sandbox."""
    from jinja2.exceptions import SecurityError

    from omxl.render.environment import environment

    with pytest.raises(SecurityError):
        environment().from_string("{{ x.__class__ }}").render(x="")
    with pytest.raises(SecurityError):
        environment().from_string("{{ items.append(1) }}").render(items=[])  # immutable: no changing data


@pytest.mark.parametrize("text, problem", [
    ("{{ 9 ** 999999 }}", "refused: 9 ** 999999 is too big a number for a template; nothing was run."),
    ("{{ 'x' * 10 ** 9 }}", "refused: repeating a text or list 1,000,000,000 times makes more than 100,000 items, "
                            "too many for a template; nothing was run."),
    ("{{ range(10 ** 9) | list }}", "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000)."),
    ("{{ missing }}", "'missing' is undefined (the context holds: late)."),
    ("{{ late.total }", "template syntax error: unexpected '}'."),
    ("Total: {{ late | percent }}", "the percent filter needs a number, not {}"),
    ("{{ late | nosuch }}", "template syntax error: No filter named 'nosuch'."),
    ("{{ late | table }} and more", "the table filter must be alone in its cell ({{ name | table }}), with no "
                                    "other text"),
    ("{{ late | table }}", "the table filter needs a DataFrame, and 'late' is a dict"),
])
def test_template_errors_name_the_sheet_and_cell(tmp_path, problem, text):
    with pytest.raises(TemplateError) as error:
        omxl.render_template(_one_cell(tmp_path, text), {"late": {}}, tmp_path / "out.xlsx")
    assert str(error.value) == f"Template 'weekly.xlsx', sheet 'Summary', cell B4: {problem}"


def test_two_table_markers_in_one_row_are_refused(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "two.xlsx"))
    sheet = book.add_worksheet("S")
    sheet.write("A1", "{{ a | table }}")
    sheet.write("E1", "{{ a | table }}")
    book.close()
    with pytest.raises(TemplateError,
                       match=r"^Template 'two.xlsx', sheet 'S', cell E1: a second table marker in row 1"):
        omxl.render_template(tmp_path / "two.xlsx", {"a": pd.DataFrame({"x": [1]})}, tmp_path / "out.xlsx")


# --- a template restyled the way a user would ---------------------------------------------------------

def test_a_template_restyled_with_openpyxl_renders(tmp_path):
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import PatternFill

    edited = tmp_path / "restyled.xlsx"
    wb = openpyxl.load_workbook(TEMPLATE)
    late = wb["Late"]
    green = PatternFill("solid", fgColor="FFC6EFCE")
    for col in range(1, 8):
        late.cell(3, col).fill = green  # a new header colour
        late.cell(4, col).fill = PatternFill("solid", fgColor="FFFFF2CC")  # and a data-row colour
    late.move_range("A6:G6", rows=3)  # the total block cut and pasted three rows down (its formulas unchanged)
    chart = BarChart()
    chart.add_data(Reference(late, min_col=6, min_row=3, max_row=4), titles_from_data=True)  # an extra chart
    late.add_chart(chart, "I20")
    wb.save(edited)

    frame = late_lines(20)
    out = omxl.render_template(edited, context(frame), tmp_path / "restyled-out.xlsx")
    sheet = openpyxl.load_workbook(out)["Late"]
    assert {sheet.cell(3, c).fill.fgColor.rgb for c in range(1, 8)} == {"FFC6EFCE"}
    assert {sheet.cell(r, c).fill.fgColor.rgb for r in range(4, 24) for c in range(1, 8)} == {"FFFFF2CC"}
    assert sheet["A28"].value == "Total"  # row 9 in the template, 19 rows further down
    assert sheet["D28"].value == "=SUM(D4:D23)" and sheet["G28"].value == "=SUM(G4:G23)"
    charts = [part(out, n) for n in zipfile.ZipFile(out).namelist() if n.startswith("xl/charts/chart")]
    assert sorted(re.findall(r"<(?:c:)?f>(.*?)</(?:c:)?f>", c) for c in charts) == [
        ["'Late'!F3", "'Late'!$F$4:$F$23"],  # the added chart: its one data-row cell grew to the table
        ["Late!$A$4:$A$23", "Late!$G$4:$G$23"]]  # the template's own chart, kept by openpyxl
    assert grid(out, "Late")[3][0] == "SO-00000"


# --- LibreOffice opens every rendered workbook and agrees with pandas ---------------------------------

def test_libreoffice_opens_every_rendered_workbook_and_its_sums_match_pandas(tmp_path):
    frames = {n: late_lines(n, seed=n) for n in (0, 1, 1000)}
    rendered = [render(tmp_path, frame, name=f"late-{n}.xlsx") for n, frame in frames.items()]
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALCULATE_ON_LOAD, encoding="utf-8")
    converted = tmp_path / "lo"
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "xlsx",
                    "--outdir", str(converted), *map(str, rendered)], check=True, capture_output=True, timeout=300)
    for n, frame in frames.items():
        rows = grid(converted / f"late-{n}.xlsx", "Late")
        total = rows[3 + max(n, 1) + 1]
        assert total[0] == "Total"
        assert total[3] == pytest.approx(float(frame["open_qty"].sum()))
        assert total[6] == pytest.approx(float(frame["open_value"].sum()))
        assert grid(converted / f"late-{n}.xlsx", "Summary")[5][1] == n


def test_libreoffice_with_its_own_settings_shows_the_totals_of_the_expanded_table(tmp_path):
    """Without the tests' recalculate-on-load profile, LibreOffice recalculates only formulas that have no
    cached result: the rendered sheet must not carry the template's one-row total."""
    frame = late_lines(1000, seed=3)
    rendered = render(tmp_path, frame)
    subprocess.run([soffice(), f"-env:UserInstallation=file://{tmp_path / 'default-profile'}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "lo"), str(rendered)], check=True,
                   capture_output=True, timeout=300)
    total = grid(tmp_path / "lo" / "out.xlsx", "Late")[1004]
    assert (total[0], total[3], total[6]) == ("Total", float(frame["open_qty"].sum()),
                                              pytest.approx(float(frame["open_value"].sum())))


def test_links_and_comments_below_the_table_move_with_their_cells(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "links.xlsx"))
    sheet = book.add_worksheet("L")
    sheet.write("A1", "{{ rows | table }}")
    sheet.write_url("A4", "internal:'L'!B2", string="first row")
    sheet.write_url("B4", "https://example.com/orders", string="portal")
    sheet.write_comment("C5", "check this total")
    book.close()
    out = omxl.render_template(tmp_path / "links.xlsx", {"rows": pd.DataFrame({"qty": range(5)})},
                               tmp_path / "links-out.xlsx")
    sheet_xml = part(out, "xl/worksheets/sheet1.xml")
    links = re.findall(r'<hyperlink ref="([^"]+)"(?: location="([^"]*)")?', sheet_xml)
    assert links == [("A8", "'L'!B2"), ("B8", "")]  # a link to one cell on the data row: the first record
    assert '<comment ref="C9"' in part(out, "xl/comments1.xml")
    assert "<x:Row>8</x:Row>" in part(out, "xl/drawings/vmlDrawing1.vml")
    wb = openpyxl.load_workbook(out)
    assert wb["L"]["C9"].comment.text == "check this total"
    assert wb["L"]["B8"].hyperlink.target == "https://example.com/orders"


def test_a_pivot_cache_source_on_a_moved_and_renamed_sheet_follows():
    from omxl.render.parts import pivot_cache
    from omxl.render.refs import Moves

    found = Moves()
    found.insert("Late {{ x }}", 4, 10)
    found.rename("Late {{ x }}", "Late now")
    xml = '<cacheSource type="worksheet"><worksheetSource ref="A3:C4" sheet="Late {{ x }}"/></cacheSource>'
    assert pivot_cache(xml, found) == ('<cacheSource type="worksheet"><worksheetSource ref="A3:C14" '
                                       'sheet="Late now"/></cacheSource>')


def test_the_worked_example_in_the_docs_renders_as_the_docs_say(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    page = (ROOT / "docs" / "templates.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", page, flags=re.S)[1:]
    exec(compile(block.replace("/tmp/", f"{tmp_path}/"), "templates.md", "exec"), {})
    out = tmp_path / "late_lines-filled.xlsx"
    rows = grid(out, "Late")
    assert rows[3:6] == [["SO-1", "Acme", "A-1", 5.0, dt.date(2026, 11, 1), 26.0, 10.5],
                         ["SO-2", '=HYPERLINK("http://x","y")', "B-2", 7.0, dt.date(2026, 11, 10), 17.0, 20.25],
                         ["SO-3", "Initech", "C-3", 9.0, dt.date(2026, 11, 20), 7.0, 30.0]]
    sheet = openpyxl.load_workbook(out)["Late"]
    assert (sheet["A8"].value, sheet["D8"].value, sheet["G8"].value) == ("Total", "=SUM(D4:D6)", "=SUM(G4:G6)")
    assert sheet["A10"].value == "Lines are late when the promised date has passed (3 lines)."
    assert "| 8 | Total | | | `=SUM(D4:D6)` = 21 | | | `=SUM(G4:G6)` = 60.75 |" in page
    assert "`LateValue` is `Late!$G$4:$G$6`" in page
    names = dict(re.findall(r'<definedName name="([^"]+)"[^>]*>(.*?)</definedName>', part(out, "xl/workbook.xml")))
    assert names["LateValue"] == "Late!$G$4:$G$6" and names["_xlnm.Print_Area"] == "Late!$A$1:$G$10"


def test_table_text_keeps_its_spaces_blanks_and_odd_characters(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "text.xlsx"))
    book.add_worksheet("T").write("A1", "{{ rows | table }}")
    book.close()
    frame = pd.DataFrame({"note": pd.Series([" padded ", "a & b <c>", "", None, "line\nbreak", "@home"],
                                            dtype="string[python]"),
                          "qty": [1.5, np.nan, 3, 4, 5, 6]})
    out = omxl.render_template(tmp_path / "text.xlsx", {"rows": frame}, tmp_path / "text-out.xlsx")
    assert [row[:2] for row in grid(out, "T")[1:]] == [[" padded ", 1.5], ["a & b <c>", ""], ["", 3.0], ["", 4.0],
                                                       ["line\nbreak", 5.0], ["@home", 6.0]]
    sheet = openpyxl.load_workbook(out)["T"]
    assert sheet["A7"].quotePrefix and not sheet["A2"].quotePrefix


def test_rows_and_cells_without_numbers_are_read_in_order(tmp_path):
    """The file format lets a writer leave out row and cell numbers; such a template renders the same."""
    path = tmp_path / "plain.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("S")
    sheet.write("A1", "{{ title }}")
    sheet.write("B1", "{{ rows | table }}")
    sheet.write_formula("B4", "=SUM(B2:B2)")
    book.close()
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode("utf-8")
    # Row 1 and its cells A1, B1 lose their numbers (they are first in order, so they mean the same).
    members["xl/worksheets/sheet1.xml"] = re.sub(r'(<(?:row|c)) r="(?:1|A1|B1)"', r"\1", xml).encode("utf-8")
    assert members["xl/worksheets/sheet1.xml"].count(b' r="') == 2  # row 4 and B4 keep theirs
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    out = omxl.render_template(path, {"title": "T", "rows": pd.DataFrame({"qty": [1, 2, 3]})}, tmp_path / "o.xlsx")
    sheet = openpyxl.load_workbook(out)["S"]
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=1, max_row=6, max_col=2)] == [
        ["T", "Ordered qty"], [None, 1], [None, 2], [None, 3], [None, None], [None, "=SUM(B2:B4)"]]
