"""The public API: one `__all__`, and every exception a public function raises on purpose exported with it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import omxl
from omxl.errors import OmxlError

pytestmark = pytest.mark.core

# Raised and caught inside the Excel front door: the buttons show their text in the Control sheet's status cell,
# so no caller of a public function ever sees them.
CAUGHT_BY_THE_BUTTONS = {"ActionError", "SheetExistsError"}


def _subclasses(kind: type) -> set[type]:
    found = set(kind.__subclasses__())
    return found | {deeper for sub in found for deeper in _subclasses(sub)}


def test_every_name_in_all_exists_and_star_import_gives_them():
    namespace: dict[str, object] = {}
    exec("from omxl import *", namespace)
    assert sorted(set(namespace) - {"__builtins__"}) == sorted(omxl.__all__)
    assert len(omxl.__all__) == len(set(omxl.__all__))


def test_every_error_a_public_function_raises_is_exported():
    for module in pkgutil.walk_packages(omxl.__path__, "omxl."):
        # __main__ runs the command line; the xlwings adapter defines no error of its own
        if not module.name.endswith("__main__") and module.name != "omxl.excel.xlwings_adapter":
            importlib.import_module(module.name)
    raised = {kind.__name__ for kind in _subclasses(OmxlError) if kind.__module__.startswith("omxl.")}
    assert raised - CAUGHT_BY_THE_BUTTONS <= set(omxl.__all__)
    assert {"OutputError", "MailError", "FileLockedError", "WriteError", "WriteBackError", "HistoryError",
            "TemplateError", "VbaProjectError", "ConfigError", "SourceError", "NoOrdersError"} <= raised
    assert all(issubclass(getattr(omxl, name), OmxlError) for name in raised - CAUGHT_BY_THE_BUTTONS)
