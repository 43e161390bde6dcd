"""Workbooks holding what users have and a re-save would lose: charts, images, data bars,
validation, sparklines, names, comments, macros, pivot tables."""

from __future__ import annotations

import base64
import datetime as dt
import io
import zipfile
from pathlib import Path

import xlsxwriter
import xlwings

# A 2x2 red PNG.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")


def quickstart_xlsm() -> Path:
    """The macro workbook that ships with xlwings (it holds a VBA project)."""
    return Path(xlwings.__file__).parent / "quickstart.xlsm"


def vba_project(folder: Path) -> Path:
    with zipfile.ZipFile(quickstart_xlsm()) as archive:
        data = archive.read("xl/vbaProject.bin")
    path = folder / "vbaProject.bin"
    path.write_bytes(data)
    return path


def build_rich(path: Path, macros: bool = False) -> Path:
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"created": dt.datetime(2026, 11, 27)})
    if macros:
        book.add_vba_project(str(vba_project(path.parent)))
        book.set_vba_name("ThisWorkbook")
    bold = book.add_format({"bold": True})
    red = book.add_format({"bg_color": "#FFC7CE"})
    data = book.add_worksheet("Data")
    if macros:
        data.set_vba_name("Sheet1")
    data.write_row(0, 0, ["Region", "Jan", "Feb", "Mar", "Apr", "Trend", "Pick"], bold)
    for r, (region, values) in enumerate([("East", [10, 14, 9, 20]), ("West", [7, 3, 12, 8]),
                                          ("North", [15, 15, 16, 18]), ("South", [4, 9, 6, 2])], start=1):
        data.write(r, 0, region)
        data.write_row(r, 1, values)
    data.conditional_format("B2:E5", {"type": "data_bar", "data_bar_2010": True, "bar_color": "#63BE7B"})
    data.conditional_format("B2:E5", {"type": "cell", "criteria": ">", "value": 15, "format": red})
    data.conditional_format("B2:B5", {"type": "icon_set", "icon_style": "3_arrows"})
    data.add_sparkline("F2", {"range": "Data!B2:E2", "markers": True})
    data.add_sparkline("F3", {"range": "Data!B3:E3", "type": "column"})
    data.data_validation("G2:G5", {"validate": "list", "source": ["yes", "no", "maybe"]})
    data.data_validation("B2:E5", {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 1000,
                                   "input_title": "Units", "input_message": "Whole units, 0 to 1000"})
    data.write_comment("A1", "Regions as the sales team names them")
    data.write_formula("B7", "=SUM(B2:B5)", bold, 36)
    data.write_url("A9", "https://example.com/orders", string="Order portal")
    data.insert_image("I2", "logo.png", {"image_data": io.BytesIO(PNG), "x_scale": 10, "y_scale": 10})
    chart = book.add_chart({"type": "column"})
    for r in range(1, 5):
        chart.add_series({"name": ["Data", r, 0], "categories": ["Data", 0, 1, 0, 4], "values": ["Data", r, 1, r, 4]})
    chart.set_title({"name": "Units by month"})
    data.insert_chart("I12", chart)
    book.define_name("SalesData", "=Data!$A$1:$E$5")
    book.define_name("Data!LocalTotal", "=Data!$B$7")
    table_sheet = book.add_worksheet("Table")
    table_sheet.add_table("A1:C4", {"name": "Prices", "data": [["A", 1, 2.5], ["B", 2, 3.5], ["C", 3, 4.5]],
                                    "columns": [{"header": "Item"}, {"header": "Qty"}, {"header": "Price"}]})
    chart_sheet = book.add_chartsheet("Chart")
    line = book.add_chart({"type": "line"})
    line.add_series({"categories": "=Data!$B$1:$E$1", "values": "=Data!$B$2:$E$2"})
    chart_sheet.set_chart(line)
    book.close()
    return path


# --- a pivot table, written as Excel writes one (XlsxWriter cannot make them) -------------------------

_PIVOT_CACHE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId1" refreshOnLoad="1" \
createdVersion="6" refreshedVersion="6" minRefreshableVersion="3" recordCount="4">\
<cacheSource type="worksheet"><worksheetSource ref="A1:B5" sheet="Sales"/></cacheSource>\
<cacheFields count="2"><cacheField name="Region" numFmtId="0"><sharedItems count="2"><s v="East"/><s v="West"/>\
</sharedItems></cacheField><cacheField name="Units" numFmtId="0"><sharedItems containsSemiMixedTypes="0" \
containsString="0" containsNumber="1" containsInteger="1" minValue="5" maxValue="40"/></cacheField></cacheFields>\
</pivotCacheDefinition>"""

