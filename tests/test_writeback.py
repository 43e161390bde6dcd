"""write_back leaves everything the user had exactly as it was, and adds only omxl's sheets."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine

import omxl
from conftest import SAMPLE, convert_with_libreoffice
from omxl.io.save.atomic import FileLockedError, backups_of
from omxl.io.xlsx.writeback import WriteBackError, write_back
from rich_workbooks import build_pivot, build_rich, members, quickstart_xlsm

OWNED_BY_MERGE = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}

RESULT = pd.DataFrame({
    "code": ["type-error", "constraint-error", "duplicate-key"],
    "qty": [3, -1.5, 1200],
    "due": pd.to_datetime(["2026-11-27", "2026-12-01", None]),
    "note": ["=HYPERLINK(\"http://x\",\"y\")", "Müller & Söhne <GmbH>", None],
    "flag": pd.array([True, False, None], dtype="boolean"),
})


@pytest.fixture(scope="module")
def originals(tmp_path_factory):
    folder = tmp_path_factory.mktemp("originals")
    built = {
        "rich.xlsx": build_rich(folder / "rich.xlsx"),
        "macro.xlsm": build_rich(folder / "macro.xlsm", macros=True),
        "quickstart.xlsm": Path(shutil.copy(quickstart_xlsm(), folder / "quickstart.xlsm")),
        "pivot.xlsx": build_pivot(folder / "pivot.xlsx"),
        "sample.xlsx": Path(shutil.copy(SAMPLE, folder / "sample.xlsx")),
    }
    return built


def copy_of(originals, name, tmp_path) -> Path:
    return Path(shutil.copy(originals[name], tmp_path / name))


def elements(xml: str, tag: str) -> list[str]:
    return re.findall(rf"<{tag}\b[^>]*?/>|<{tag}\b[^>]*?>.*?</{tag}>", xml, flags=re.S)


def list_items(xml: str, list_tag: str, item_tag: str) -> list[str]:
    block = re.search(rf"<{list_tag}\b[^>]*>(.*?)</{list_tag}>", xml, flags=re.S)
    return elements(block.group(1), item_tag) if block else []


@pytest.mark.parametrize("name", ["rich.xlsx", "macro.xlsm", "quickstart.xlsm", "pivot.xlsx", "sample.xlsx"])
def test_every_part_omxl_does_not_own_is_byte_identical(name, originals, tmp_path):
    path = copy_of(originals, name, tmp_path)
    before = members(path)
    write_back(path, {"Issues": RESULT})
    after = members(path)
    new_parts = set(after) - set(before)
    assert len(new_parts) == 1 and re.fullmatch(r"xl/worksheets/sheet\d+\.xml", new_parts.pop())
    assert set(before) <= set(after)
    for member, data in before.items():
        if member not in OWNED_BY_MERGE:
            assert after[member] == data, f"{member} changed"
    # The parts omxl edits keep every entry they had, at the same place.
    old_wb, new_wb = before["xl/workbook.xml"].decode(), after["xl/workbook.xml"].decode()
    for tag in ("sheet", "definedName", "pivotCache", "workbookView", "calcPr"):
        assert all(e in new_wb for e in elements(old_wb, tag)), tag
    old_types, new_types = before["[Content_Types].xml"].decode(), after["[Content_Types].xml"].decode()
    assert all(e in new_types for e in elements(old_types, "Override") + elements(old_types, "Default"))
    old_rels = before["xl/_rels/workbook.xml.rels"].decode()
    assert all(e in after["xl/_rels/workbook.xml.rels"].decode() for e in elements(old_rels, "Relationship"))
    old_styles, new_styles = before["xl/styles.xml"].decode(), after["xl/styles.xml"].decode()
    for list_tag, item in (("fonts", "font"), ("fills", "fill"), ("cellXfs", "xf"), ("numFmts", "numFmt")):
        old_items = list_items(old_styles, list_tag, item)
        assert list_items(new_styles, list_tag, item)[:len(old_items)] == old_items, list_tag
    assert new_styles.split("<cellXfs")[0].startswith(old_styles.split("<numFmts")[0].split("<fonts")[0])


@pytest.mark.parametrize("name", ["rich.xlsx", "macro.xlsm", "pivot.xlsx"])
def test_libreoffice_opens_the_result_and_reads_the_new_sheet(name, originals, tmp_path):
    path = copy_of(originals, name, tmp_path)
    write_back(path, {"Issues": RESULT})
    ods = convert_with_libreoffice(path, "ods", tmp_path)
    with calamine.CalamineWorkbook.from_path(str(ods)) as book:
        assert "omxl Issues" in book.sheet_names
        rows = book.get_sheet_by_name("omxl Issues").to_python()
        if name == "pivot.xlsx":
            # LibreOffice recomputes the pivot table from its cache (and names the total its own way).
            pivot = [row[3:5] for row in book.get_sheet_by_name("Sales").to_python()[1:4]]
            assert pivot == [["East", 50.0], ["West", 25.0], ["Total Result", 75.0]]
    assert rows[0] == ["code", "qty", "due", "note", "flag"]
    assert rows[1][:4] == ["type-error", 3.0, pd.Timestamp("2026-11-27").date(), "=HYPERLINK(\"http://x\",\"y\")"]
    assert rows[2][:4] == ["constraint-error", -1.5, pd.Timestamp("2026-12-01").date(), "Müller & Söhne <GmbH>"]
    assert rows[3][:3] == ["duplicate-key", 1200.0, ""]
    assert [r[4] for r in rows[1:]] == [True, False, ""]


@pytest.mark.parametrize("name", ["rich.xlsx", "quickstart.xlsm", "sample.xlsx"])
def test_writing_twice_leaves_the_same_parts_as_once(name, originals, tmp_path):
    once = copy_of(originals, name, tmp_path)
    write_back(once, {"Issues": RESULT, "Orders": RESULT.head(1)})
    twice_folder = tmp_path / "twice"
    twice_folder.mkdir()
    twice = Path(shutil.copy(originals[name], twice_folder / name))
    write_back(twice, {"Issues": RESULT.head(2), "Orders": RESULT})
    write_back(twice, {"Issues": RESULT, "Orders": RESULT.head(1)})
    assert members(twice) == members(once)
    assert twice.stat().st_size == once.stat().st_size


def test_replacing_a_sheet_keeps_its_place_and_id(originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    write_back(path, {"Issues": RESULT})
    first = members(path)["xl/workbook.xml"].decode()
    write_back(path, {"Issues": RESULT.head(1)})
    second = members(path)["xl/workbook.xml"].decode()
    assert elements(first, "sheet") == elements(second, "sheet")
    assert second.count('name="_omxl_result"') == 1
    assert "'omxl Issues'!$A$1:$E$2</definedName>" in second


def test_new_sheet_is_read_back_by_omxl_as_a_result_not_as_input(originals, tmp_path):
    path = copy_of(originals, "sample.xlsx", tmp_path)
    orders = omxl.read_book(path).orders
    write_back(path, {"Orders copy": orders.head(20)})
    book = omxl.read_book(path)
    assert len(book.orders) == 3000
    assert book.layout.set_index("sheet").loc["omxl Orders copy", "note"] == "omxl result sheet, skipped"


def test_a_users_sheet_of_the_same_name_is_never_replaced(originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    before = path.read_bytes()
    with pytest.raises(WriteBackError) as caught:
        write_back(path, {"Data": RESULT}, config={"sheet_prefix": ""})
    assert str(caught.value) == (
        "rich.xlsx: a sheet named 'Data' already exists and was not written by omxl, so it is left alone and "
        "nothing was changed. Rename that sheet, or set a different sheet_prefix in omxl.toml with a line such "
        "as:\nsheet_prefix = \"omxl2 \"")
    assert path.read_bytes() == before
    assert backups_of(path) == []


def test_backups_are_timestamped_and_the_last_five_kept(originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    original = path.read_bytes()
    for n in range(7):
        write_back(path, {"Issues": RESULT.head(1 + n % 3)})
    backups = backups_of(path)
    assert len(backups) == 5
    assert all(re.fullmatch(r"rich\.\d{8}-\d{6}-\d{6}\.xlsx", b.name) for b in backups)
    assert backups[0].parent.name == "omxl-backups"
    assert original not in [b.read_bytes() for b in backups]   # the oldest two were pruned
    first_backup_of_run = tmp_path / "again.xlsx"
    shutil.copy(originals["rich.xlsx"], first_backup_of_run)
    write_back(first_backup_of_run, {"Issues": RESULT})
    assert backups_of(first_backup_of_run)[0].read_bytes() == original


def test_no_backup_when_asked(originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    write_back(path, {"Issues": RESULT}, backup=False)
    assert backups_of(path) == []


def test_file_open_in_excel_is_refused_and_left_unchanged(originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    (tmp_path / "~$rich.xlsx").write_bytes(b"\x08owner")
    before = path.read_bytes()
    with pytest.raises(FileLockedError) as caught:
        write_back(path, {"Issues": RESULT})
    assert str(caught.value) == ("rich.xlsx is open in Excel (lock file ~$rich.xlsx). Close it in Excel and run "
                                 "again; nothing was changed.")
    assert path.read_bytes() == before
    assert backups_of(path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rich.xlsx", "~$rich.xlsx"]


def test_file_locked_by_another_program_is_refused(originals, tmp_path, monkeypatch):
    """On Windows a file Excel holds open cannot be opened for writing: PermissionError. Simulated here
    for that one path, since this machine has neither Windows share locks nor a non-root user."""
    import builtins

    path = copy_of(originals, "rich.xlsx", tmp_path)
    before = path.read_bytes()
    real_open = builtins.open

    def locked_open(file, mode="r", *args, **kwargs):
        if Path(file) == path and any(flag in mode for flag in "wa+"):
            raise PermissionError(13, "The process cannot access the file", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", locked_open)
    with pytest.raises(FileLockedError) as caught:
        write_back(path, {"Issues": RESULT})
    assert str(caught.value) == (
        "rich.xlsx cannot be written (permission denied: it may be open in another program or read-only). "
        "Close it or check its permissions and run again; nothing was changed.")
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert backups_of(path) == []


def test_protected_workbook_structure_is_refused(originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    with zipfile.ZipFile(path) as archive:
        parts = {i: archive.read(i.filename) for i in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts.items():
            if info.filename == "xl/workbook.xml":
                data = data.replace(b"<bookViews>", b'<workbookProtection lockStructure="1"/><bookViews>')
            archive.writestr(info, data)
    before = path.read_bytes()
    with pytest.raises(WriteBackError) as caught:
        write_back(path, {"Issues": RESULT})
    assert "the workbook's structure is protected" in str(caught.value)
    assert path.read_bytes() == before


@pytest.mark.parametrize("kind", ["ods", "csv"])
def test_only_xlsx_and_xlsm_take_results(kind, originals, tmp_path):
    source = convert_with_libreoffice(copy_of(originals, "pivot.xlsx", tmp_path), kind, tmp_path)
    with pytest.raises(WriteBackError) as caught:
        write_back(source, {"Issues": RESULT})
    assert str(caught.value).startswith(f"{source.name}: omxl writes results into .xlsx and .xlsm workbooks only, "
                                        f"and this is a {kind} file.")


@pytest.mark.parametrize("bad", ["Is:sues", "a/b", "[x]", "'quoted'"])
def test_bad_sheet_names_are_refused(bad, originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    with pytest.raises(WriteBackError):
        write_back(path, {bad: RESULT}, config={"sheet_prefix": ""})


def test_long_names_are_cut_to_excels_31_characters(originals, tmp_path):
    path = copy_of(originals, "rich.xlsx", tmp_path)
    write_back(path, {"Purchase order drafts by supplier": RESULT})
    with calamine.CalamineWorkbook.from_path(str(path)) as book:
        assert "omxl Purchase order drafts by s" in book.sheet_names


def test_a_workbook_that_declares_the_relationship_prefix_on_each_sheet_stays_well_formed(tmp_path):
    # openpyxl 3.1.5 declares xmlns:r on every <sheet>, not on <workbook>: the new sheet entry declares it too.
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Orders"
    book.active.append(["order_id", "sku", "qty"])
    book.save(tmp_path / "mine.xlsx")
    write_back(tmp_path / "mine.xlsx", {"Issues": pd.DataFrame({"code": ["V001"]})}, backup=False)
    with zipfile.ZipFile(tmp_path / "mine.xlsx") as archive:
        workbook = archive.read("xl/workbook.xml").decode("utf-8")
    assert re.findall(r"<sheet\b[^>]*>", workbook)[-1] == (
        '<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" name="omxl Issues" '
        'sheetId="2" r:id="rId4"/>')
    assert openpyxl.load_workbook(tmp_path / "mine.xlsx").sheetnames == ["Orders", "omxl Issues"]
