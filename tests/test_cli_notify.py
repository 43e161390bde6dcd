"""omxl notify on the command line (docs/notify.md): the files it writes, the summary it prints, where it keeps
the run history, and its exit codes; the result checked again through the library."""

from __future__ import annotations

import email
import re
from email import policy
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import ROOT
from notify_book import AS_OF, notify_book
from omxl.cli import cli
from omxl.reporting import History

SENDER = "Order desk <orders@shop.example>"


@pytest.fixture
def book_file(tmp_path) -> Path:
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        for name, table in notify_book().items():
            table.to_excel(writer, sheet_name=name.replace("_", " ").title(), index=False)
    return path


def run(*args: str):
    # Wide enough that the table keeps each outcome on one line.
    return CliRunner().invoke(cli, ["notify", *map(str, args), "--quiet"], env={"COLUMNS": "250"})


def test_writes_one_eml_per_recipient_and_lists_them(book_file, tmp_path):
    result = run(book_file, "--as-of", AS_OF, "--out-dir", tmp_path / "mail", "--from", SENDER)
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "mail").iterdir())
    assert names == ["customer-delay K1 Kaufhaus Nord.eml", "customer-delay K2 _script_alert(1)_script_.eml",
                     "customer-delay K3 Bob Bcc_ x@y.example.eml", "customer-delay K4 Corner Shop.eml",
                     "customer-delay K6.eml", "supplier-po S1 Euro Parts.eml", "supplier-po S2 Dollar Bolts.eml"]
    flat = " ".join(result.output.split())
    assert (f"7 recipients with news: 7 messages written into {tmp_path / 'mail'}, 3 of them without a usable "
            "e-mail address, 0 unchanged since last told (--force writes them too).") in flat
    for problem in ("written; no e-mail address", "written; not in the customers table, so no e-mail address"):
        assert problem in flat
    message = email.message_from_bytes((tmp_path / "mail" / "supplier-po S1 Euro Parts.eml").read_bytes(),
                                       policy=policy.default)
    assert str(message["From"]) == SENDER and str(message["To"]) == "Euro Parts <orders@europarts.example>"
    assert [a.get_filename() for a in message.iter_attachments()] == ["PO draft S1 Euro Parts EUR.xlsx",
                                                                     "PO draft S1 Euro Parts USD.xlsx"]
    # A dry run records nothing: the history beside the folder is not even made.
    assert not (tmp_path / "omxl-history.sqlite").exists()


def test_the_history_beside_the_folder_decides_who_is_written_to(book_file, tmp_path):
    from notify_book import notify_book as fresh
    import omxl

    history = History(tmp_path / "omxl-history.sqlite")   # where the command keeps it for --out-dir mail
    msgs = omxl.notify(omxl.read_book(fresh()), as_of=AS_OF, history=history)
    for key in msgs.messages.loc[msgs.messages["to"].notna(), "key"]:
        msgs.record_sent(msgs.email(key, sender=SENDER))   # what sending records
    result = run(book_file, "--as-of", AS_OF, "--out-dir", tmp_path / "mail")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "mail").iterdir()) == [
        "customer-delay K4 Corner Shop.eml", "customer-delay K6.eml", "supplier-po S2 Dollar Bolts.eml"]
    flat = " ".join(result.output.split())
    assert "4 unchanged since last told (--force writes them too)" in flat
    assert flat.count("unchanged since last told: not written") == 4
    forced = run(book_file, "--as-of", AS_OF, "--out-dir", tmp_path / "all", "--force")
    assert forced.exit_code == 0 and len(list((tmp_path / "all").iterdir())) == 7
    # --history names another file: nothing told there, so everyone is written to.
    other = run(book_file, "--as-of", AS_OF, "--out-dir", tmp_path / "other", "--history", tmp_path / "h2.sqlite")
    assert other.exit_code == 0 and len(list((tmp_path / "other").iterdir())) == 7


def test_a_bad_sender_stops_before_anything_is_written(book_file, tmp_path):
    result = run(book_file, "--as-of", AS_OF, "--out-dir", tmp_path / "mail", "--from", "orders at shop")
    assert result.exit_code == 2
    assert re.sub(r"\s+", " ", result.output).startswith("omxl: sender: 'orders at shop' is not one e-mail address")
    assert not (tmp_path / "mail").exists()


def test_an_unusable_out_dir_is_exit_2(book_file, tmp_path):
    result = run(book_file, "--as-of", AS_OF, "--out-dir", tmp_path / "no" / "such" / "mail")
    assert result.exit_code == 2 and result.output.startswith("omxl:")


def test_the_sample_has_errors_so_exit_1(tmp_path):
    result = run(ROOT / "workbooks" / "sample.xlsx", "--as-of", "2026-11-27", "--out-dir", tmp_path / "mail")
    assert result.exit_code == 1, result.output
    flat = " ".join(result.output.split())
    assert (f"110 recipients with news: 110 messages written into {tmp_path / 'mail'}, 3 of them without a usable "
            "e-mail address") in flat
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 110


def test_docs_page_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "notify.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    exec(compile(block, "notify.md", "exec"), {})
