"""Press the buttons of an .ods made by `omxl libreoffice-setup` in a headless LibreOffice, as a user's click does,
and report what the open document shows, as JSON on stdout. Run with the Python that has the `uno` module
(python3-uno, /usr/bin/python3), never by pytest itself:

    python3 lo_buttons.py PLAN.json

PLAN.json: {"document": PATH, "profile": DIR, "steps": [...]}, each step one of
    {"press": "<button label>"}           invoke the script bound to the button's press (read from the form's script
                                          event, as LibreOffice finds it on a click) through the document's script
                                          provider; reports the status cell B4 and the seconds it took
    {"set": [SHEET, CELL, VALUE]}         type a value into a cell (a number or text), unsaved
    {"look": SHEET}                       a result sheet's autofilter range, links and row 2's number formats
    {"remove": PATH}                      delete a file (a settings file beside the document, say)
    {"snapshot": true}                    every sheet's used range (values as DataArray gives them), its notes
                                          (cell, text, fill as RGB), its sheet-local names, the fills of A1:Z2
The first line of the output lists the buttons found: {"buttons": [{"label", "url", "sheet"}]}.
"""

from __future__ import annotations

import json
import os
import sys
import time

import uno
from lo_office import office_desktop, props  # beside this script


def bindings(document) -> list[dict]:
    found = []
    for name in document.Sheets.ElementNames:
        forms = document.Sheets.getByName(name).DrawPage.Forms
        for f in range(forms.Count):
            form = forms.getByIndex(f)
            for c in range(form.Count):
                for event in form.getScriptEvents(c):
                    if event.ScriptCode and event.EventMethod == "actionPerformed":
                        found.append({"label": form.getByIndex(c).Label, "url": event.ScriptCode, "sheet": name,
                                      "listener": event.ListenerType, "type": event.ScriptType})
    return found


def _address(column: int, row: int) -> str:
    letters = ""
    column += 1
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row + 1}"


def snapshot(document) -> dict:
    sheets = []
    for index in range(document.Sheets.Count):
        sheet = document.Sheets.getByIndex(index)
        cursor = sheet.createCursor()
        cursor.gotoStartOfUsedArea(False)
        cursor.gotoEndOfUsedArea(True)
        area = cursor.RangeAddress
        notes = []
        for n in range(sheet.Annotations.Count):
            note = sheet.Annotations.getByIndex(n)
            where = note.Position
            cell = sheet.getCellByPosition(where.Column, where.Row)
            notes.append({"cell": _address(where.Column, where.Row), "text": note.String,
                          "fill": cell.CellBackColor})
        sheets.append({"name": sheet.Name, "visible": sheet.IsVisible,
                       "origin": _address(area.StartColumn, area.StartRow),
                       "values": [list(row) for row in cursor.DataArray], "notes": notes,
                       "names": list(sheet.NamedRanges.ElementNames),
                       "header_fill": sheet.getCellByPosition(0, 0).CellBackColor})
    return {"sheets": sheets, "active": document.CurrentController.ActiveSheet.Name}


def look(document, name: str) -> dict:
    """What a result sheet shows besides its values: the autofilter's range (the sheet's own database range), the
    links in its cells (cell, URL) and the number format of row 2's cells."""
    sheet = document.Sheets.getByName(name)
    index = sheet.RangeAddress.Sheet
    ranges = document.getPropertyValue("UnnamedDatabaseRanges")
    autofilter = None
    if ranges.hasByTable(index) and ranges.getByTable(index).AutoFilter:
        area = ranges.getByTable(index).DataArea
        autofilter = f"{_address(area.StartColumn, area.StartRow)}:{_address(area.EndColumn, area.EndRow)}"
    cursor = sheet.createCursor()
    cursor.gotoEndOfUsedArea(False)
    end = cursor.RangeAddress
    links = []
    for row in range(end.EndRow + 1):
        for column in range(end.EndColumn + 1):
            fields = sheet.getCellByPosition(column, row).TextFields.createEnumeration()
            while fields.hasMoreElements():
                links.append([_address(column, row), fields.nextElement().URL])
    formats = document.NumberFormats
    row_two = [formats.getByKey(sheet.getCellByPosition(c, 1).NumberFormat).FormatString
               for c in range(end.EndColumn + 1)]
    return {"sheet": name, "autofilter": autofilter, "links": links, "formats": row_two}


def main(plan_path: str) -> None:
    plan = json.loads(open(plan_path, encoding="utf-8").read())
    with office_desktop(plan["profile"]) as desktop:
        # MacroExecutionMode 4 (always, no warning): as a document in a trusted folder opens.
        document = desktop.loadComponentFromURL(uno.systemPathToFileUrl(plan["document"]), "_blank", 0,
                                                props(Hidden=True, MacroExecutionMode=4))
        found = bindings(document)
        print(json.dumps({"buttons": found}), flush=True)
        provider = document.getScriptProvider()
        for step in plan["steps"]:
            if "press" in step:
                url = next(b["url"] for b in found if b["label"] == step["press"])
                started = time.perf_counter()
                provider.getScript(url).invoke((uno.createUnoStruct("com.sun.star.awt.ActionEvent"),), (), ())
                seconds = time.perf_counter() - started
                status = document.Sheets.getByName("omxl").getCellRangeByName("B4").String
                print(json.dumps({"pressed": step["press"], "status": status, "seconds": seconds}), flush=True)
            elif "set" in step:
                sheet, cell, value = step["set"]
                target = document.Sheets.getByName(sheet).getCellRangeByName(cell)
                if isinstance(value, str):
                    target.setString(value)
                else:
                    target.setValue(value)
                print(json.dumps({"set": step["set"]}), flush=True)
            elif "look" in step:
                print(json.dumps({"look": look(document, step["look"])}), flush=True)
            elif "remove" in step:
                os.remove(step["remove"])
                print(json.dumps({"removed": step["remove"]}), flush=True)
            elif "snapshot" in step:
                print(json.dumps({"snapshot": snapshot(document)}), flush=True)
        document.close(True)


if __name__ == "__main__":
    main(sys.argv[1])
