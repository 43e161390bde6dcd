"""Result workbooks with charts: the result sheets as save_workbook writes them, and on one sheet a column chart per
group of its rows (a DrawingML chart part each, its series referring to the sheet's own cells, with the values
cached so that a reader that does not recalculate shows them too).

`save_backtest(backtest, path)` is the backtest step's --out writer (omxl/steps/backtest.py): the Backtest sheet
gets a chart per metric under its table, every variant beside what the book shows happened.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path
from typing import Mapping, Sequence

import pandas as pd

from ..address import column_letter
from ..safety import xml_escape
from ..xlsx import package
from ..xlsx.sheetxml import ResultSheet
from ..xlsx.writeback import save_verified, sheet_name
from .atomic import check_destination
from .write import new_workbook

C_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
A_NS = "http://schemas.openxmlformats.org/drawingml/2006/main"
XDR_NS = "http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing"
DRAWING_TYPE = "application/vnd.openxmlformats-officedocument.drawing+xml"
CHART_TYPE = "application/vnd.openxmlformats-officedocument.drawingml.chart+xml"
CHART_ROWS = 15        # rows each chart takes
CHART_COLUMNS = 2      # columns wide: two of the Backtest table's columns, each 27 characters
CHARTS_PER_ROW = 2


@dataclasses.dataclass(frozen=True)
class Chart:
    """A column chart of rows `first`..`last` (0-based data rows of the sheet): categories from the column
    `category`, one series per column of `values`, numbers shown in `number_format`."""

    title: str
    first: int
    last: int
    category: str
    values: tuple[str, ...]
    number_format: str = "General"


def save_with_charts(sheets: Mapping[str, "pd.DataFrame | ResultSheet"], charts: Mapping[str, Sequence[Chart]],
                     out: "str | Path", example: str | None = None) -> Path:
    """Write `sheets` as a new .xlsx at `out` (atomically, verified, as save_workbook does), with `charts` (sheet
    name -> its charts) drawn under their tables, two a row."""
    target = check_destination(out, example)   # example: the file name suggested when `out` is a folder
    data, named = new_workbook(sheets, target.name)
    data = _add_charts(data, {sheet_name("", name): list(c) for name, c in charts.items() if c}, named)
    return save_verified(target, data, named)


def _add_charts(data: bytes, charts: Mapping[str, list[Chart]], sheets: Mapping[str, ResultSheet]) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    members = {name: source.read(name) for name in source.namelist()}
    types = members[package.CONTENT_TYPES].decode("utf-8")
    parts = {entry.name: part for entry, part in package.sheet_parts(source)}
    number = 0
    for drawing_number, (sheet, wanted) in enumerate(charts.items(), start=1):
        part = parts[sheet]
        frame = sheets[sheet].frame
        drawing = f"xl/drawings/drawing{drawing_number}.xml"
        drawing_rels = ""
        anchors = []
        for place, chart in enumerate(wanted):
            number += 1
            chart_part = f"xl/charts/chart{number}.xml"
            members[chart_part] = _chart_xml(sheet, frame, chart).encode("utf-8")
            types = package.add_override(types, chart_part, CHART_TYPE)
            rel_id = f"rId{place + 1}"
            drawing_rels = package.add_relationship(drawing_rels or package.empty_relationships(), rel_id,
                                                    package.REL_NS + "/chart", f"../charts/chart{number}.xml")
            # Two a row under the table (a header row, the table's rows and a blank row above them): a printed page
            # holds the table and four charts, none cut by a page break.
            row = len(frame) + 2 + (place // CHARTS_PER_ROW) * CHART_ROWS
            anchors.append(_anchor((place % CHARTS_PER_ROW) * CHART_COLUMNS, row, rel_id, number, chart.title))
        members[drawing] = (f'{package.XML_DECLARATION}<xdr:wsDr xmlns:xdr="{XDR_NS}" xmlns:a="{A_NS}">'
                            + "".join(anchors) + "</xdr:wsDr>").encode("utf-8")
        members[package.rels_path(drawing)] = drawing_rels.encode("utf-8")
        types = package.add_override(types, drawing, DRAWING_TYPE)
        sheet_rels_part = package.rels_path(part)
        sheet_rels = members[sheet_rels_part].decode("utf-8") if sheet_rels_part in members \
            else package.empty_relationships()
        rel_id = package.free_rel_id(sheet_rels)
        members[sheet_rels_part] = package.add_relationship(sheet_rels, rel_id, package.REL_NS + "/drawing",
                                                            package.relative(drawing, part)).encode("utf-8")
        # <drawing> comes after the page setup and before any legacy drawing or table parts (the schema's order).
        members[part] = members[part].decode("utf-8").replace(
            "</worksheet>", f'<drawing r:id="{rel_id}"/></worksheet>', 1).encode("utf-8")
    members[package.CONTENT_TYPES] = types.encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), content,
                             compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _anchor(column: int, row: int, rel_id: str, number: int, title: str) -> str:
    return (f"<xdr:twoCellAnchor><xdr:from><xdr:col>{column}</xdr:col><xdr:colOff>0</xdr:colOff>"
            f"<xdr:row>{row}</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>{column + CHART_COLUMNS}"
            f"</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>{row + CHART_ROWS - 1}</xdr:row><xdr:rowOff>0</xdr:rowOff>"
            f'</xdr:to><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="{number + 1}" '
            f'name="{xml_escape(title)}"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>'
            f'<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="{C_NS}"><c:chart xmlns:c="{C_NS}" '
            f'xmlns:r="{package.REL_NS}" r:id="{rel_id}"/></a:graphicData></a:graphic></xdr:graphicFrame>'
            "<xdr:clientData/></xdr:twoCellAnchor>")


def _chart_xml(sheet: str, frame: pd.DataFrame, chart: Chart) -> str:
    quoted = "'" + sheet.replace("'", "''") + "'"
    columns = list(frame.columns)
    rows = range(chart.first, chart.last + 1)

    def ref(column: str, header: bool = False) -> str:
        letter = column_letter(columns.index(column))
        if header:
            return f"{quoted}!${letter}$1"
        return f"{quoted}!${letter}${chart.first + 2}:${letter}${chart.last + 2}"

    categories = [str(frame[chart.category].iloc[i]) for i in rows]
    cat_cache = "".join(f'<c:pt idx="{i}"><c:v>{xml_escape(text)}</c:v></c:pt>' for i, text in enumerate(categories))
    series = []
    for index, column in enumerate(chart.values):
        points = "".join(f'<c:pt idx="{i}"><c:v>{float(v)!r}</c:v></c:pt>'
                         for i, v in enumerate(frame[column].iloc[chart.first:chart.last + 1]) if pd.notna(v))
        series.append(
            f'<c:ser><c:idx val="{index}"/><c:order val="{index}"/><c:tx><c:strRef><c:f>{xml_escape(ref(column, True))}'
            f"</c:f><c:strCache><c:ptCount val=\"1\"/><c:pt idx=\"0\"><c:v>{xml_escape(str(column))}</c:v></c:pt>"
            f"</c:strCache></c:strRef></c:tx><c:invertIfNegative val=\"0\"/><c:cat><c:strRef><c:f>"
            f"{xml_escape(ref(chart.category))}</c:f><c:strCache><c:ptCount val=\"{len(categories)}\"/>{cat_cache}"
            f"</c:strCache></c:strRef></c:cat><c:val><c:numRef><c:f>{xml_escape(ref(column))}</c:f><c:numCache>"
            f"<c:formatCode>{xml_escape(chart.number_format)}</c:formatCode><c:ptCount val=\"{len(categories)}\"/>"
            f"{points}</c:numCache></c:numRef></c:val></c:ser>")
    return (f'{package.XML_DECLARATION}<c:chartSpace xmlns:c="{C_NS}" xmlns:a="{A_NS}" xmlns:r="{package.REL_NS}">'
            f'<c:roundedCorners val="0"/><c:chart><c:title><c:tx><c:rich><a:bodyPr/><a:p><a:r><a:t>'
            f'{xml_escape(chart.title)}</a:t></a:r></a:p></c:rich></c:tx><c:overlay val="0"/></c:title>'
            '<c:autoTitleDeleted val="0"/><c:plotArea><c:layout/><c:barChart><c:barDir val="col"/>'
            '<c:grouping val="clustered"/><c:varyColors val="0"/>' + "".join(series)
            + '<c:axId val="500"/><c:axId val="501"/></c:barChart><c:catAx><c:axId val="500"/><c:scaling>'
            '<c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="b"/><c:crossAx val="501"/>'
            '</c:catAx><c:valAx><c:axId val="501"/><c:scaling><c:orientation val="minMax"/></c:scaling>'
            f'<c:delete val="0"/><c:axPos val="l"/><c:majorGridlines/><c:numFmt formatCode="'
            f'{xml_escape(chart.number_format)}" sourceLinked="0"/><c:crossAx val="500"/></c:valAx></c:plotArea>'
            '<c:legend><c:legendPos val="b"/><c:overlay val="0"/></c:legend><c:plotVisOnly val="1"/></c:chart>'
            "</c:chartSpace>")


def save_backtest(backtest: object, path: "str | Path") -> Path:
    """The backtest's workbook (omxl.Backtest): its result sheets, the Backtest sheet (a row per variant and one of
    what the book shows happened, a column per metric) with a chart per metric column, every variant and the
    actual figure side by side."""
    sheets = backtest.result_sheets()
    table = sheets["Backtest"]
    frame = table.frame if isinstance(table, ResultSheet) else table
    formats = table.number_formats if isinstance(table, ResultSheet) else {}
    variant, *metrics = list(frame.columns)
    last = len(frame) - 1
    charts = [Chart(str(column), 0, last, variant, (column,), formats.get(str(column), "General"))
              for column in metrics]
    return save_with_charts(sheets, {"Backtest": charts}, path, example="backtest.xlsx")
