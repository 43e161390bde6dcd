"""The public API: one `__all__`, and every exception a public function raises on purpose exported with it."""

from __future__ import annotations

import importlib
import pkgutil
import warnings

import pandas as pd
import pytest

import omxl
from omxl.errors import OmxlError

from conftest import SAMPLE

pytestmark = pytest.mark.core

# Raised and caught inside the Excel front door: the buttons show their text in the Control sheet's status cell,
# so no caller of a public function ever sees them.
# WorkbookPathError: xlwings cannot find the open workbook's file (OneDrive, SharePoint); the buttons say so.
CAUGHT_BY_THE_BUTTONS = {"ActionError", "SheetExistsError", "WorkbookPathError"}


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
        # __main__ runs the command line; the xlwings adapter defines no error of its own; omxl.templates is the
        # deprecated name of omxl.render
        if not module.name.endswith("__main__") and module.name not in ("omxl.excel.xlwings_adapter",
                                                                         "omxl.templates"):
            importlib.import_module(module.name)
    raised = {kind.__name__ for kind in _subclasses(OmxlError) if kind.__module__.startswith("omxl.")}
    assert raised - CAUGHT_BY_THE_BUTTONS <= set(omxl.__all__)
    assert {"OutputError", "MailError", "FileLockedError", "WriteError", "WriteBackError", "HistoryError",
            "TemplateError", "VbaProjectError", "ConfigError", "SourceError", "NoTablesError"} <= raised
    assert all(issubclass(getattr(omxl, name), OmxlError) for name in raised - CAUGHT_BY_THE_BUTTONS)


def _warnings_of(action) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = action()
    return result, [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)]


def test_renamed_names_warn_once_and_work(monkeypatch):
    from omxl import deprecation
    from omxl.validation import issue_counts, summary

    monkeypatch.setattr(deprecation, "_WARNED", set())
    book = omxl.read_book(SAMPLE)
    tables, said = _warnings_of(book.summary)
    assert said == ["Book.summary() is now Book.tables_read(); the old name goes in the next release"]
    pd.testing.assert_frame_equal(tables, book.tables_read())
    assert _warnings_of(book.summary)[1] == []            # once per process
    issues = omxl.validate(book, as_of="2026-11-27")
    counts, said = _warnings_of(lambda: summary(issues))
    assert said == ["omxl.validation.summary() is now omxl.validation.issue_counts(); the old name goes in the "
                    "next release"]
    pd.testing.assert_frame_equal(counts, issue_counts(issues))
    assert _warnings_of(lambda: summary(issues))[1] == []


def test_the_old_template_package_name_warns_once_and_works(monkeypatch):
    import importlib
    import sys

    from omxl import deprecation

    monkeypatch.setattr(deprecation, "_WARNED", set())
    monkeypatch.delitem(sys.modules, "omxl.templates", raising=False)
    module, said = _warnings_of(lambda: importlib.import_module("omxl.templates"))
    assert said == ["omxl.templates is now omxl.render (render_template, TemplateError); the old name goes in the "
                    "next release"]
    assert module.render_template is omxl.render_template and module.TemplateError is omxl.TemplateError
    monkeypatch.delitem(sys.modules, "omxl.templates")
    assert _warnings_of(lambda: importlib.import_module("omxl.templates"))[1] == []


def test_the_destination_goes_last_and_the_old_order_warns_once_and_works(monkeypatch, tmp_path):
    from omxl import deprecation

    monkeypatch.setattr(deprecation, "_WARNED", set())
    frame = pd.DataFrame({"sku": ["A", "=1+2"], "qty": [3, 4]})
    assert omxl.save_csv(frame, tmp_path / "new.csv") == tmp_path / "new.csv"
    path, said = _warnings_of(lambda: omxl.save_csv(tmp_path / "old.csv", frame))
    assert said == ["save_csv(path, ...) is now save_csv(..., out): what is written first, the destination last; "
                    "the old name goes in the next release"]
    assert path == tmp_path / "old.csv"
    assert (tmp_path / "old.csv").read_bytes() == (tmp_path / "new.csv").read_bytes()
    assert _warnings_of(lambda: omxl.save_csv(tmp_path / "old.csv", frame))[1] == []
    book, said = _warnings_of(lambda: omxl.save_workbook(tmp_path / "old.xlsx", {"Lines": frame}))
    assert book == tmp_path / "old.xlsx" and len(said) == 1
    assert pd.read_excel(book, sheet_name="Lines", engine="openpyxl")["qty"].tolist() == [3, 4]


def test_the_old_no_orders_error_name_warns_once_and_is_no_tables_error(monkeypatch):
    from omxl import deprecation

    monkeypatch.setattr(deprecation, "_WARNED", set())
    kind, said = _warnings_of(lambda: omxl.NoOrdersError)
    assert said == ["omxl.NoOrdersError is now omxl.NoTablesError; the old name goes in the next release"]
    assert kind is omxl.NoTablesError
    assert _warnings_of(lambda: omxl.NoOrdersError)[1] == []
    assert "NoOrdersError" not in omxl.__all__
