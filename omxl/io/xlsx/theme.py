"""The theme part of a workbook omxl makes from nothing (save_workbook): Excel's own "Office" theme, trimmed to
what the format requires.

Excel writes a theme into every workbook it saves and expects one in every workbook it opens: a package whose
workbook has no theme relationship is one Excel rewrites (the strict OOXML check in tests/test_ooxml_strict.py
reports "A required relationship type '.../theme' is missing"). omxl's cells name their fonts and colours
outright (Calibri 11, RGB fills), so the theme decides nothing they show; it holds Excel's default colours and
fonts (Calibri Light for headings, Calibri for the body) so that a user who adds a cell, a chart or a shape in
Excel gets what a new Excel workbook gives. The schema asks for at least three entries in each style list of the
format scheme (subtle, moderate, intense), as Excel writes them.
"""

from __future__ import annotations

PART = "xl/theme/theme1.xml"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.theme+xml"
RELATIONSHIP_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/theme"


def _solid(color: str) -> str:
    return f'<a:solidFill><a:schemeClr val="{color}"/></a:solidFill>'


def _line(width_emu: int) -> str:
    return (f'<a:ln w="{width_emu}" cap="flat" cmpd="sng" algn="ctr">{_solid("phClr")}'
            '<a:prstDash val="solid"/><a:miter lim="800000"/></a:ln>')


# The colours and fonts of Excel's "Office" theme (Excel 2013 and later).
_COLORS = (
    '<a:clrScheme name="Office">'
    '<a:dk1><a:sysClr val="windowText" lastClr="000000"/></a:dk1>'
    '<a:lt1><a:sysClr val="window" lastClr="FFFFFF"/></a:lt1>'
    '<a:dk2><a:srgbClr val="44546A"/></a:dk2><a:lt2><a:srgbClr val="E7E6E6"/></a:lt2>'
    '<a:accent1><a:srgbClr val="4472C4"/></a:accent1><a:accent2><a:srgbClr val="ED7D31"/></a:accent2>'
    '<a:accent3><a:srgbClr val="A5A5A5"/></a:accent3><a:accent4><a:srgbClr val="FFC000"/></a:accent4>'
    '<a:accent5><a:srgbClr val="5B9BD5"/></a:accent5><a:accent6><a:srgbClr val="70AD47"/></a:accent6>'
    '<a:hlink><a:srgbClr val="0563C1"/></a:hlink><a:folHlink><a:srgbClr val="954F72"/></a:folHlink>'
    "</a:clrScheme>")
_FONTS = (
    '<a:fontScheme name="Office">'
    '<a:majorFont><a:latin typeface="Calibri Light" panose="020F0302020204030204"/><a:ea typeface=""/>'
    '<a:cs typeface=""/></a:majorFont>'
    '<a:minorFont><a:latin typeface="Calibri" panose="020F0502020204030204"/><a:ea typeface=""/>'
    '<a:cs typeface=""/></a:minorFont>'
    "</a:fontScheme>")
_FORMATS = (
    '<a:fmtScheme name="Office">'
    f'<a:fillStyleLst>{_solid("phClr") * 3}</a:fillStyleLst>'
    f"<a:lnStyleLst>{_line(6350)}{_line(12700)}{_line(19050)}</a:lnStyleLst>"
    f'<a:effectStyleLst>{"<a:effectStyle><a:effectLst/></a:effectStyle>" * 3}</a:effectStyleLst>'
    f'<a:bgFillStyleLst>{_solid("phClr") * 3}</a:bgFillStyleLst>'
    "</a:fmtScheme>")

OFFICE_THEME = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<a:theme xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" name="Office Theme">'
    f"<a:themeElements>{_COLORS}{_FONTS}{_FORMATS}</a:themeElements>"
    "<a:objectDefaults/><a:extraClrSchemeLst/>"
    "</a:theme>")
