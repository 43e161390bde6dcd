"""The name every macro workbook's buttons call: `RunPython "import omxl.macros; omxl.macros.validate()"`.

The buttons themselves are in omxl/excel/macros.py, with everything else that talks to a spreadsheet
application (omxl/excel/); this module keeps the name the VBA of existing workbooks uses."""

from __future__ import annotations

from typing import Any

from .excel import macros as _buttons


def __getattr__(name: str) -> Any:
    # omxl.macros.main(), .validate(), .reconcile(), ... and __all__: one per step with a button, from the registry
    return getattr(_buttons, name)


def __dir__() -> list[str]:
    return dir(_buttons)

