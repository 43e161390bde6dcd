"""What excel-setup adds to a workbook, as XML text: the Control sheet `omxl`, the `xlwings.conf` sheet and
the buttons' VML drawing (contract 5.4).

The Control sheet: A2:A4 the labels, B2 the action (a drop-down of the steps with a button), B3 the as-of date (blank =
today), B4 the status the macros write (merged down to B8 and wrapped, room for a few sentences); one button
per action in column D, and instructions below in words a specialist uses. Buttons are legacy form controls in a VML drawing, as Excel itself and XlsxWriter's
insert_button write them: `<x:FmlaMacro>` names the VBA sub each runs (vbaproject.buttons()).
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from ..steps import with_buttons
from ..io.safety import xml_escape
from .vbaproject import RUN_CHOSEN, buttons


CONTROL_SHEET = "omxl"
CONF_SHEET = "xlwings.conf"

UDF_MODULES = "omxl.excel.xlwings_adapter"
STYLES: dict[str, dict] = {
    "omxl_title": {"bold": True, "size": 14},
    "omxl_label": {"bold": True},
    "omxl_input": {"fill": "FFFFF2CC"},
    "omxl_input_date": {"fill": "FFFFF2CC", "num_format": "yyyy-mm-dd"},
    "omxl_status": {"wrap": True, "valign": "top"},
}
# Column widths in characters: A labels, B inputs and status, C a gap, D the buttons.
WIDTHS = (14.0, 64.0, 2.0, 30.0)
FIRST_BUTTON_ROW = 2
ROW_HEIGHT = 24.0  # points
# The status cell B4 is merged down to row 8 and wraps: five rows of 24 points hold eight lines of about 64
# characters, room for the few sentences a macro reports (the weekly report's names a file path too).
STATUS_AREA = "B4:B8"
STATUS_LAST_ROW = 8
FIRST_STEPS = ("How to use this sheet",
               "1. Keep your tables (orders, inventory, suppliers, shipments, purchase orders, returns, customers) "
               "on their own sheets in this workbook, each with one header row.")
LAST_STEPS = (
    "As of (B3): the day the figures are for. Leave it blank for today.",
    "Status (B4): what happened, in plain words. Changes you have not saved yet count: no need to save first.",
    "omxl writes only its own sheets (their names start with 'omxl '); your sheets stay as they are.",
)
# Where the buttons' Python comes from, in Excel (LibreOffice's .ods says its own: omxl/excel/odsbook.py).
EXCEL_PYTHON_LINE = ("The buttons need Python with omxl and xlwings on this computer: see the Excel page of the omxl "
                     "documentation, and the xlwings.conf sheet for where Python is.")


def button_rows() -> range:
    """The Excel rows of the buttons, one each from row 2 (rows 2-7 for six buttons)."""
    return range(FIRST_BUTTON_ROW, FIRST_BUTTON_ROW + len(buttons()))


def tall_rows() -> range:
    """The rows made tall: the buttons' rows and the status rows 4-8."""
    return range(FIRST_BUTTON_ROW, max(STATUS_LAST_ROW, button_rows()[-1]) + 1)


def instructions(python_line: str = EXCEL_PYTHON_LINE) -> tuple[str, ...]:
    """How to use the sheet: the tables, then one numbered line per button's step (its `instruction`), then
    the chosen action, as-of, status and `python_line`, where the buttons' Python comes from."""
    steps = [f"{n}. {step.instruction}" for n, step in enumerate(with_buttons(), start=2)]
    chosen = f"{len(steps) + 2}. Or choose an action in B2 and press '{RUN_CHOSEN.caption}'."
    return (*FIRST_STEPS, *steps, chosen, *LAST_STEPS, python_line)
