"""--write-back into a workbook open in Excel is refused before anything is read or written: no --out file, no
marked copy, no purchase-order drafts, no backup, no run in the history. The save checks the lock again, for a
lock that appears while omxl works."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import python_calamine as calamine
from click.testing import CliRunner

from conftest import SAMPLE
from omxl.cli import cli
from omxl.io.save.atomic import FileLockedError, backups_of, check_not_locked
from omxl.reporting import History

AS_OF = "2026-11-27"
LOCKED = ("omxl: orders.xlsx is open in Excel (lock file ~$orders.xlsx). Close it in Excel and run again; "
          "nothing was changed.")


def locked_book(folder: Path) -> Path:
    """tmp/locked/orders.xlsx with Excel's lock file ~$orders.xlsx beside it (Excel writes the user's name)."""
    (folder / "locked").mkdir()
    path = folder / "locked" / "orders.xlsx"
    shutil.copy(SAMPLE, path)
    (folder / "locked" / "~$orders.xlsx").write_bytes(b"\x05owner")
    return path


def invoke(folder: Path, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.chdir(folder)
    return CliRunner().invoke(cli, [*args, "--quiet"], env={"COLUMNS": "200"})


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("command", [
    ("read", "locked/orders.xlsx", "--write-back", "--out", "x.xlsx"),
    ("validate", "locked/orders.xlsx", "--as-of", AS_OF, "--write-back", "--out", "x.xlsx", "--mark", "m.xlsx"),
    ("reconcile", "locked/orders.xlsx", "--as-of", AS_OF, "--write-back", "--out", "x.xlsx", "--mark", "m.xlsx"),
    ("reorder", "locked/orders.xlsx", "--as-of", AS_OF, "--write-back", "--out", "x.xlsx", "--po-dir", "drafts"),
    ("weekly", "locked/orders.xlsx", "--as-of", AS_OF, "--write-back", "--out", "w2.xlsx"),
], ids=lambda command: command[0])
def test_write_back_into_a_locked_workbook_writes_nothing(tmp_path, monkeypatch, command):
    book = locked_book(tmp_path)
    result = invoke(tmp_path, monkeypatch, *command)
    assert result.exit_code == 2
    assert result.stdout == ""   # refused before reading: no figures printed for a run that wrote nothing
    assert result.stderr.strip() == LOCKED
    assert files_under(tmp_path) == ["locked", "locked/orders.xlsx", "locked/~$orders.xlsx"]
    assert book.read_bytes() == SAMPLE.read_bytes()


def test_weekly_into_a_locked_workbook_leaves_an_existing_history_as_it_was(tmp_path, monkeypatch):
    book = locked_book(tmp_path)
    (tmp_path / "locked" / "~$orders.xlsx").unlink()
    first = invoke(tmp_path, monkeypatch, "weekly", "locked/orders.xlsx", "--as-of", "2026-11-20", "--out", "w1.xlsx")
    assert first.exit_code == 1   # the sample's deliberate data errors
    history = tmp_path / "omxl-history.sqlite"
    recorded = history.read_bytes()
    (tmp_path / "locked" / "~$orders.xlsx").write_bytes(b"\x05owner")

    result = invoke(tmp_path, monkeypatch, "weekly", "locked/orders.xlsx", "--as-of", AS_OF, "--write-back",
                    "--out", "w2.xlsx")
    assert result.exit_code == 2
    assert result.stderr.strip() == LOCKED
    assert list(History(history).runs()["as_of"]) == [pd.Timestamp("2026-11-20")]
    assert history.read_bytes() == recorded
    assert files_under(tmp_path) == ["locked", "locked/orders.xlsx", "locked/~$orders.xlsx", "omxl-history.sqlite",
                                     "w1.xlsx"]
    assert book.read_bytes() == SAMPLE.read_bytes()


def test_weekly_write_back_without_a_lock_writes_and_records(tmp_path, monkeypatch):
    book = locked_book(tmp_path)
    (tmp_path / "locked" / "~$orders.xlsx").unlink()
    result = invoke(tmp_path, monkeypatch, "weekly", "locked/orders.xlsx", "--as-of", AS_OF, "--write-back",
                    "--out", "w2.xlsx")
    assert result.exit_code == 1   # the sample's deliberate data errors; everything is written
    assert (tmp_path / "w2.xlsx").is_file()
    assert list(History(tmp_path / "omxl-history.sqlite").runs()["as_of"]) == [pd.Timestamp(AS_OF)]
    assert len(backups_of(book)) == 1
    with calamine.CalamineWorkbook.from_path(str(book)) as written:
        assert {"omxl Summary", "omxl KPIs"} <= set(written.sheet_names)


def test_a_lock_that_appears_during_the_run_still_refuses_the_write_back(tmp_path, monkeypatch):
    """Excel may open the workbook after the check before reading: the save checks again and changes nothing."""
    import omxl.cli.steps

    book = locked_book(tmp_path)
    lock = tmp_path / "locked" / "~$orders.xlsx"
    lock.unlink()
    real_run = omxl.cli.steps.run_step

    def opened_in_excel_meanwhile(*args, **kwargs):
        lock.write_bytes(b"\x05owner")
        return real_run(*args, **kwargs)

    monkeypatch.setattr(omxl.cli.steps, "run_step", opened_in_excel_meanwhile)
    result = invoke(tmp_path, monkeypatch, "reconcile", "locked/orders.xlsx", "--as-of", AS_OF, "--write-back")
    assert result.exit_code == 2
    assert result.stderr.strip() == LOCKED
    assert book.read_bytes() == SAMPLE.read_bytes()
    assert files_under(tmp_path) == ["locked", "locked/orders.xlsx", "locked/~$orders.xlsx"]


def test_check_not_locked_knows_the_shortened_lock_name_of_long_names(tmp_path):
    path = tmp_path / "weekly-orders.xlsx"
    path.write_bytes(b"book")
    check_not_locked(path)
    check_not_locked(tmp_path / "not-there.xlsx")   # a missing file is for the reader to report
    (tmp_path / "~$ekly-orders.xlsx").write_bytes(b"\x05owner")
    with pytest.raises(FileLockedError) as caught:
        check_not_locked(path)
    assert str(caught.value) == ("weekly-orders.xlsx is open in Excel (lock file ~$ekly-orders.xlsx). Close it in "
                                 "Excel and run again; nothing was changed.")
