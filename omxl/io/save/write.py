"""Writers for new files: result workbooks, CSV, JSON, and the XlsxWriter factory.

Every writer goes through atomic_save (temp file, verify, backup, replace) and
the text-safety rules of omxl.io.safety.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import io
import json
import math
import os
import zipfile
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ...deprecation import warn_renamed
from ..safety import csv_safe
from ..xlsx import theme
from ..xlsx.sheetxml import ResultSheet, as_result
from ..xlsx.writeback import merge_result_sheets, save_verified, sheet_name, write_result_sheets
from .atomic import atomic_save, check_destination, verify_text


# The smallest package a spreadsheet program opens without repair: no sheets yet (merge_result_sheets adds them);
# a workbook, its styles, a theme (Excel expects one in every workbook: omxl/io/xlsx/theme.py) and the core
# properties.
_EMPTY_PACKAGE = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f'<Override PartName="/{theme.PART}" ContentType="{theme.CONTENT_TYPE}"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>"),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/>'
        "</Relationships>"),
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>omxl</dc:creator></cp:coreProperties>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<bookViews><workbookView/></bookViews><sheets></sheets><calcPr calcId="191029"/></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
        'Target="styles.xml"/>'
        f'<Relationship Id="rId2" Type="{theme.RELATIONSHIP_TYPE}" Target="theme/theme1.xml"/>'
        "</Relationships>"),
    "xl/styles.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
        "</fill></fills>"
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"),
    theme.PART: theme.OFFICE_THEME,
}


# Where the destination goes (docs/safe-output.md): a function that writes a new file takes what it writes first
# and the destination last, as `out` (render_template(template, context, out), excel_setup(path, out=...),
# save_workbook(sheets, out), save_csv(frame, out), save_json(frame, out)); one that changes a file the user has
# takes that file first (write_back(path, sheets)).

def _written_then_out(name: str, what: object, out: object, kinds: tuple[type, ...]) -> tuple[object, object]:
    """(what, out), also from the order of the last release, (out, what), which says it is deprecated once."""
    if isinstance(what, (str, os.PathLike)) and isinstance(out, kinds):
        warn_renamed(f"{name}(path, ...)", f"{name}(..., out): what is written first, the destination last")
        return out, what
    return what, out


def save_workbook(sheets: Mapping[str, "pd.DataFrame | ResultSheet"], out: str | os.PathLike,
                  *, backup: bool = True) -> Path:
    """Write `sheets` (name -> table) as a new .xlsx at `out`, atomically, with the same cell writer as
    write_back."""
    sheets, out = _written_then_out("save_workbook", sheets, out, (Mapping,))
    if not sheets:
        raise ValueError("save_workbook needs at least one sheet")
    target = check_destination(out)
    named = _named(sheets)
    # Written into the file as it is made (write_result_sheets): a 390,000-row sheet is never held whole.
    return save_verified(target, lambda handle: write_result_sheets(_empty_package(), named, target.name, handle),
                         named, backup=backup)


def new_workbook(sheets: Mapping[str, "pd.DataFrame | ResultSheet"],
                 file_name: str) -> tuple[bytes, dict[str, ResultSheet]]:
    """The .xlsx package of a new workbook holding `sheets` (not yet saved), and the sheets by their names in it,
    which the save verifies: the chart writer's (omxl/io/save/charts.py) before it adds its charts."""
    named = _named(sheets)
    data, _ = merge_result_sheets(_empty_package(), named, file_name)
    return data, named


def _empty_package() -> bytes:
    blank = io.BytesIO()
    with zipfile.ZipFile(blank, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _EMPTY_PACKAGE.items():
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return blank.getvalue()


def _named(sheets: Mapping[str, "pd.DataFrame | ResultSheet"]) -> dict[str, ResultSheet]:
    """The sheets by the names they get in the new workbook, keeping only the links between them."""
    named = {sheet_name("", name): as_result(frame) for name, frame in sheets.items()}
    return {name: _links_within(sheet, set(named)) for name, sheet in named.items()}


def _links_within(sheet: object, names: set[str]) -> object:
    """`sheet` keeping only the links to sheets of the new workbook: a link to a cell of the source workbook
    (an issue's cell on 'Orders') would point nowhere there."""
    if not isinstance(sheet, ResultSheet) or not sheet.links:
        return sheet
    kept = {}
    for column, targets in sheet.links.items():
        text = targets.fillna("").astype(str)
        target_sheet = text.str.extract(r"^'?(.*?)'?!", expand=False).str.replace("''", "'", regex=False)
        inside = target_sheet.isin(names)
        if inside.any():
            kept[column] = text.where(inside, "")
    return dataclasses.replace(sheet, links=kept)


def save_csv(frame: pd.DataFrame, out: str | os.PathLike, *, backup: bool = True) -> Path:
    """Write `frame` to `out` as UTF-8 CSV (with BOM, so Excel reads accents right), formula-like text
    neutralised."""
    frame, out = _written_then_out("save_csv", frame, out, (pd.DataFrame,))
    target = check_destination(out)
    with atomic_save(target, verify=verify_text, backup=backup) as temp:
        csv_safe(frame).to_csv(temp, index=False, encoding="utf-8-sig", date_format="%Y-%m-%d")
    return target


def save_json(frame: pd.DataFrame, out: str | os.PathLike, *, backup: bool = True) -> Path:
    """Write `frame` to `out` as a JSON list of records (json_records), UTF-8, atomically."""
    frame, out = _written_then_out("save_json", frame, out, (pd.DataFrame,))
    target = check_destination(out)
    text = json.dumps(json_records(frame), indent=2, ensure_ascii=False, allow_nan=False)
    with atomic_save(target, verify=_verify_json, backup=backup) as temp:
        temp.write_text(text + "\n", encoding="utf-8")
    return target


def json_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """`frame` as a list of JSON-safe records: blanks (NaN, NaT, NA, None) as null, dates as ISO text
    ("2026-11-27", with the time only when there is one), numpy numbers and booleans as plain ones."""
    columns = {str(name): _json_column(frame.iloc[:, position]) for position, name in enumerate(frame.columns)}
    return [dict(zip(columns, values)) for values in zip(*columns.values())] if columns else [{} for _ in range(len(frame))]


def _json_column(values: pd.Series) -> list[Any]:
    blank = values.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        present = values[~blank]
        dates_only = present.dt.tz is None and bool((present == present.dt.normalize()).all())
        text = values.dt.strftime("%Y-%m-%d") if dates_only else values.map(
            lambda v: None if pd.isna(v) else v.isoformat())
        return [None if b else t for b, t in zip(blank, text.tolist())]
    return [None if b else _json_value(v) for b, v in zip(blank, values.tolist())]


def _json_value(value: Any) -> Any:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.tzinfo is None and value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return pd.Timedelta(value).isoformat()
    if isinstance(value, (list, tuple, set)):
        return [None if _is_blank(v) else _json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): None if _is_blank(v) else _json_value(v) for k, v in value.items()}
    return str(value)


def _is_blank(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _verify_json(path: Path) -> None:
    json.loads(path.read_text(encoding="utf-8"))


def xlsx_workbook(path: str | os.PathLike, **options: object):
    """An XlsxWriter Workbook that never turns text into formulas or links (write() of '=x' stays text)."""
    import xlsxwriter  # imported on use (start-up time): only the PO drafts and the test books are written with it

    settings = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
                "nan_inf_to_errors": False, **options}
    return xlsxwriter.Workbook(str(path), settings)