# The keys xlwings' VBA reads for the Python to start (it upper-cases the sheet's keys, so the case is free).
INTERPRETER_WIN = "Interpreter_Win"
INTERPRETER_MAC = "Interpreter_Mac"
CONF_ROWS = (("UDF Modules", UDF_MODULES),)
CONF_NOTES = (
    "Settings for xlwings, which runs the omxl buttons. Keys in column A from A1 down, values in column B; "
    "xlwings reads down to the first empty row.",
    "Add a row above the empty row to set one of these (a key left out falls back to the xlwings add-in's "
    "settings or its xlwings.conf file):",
    "Interpreter_Win: the python.exe to use on Windows, e.g. %USERPROFILE%\\omxl\\.venv\\Scripts\\python.exe "
    "(%USERPROFILE% is each user's own folder, so one workbook serves several PCs)",
    "Interpreter_Mac: the python to use on macOS, e.g. $HOME/omxl/.venv/bin/python",
    "Conda Path and Conda Env: a conda installation folder and environment name, instead of Interpreter_Win",
    "PYTHONPATH: extra folders where Python finds modules",
    "Show Console: TRUE to see Python's console window (Windows), for troubleshooting",
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _text_cell(ref: str, text: str, style: int | None = None) -> str:
    s = f' s="{style}"' if style is not None else ""
    return f'<c r="{ref}"{s} t="inlineStr"><is><t xml:space="preserve">{xml_escape(text)}</t></is></c>'


def _cols(widths: tuple[float, ...]) -> str:
    return "<cols>" + "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>'
                              for i, w in enumerate(widths, start=1)) + "</cols>"


def control_sheet_xml(style_ids: dict[str, int], drawing_rel_id: str) -> bytes:
    """The Control sheet's worksheet XML; `drawing_rel_id` is its relationship to the buttons' VML."""
    rows = [f'<row r="1">{_text_cell("A1", "omxl: order management", style_ids["omxl_title"])}</row>']
    cells = {
        2: _text_cell("A2", "Action", style_ids["omxl_label"])
        + _text_cell("B2", buttons()[0].function, style_ids["omxl_input"]),
        3: _text_cell("A3", "As of", style_ids["omxl_label"]) + f'<c r="B3" s="{style_ids["omxl_input_date"]}"/>',
        4: _text_cell("A4", "Status", style_ids["omxl_label"]) + f'<c r="B4" s="{style_ids["omxl_status"]}"/>',
    }
    tall = tall_rows()
    for row in tall:
        rows.append(f'<row r="{row}" ht="{ROW_HEIGHT}" customHeight="1">{cells.get(row, "")}</row>')
    lines = instructions()
    for offset, text in enumerate(lines):
        row = tall[-1] + 1 + offset
        style = style_ids["omxl_label"] if offset == 0 else None
        rows.append(f'<row r="{row}">{_text_cell(f"A{row}", text, style)}</row>')

    choices = ",".join(step.name for step in with_buttons())
    validations = (
        '<dataValidations count="2">'
        '<dataValidation type="list" allowBlank="1" showInputMessage="1" showErrorMessage="1" '
        'errorTitle="Action" error="Choose one of the actions in the list." promptTitle="Action" '
        'prompt="The action that &apos;Run the chosen action&apos; runs." sqref="B2">'
        f"<formula1>\"{choices}\"</formula1></dataValidation>"
        '<dataValidation type="date" operator="greaterThan" allowBlank="1" showInputMessage="1" '
        'showErrorMessage="1" errorTitle="As of" error="Enter a date, or leave the cell blank for today." '
        'promptTitle="As of" prompt="The day the figures are for; blank for today." sqref="B3">'
        "<formula1>1</formula1></dataValidation></dataValidations>")
    last = tall[-1] + len(lines)
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
           f'<dimension ref="A1:D{last}"/><sheetViews><sheetView tabSelected="1" workbookViewId="0">'
           '<selection activeCell="B2" sqref="B2"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
           f'{_cols(WIDTHS)}<sheetData>{"".join(rows)}</sheetData>'
           f'<mergeCells count="1"><mergeCell ref="{STATUS_AREA}"/></mergeCells>{validations}'
           '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
           f'<legacyDrawing r:id="{drawing_rel_id}"/></worksheet>')
    return xml.encode("utf-8")


