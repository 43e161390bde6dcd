"""List what headless LibreOffice sees in a macro workbook, through python-UNO, as JSON on stdout:

    {"sheets": [...], "active": "<the sheet it opens on>", "buttons": [{"sheet", "label", "macro"}], "modules": {"omxl": "<VBA source>"}, "cells": {...}}

`buttons` are the form controls of each sheet's draw page with the script bound to them (LibreOffice turns an
Excel button's macro into a script URL such as vnd.sun.star.script:VBAProject.omxl.omxl_validate?...);
`shapes` the control shapes with their box on the sheet, `boxes` the boxes of the Control sheet's cells
D2:D7 ([left, top, right, bottom] in 1/100 mm); `modules` the VBA modules LibreOffice read from the
document's Basic library; `cells` the Control sheet's A2:B4 as text. Run with the Python that has the `uno` module (python3-uno, usually /usr/bin/python3):
    python3 lo_list_buttons.py WORKBOOK PROFILE_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from lo_office import office_desktop, props  # beside this script


def bound_scripts(form, index: int) -> list[str]:
    return [event.ScriptCode for event in form.getScriptEvents(index) if event.ScriptCode]


def _box(position, size) -> list[int]:
    """[left, top, right, bottom] in 1/100 mm."""
    return [position.X, position.Y, position.X + size.Width, position.Y + size.Height]


def describe(document) -> dict:
    found: dict = {"sheets": list(document.Sheets.ElementNames), "active": document.CurrentController.ActiveSheet.Name,
                   "buttons": [], "modules": {}, "cells": {}}
    for name in document.Sheets.ElementNames:
        page = document.Sheets.getByName(name).DrawPage
        for i in range(page.Count):
            shape = page.getByIndex(i)
            if shape.supportsService("com.sun.star.drawing.ControlShape"):
                found.setdefault("shapes", []).append(
                    {"sheet": name, "label": shape.Control.Label, "box": _box(shape.Position, shape.Size)})
        forms = page.Forms
        for f in range(forms.Count):
            form = forms.getByIndex(f)
            for c in range(form.Count):
                control = form.getByIndex(c)
                for script in bound_scripts(form, c):
                    found["buttons"].append({"sheet": name, "label": control.Label, "macro": script})
    libraries = document.BasicLibraries
    for library_name in libraries.ElementNames:
        library = libraries.getByName(library_name)
        for module in library.ElementNames:
            found["modules"][module] = library.getByName(module)
    if "omxl" in found["sheets"]:
        sheet = document.Sheets.getByName("omxl")
        for ref in ("A2", "A3", "A4", "B2", "B3", "B4"):
            found["cells"][ref] = sheet.getCellRangeByName(ref).String
        found["boxes"] = {ref: _box(sheet.getCellRangeByName(ref).Position, sheet.getCellRangeByName(ref).Size)
                          for ref in ("D2", "D3", "D4", "D5", "D6", "D7")}
    return found


def main(source: str, profile: str) -> None:
    with office_desktop(profile) as desktop:
        # MacroExecutionMode 0 (never run macros): the document's macros are listed, never executed.
        document = desktop.loadComponentFromURL(Path(source).resolve().as_uri(), "_blank", 0,
                                                props(Hidden=True, MacroExecutionMode=0))
        print(json.dumps(describe(document)))
        document.close(True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
