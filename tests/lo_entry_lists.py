"""What headless LibreOffice makes of a workbook's entry lists, through python-UNO, as JSON on stdout:

    {"names": {name: its formula as LibreOffice reads it},
     "cells": {"Sheet!E5": {"type", "operator", "formula1", "formula2", "show_list", "input_title", "input_message",
                            "error_title", "error_message", "error_style"}},
     "invalid": {sheet: [cells LibreOffice circles as invalid, "E5", ...]}}

`cells` describes the validation of each cell asked for; then each typed entry is put into its cell (text, or a
number when it is one) and every sheet's invalid cells are marked as Tools > Detective > Mark Invalid Data does
(XSheetAuditing.showInvalid: a circle around each cell whose value its validation refuses); `invalid` lists the
circled cells. Run with the Python that has the `uno` module
(python3-uno, usually /usr/bin/python3):

    python3 lo_entry_lists.py WORKBOOK PROFILE_DIR '{"describe": ["Orders!E5"], "type": {"Orders!E5": "NOPE"}}'
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lo_office import office_desktop, props  # beside this script


def _cell(document, address: str):
    sheet, _, ref = address.rpartition("!")
    return document.Sheets.getByName(sheet).getCellRangeByName(ref)


def describe(cell) -> dict:
    validation = cell.getPropertyValue("Validation")
    return {"type": validation.Type.value, "operator": validation.Operator.value,
            "formula1": validation.getFormula1(), "formula2": validation.getFormula2(),
            "show_list": validation.ShowList, "input_title": validation.InputTitle,
            "input_message": validation.InputMessage, "error_title": validation.ErrorTitle,
            "error_message": validation.ErrorMessage, "error_style": validation.ErrorAlertStyle.value,
            "show_error": validation.ShowErrorMessage, "ignore_blank": validation.IgnoreBlankCells}


def main(source: str, profile: str, request: str) -> None:
    asked = json.loads(request)
    with office_desktop(profile) as desktop:
        # MacroExecutionMode 0 (never run macros): a macro workbook's code is never executed.
        document = desktop.loadComponentFromURL(Path(source).resolve().as_uri(), "_blank", 0,
                                                props(Hidden=True, MacroExecutionMode=0))
        found: dict = {"names": {}, "cells": {}, "invalid": {}}
        names = document.NamedRanges
        for name in names.ElementNames:
            found["names"][name] = names.getByName(name).Content
        for address in asked.get("describe", []):
            found["cells"][address] = describe(_cell(document, address))
        for address, value in asked.get("type", {}).items():
            cell = _cell(document, address)
            if isinstance(value, (int, float)):
                cell.setValue(value)
            else:
                cell.setString(value)
        for sheet_name in document.Sheets.ElementNames:
            sheet = document.Sheets.getByName(sheet_name)
            sheet.showInvalid()
            page = sheet.DrawPage
            shapes = [page.getByIndex(i) for i in range(page.Count)]
            # The Detective's circles are ellipses anchored to their cell; buttons are controls, not ellipses.
            circled = [shape.Anchor.AbsoluteName for shape in shapes
                       if shape.ShapeType == "com.sun.star.drawing.EllipseShape" and shape.Anchor is not None]
            if circled:
                found["invalid"][sheet_name] = sorted((ref.rpartition(".")[2].replace("$", "") for ref in circled),
                                                      key=lambda ref: (len(ref), ref))
        print(json.dumps(found))
        document.close(True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