def conf_sheet_xml(style_ids: dict[str, int], settings: tuple[tuple[str, str], ...] = CONF_ROWS) -> bytes:
    """The xlwings.conf sheet: the settings xlwings reads from A1 down (`settings`, key and value), then
    notes below an empty row, which xlwings does not read."""
    rows = [f'<row r="{i}">{_text_cell(f"A{i}", key, style_ids["omxl_label"])}{_text_cell(f"B{i}", value)}</row>'
            for i, (key, value) in enumerate(settings, start=1)]
    first_note = len(settings) + 2
    rows += [f'<row r="{first_note + i}">{_text_cell(f"A{first_note + i}", note)}</row>'
             for i, note in enumerate(CONF_NOTES)]
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
           f'<dimension ref="A1:B{first_note + len(CONF_NOTES) - 1}"/><sheetViews><sheetView workbookViewId="0"/>'
           f'</sheetViews><sheetFormatPr defaultRowHeight="15"/>{_cols((16.0, 32.0))}'
           f'<sheetData>{"".join(rows)}</sheetData>'
           '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>')
    return xml.encode("utf-8")


def _pixels(width: float) -> int:
    """A column width in characters as pixels (Calibri 11: 7 pixels a digit plus 5 of padding)."""
    return int(width * 7 + 0.5) + 5


def buttons_vml(drawing_id: int) -> bytes:
    """The VML drawing with one button per action. `drawing_id` is the o:idmap block, unique in the workbook
    (shape ids are 1024 per block, as Excel numbers them)."""
    left_px = sum(_pixels(w) for w in WIDTHS[:3]) + 4
    width_px = _pixels(WIDTHS[3]) - 8
    row_px = int(ROW_HEIGHT * 4 / 3)
    header = ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
              'xmlns:x="urn:schemas-microsoft-com:office:excel">'
              f'<o:shapelayout v:ext="edit"><o:idmap v:ext="edit" data="{drawing_id}"/></o:shapelayout>'
              '<v:shapetype id="_x0000_t201" coordsize="21600,21600" o:spt="201" path="m,l,21600r21600,l21600,xe">'
              '<v:stroke joinstyle="miter"/><v:path shadowok="f" o:extrusionok="f" strokeok="f" fillok="f" '
              'o:connecttype="rect"/><o:lock v:ext="edit" shapetype="t"/></v:shapetype>')
    shapes = []
    for n, (button, row) in enumerate(zip(buttons(), button_rows()), start=1):
        top_px = 20 + (row - 2) * row_px + 3  # row 1 is 15 points (20 pixels) high
        style = (f"position:absolute;margin-left:{left_px * 0.75:g}pt;margin-top:{top_px * 0.75:g}pt;"
                 f"width:{width_px * 0.75:g}pt;height:{(row_px - 6) * 0.75:g}pt;z-index:{n};mso-wrap-style:tight")
        anchor = f"3, 4, {row - 1}, 3, 3, {4 + width_px}, {row - 1}, {row_px - 3}"
        shapes.append(
            f'<v:shape id="_x0000_s{drawing_id * 1024 + n}" type="#_x0000_t201" style={quoteattr(style)} '
            'o:button="t" fillcolor="buttonFace [67]" strokecolor="windowText [64]" o:insetmode="auto">'
            '<v:fill color2="buttonFace [67]" o:detectmouseclick="t"/><o:lock v:ext="edit" rotation="t"/>'
            '<v:textbox style="mso-direction-alt:auto" o:singleclick="f"><div style="text-align:center">'
            f'<font face="Calibri" size="220" color="#000000">{xml_escape(button.caption)}</font></div>'
            f'</v:textbox><x:ClientData ObjectType="Button"><x:Anchor>{anchor}</x:Anchor>'
            "<x:PrintObject>False</x:PrintObject><x:AutoFill>False</x:AutoFill>"
            f"<x:FmlaMacro>[0]!{button.sub}</x:FmlaMacro><x:TextHAlign>Center</x:TextHAlign>"
            "<x:TextVAlign>Center</x:TextVAlign></x:ClientData></v:shape>")
    return (header + "".join(shapes) + "</xml>").encode("utf-8")