_PIVOT_RECORDS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotCacheRecords xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" count="4">\
<r><x v="0"/><n v="10"/></r><r><x v="1"/><n v="5"/></r><r><x v="0"/><n v="40"/></r><r><x v="1"/><n v="20"/></r>\
</pivotCacheRecords>"""

_PIVOT_TABLE = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<pivotTableDefinition xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="UnitsByRegion" \
cacheId="1" applyNumberFormats="0" applyBorderFormats="0" applyFontFormats="0" applyPatternFormats="0" \
applyAlignmentFormats="0" applyWidthHeightFormats="1" dataCaption="Values" updatedVersion="6" \
minRefreshableVersion="3" useAutoFormatting="1" itemPrintTitles="1" createdVersion="6" indent="0" outline="1" \
outlineData="1" multipleFieldFilters="0"><location ref="D1:E4" firstHeaderRow="1" firstDataRow="1" \
firstDataCol="1"/><pivotFields count="2"><pivotField axis="axisRow" showAll="0"><items count="3"><item x="0"/>\
<item x="1"/><item t="default"/></items></pivotField><pivotField dataField="1" showAll="0"/></pivotFields>\
<rowFields count="1"><field x="0"/></rowFields><rowItems count="3"><i><x/></i><i><x v="1"/></i><i t="grand"><x/>\
</i></rowItems><colItems count="1"><i/></colItems><dataFields count="1"><dataField name="Sum of Units" fld="1" \
baseField="0" baseItem="0"/></dataFields><pivotTableStyleInfo name="PivotStyleLight16" showRowHeaders="1" \
showColHeaders="1" showRowStripes="0" showColStripes="0" showLastColumn="1"/></pivotTableDefinition>"""

_REL = '<Relationship Id="{id}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" ' \
       'Target="{target}"/>'
_RELS = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
         'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>')
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml.{}+xml"


def build_pivot(path: Path) -> Path:
    plain = path.with_name(path.stem + "-plain.xlsx")
    book = xlsxwriter.Workbook(str(plain))
    book.set_properties({"created": dt.datetime(2026, 11, 27)})
    sheet = book.add_worksheet("Sales")
    sheet.write_row(0, 0, ["Region", "Units"])
    for r, row in enumerate([("East", 10), ("West", 5), ("East", 40), ("West", 20)], start=1):
        sheet.write_row(r, 0, row)
    # The pivot's rendered cells, as Excel caches them.
    sheet.write_row(0, 3, ["Row Labels", "Sum of Units"])
    sheet.write_row(1, 3, ["East", 50])
    sheet.write_row(2, 3, ["West", 25])
    sheet.write_row(3, 3, ["Grand Total", 75])
    book.close()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "[Content_Types].xml":
                overrides = "".join(f'<Override PartName="/xl/{part}" ContentType="{_CT.format(kind)}"/>' for part, kind in (
                    ("pivotCache/pivotCacheDefinition1.xml", "pivotCacheDefinition"),
                    ("pivotCache/pivotCacheRecords1.xml", "pivotCacheRecords"),
                    ("pivotTables/pivotTable1.xml", "pivotTable")))
                data = data.replace(b"</Types>", overrides.encode() + b"</Types>")
            elif info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", _REL.format(
                    id="rId90", kind="pivotCacheDefinition", target="pivotCache/pivotCacheDefinition1.xml").encode()
                    + b"</Relationships>")
            elif info.filename == "xl/workbook.xml":
                data = data.replace(b"</workbook>", b'<pivotCaches><pivotCache cacheId="1" r:id="rId90"/>'
                                                    b"</pivotCaches></workbook>")
            target.writestr(info, data)
        target.writestr("xl/worksheets/_rels/sheet1.xml.rels", _RELS.format(
            _REL.format(id="rId1", kind="pivotTable", target="../pivotTables/pivotTable1.xml")))
        target.writestr("xl/pivotTables/pivotTable1.xml", _PIVOT_TABLE)
        target.writestr("xl/pivotTables/_rels/pivotTable1.xml.rels", _RELS.format(
            _REL.format(id="rId1", kind="pivotCacheDefinition", target="../pivotCache/pivotCacheDefinition1.xml")))
        target.writestr("xl/pivotCache/pivotCacheDefinition1.xml", _PIVOT_CACHE)
        target.writestr("xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels", _RELS.format(
            _REL.format(id="rId1", kind="pivotCacheRecords", target="pivotCacheRecords1.xml")))
        target.writestr("xl/pivotCache/pivotCacheRecords1.xml", _PIVOT_RECORDS)
    plain.unlink()
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}
