"""One catalog of finding codes for every stage: every code a step can emit is in it and documented, and the
configuration's severities reach every stage."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import omxl
from conftest import SAMPLE
from omxl.findings import CATALOG, STAGES
from omxl.model import SPLITS
from omxl.config import CREDIT_LIMIT
from omxl.rules import RULES
from one_of_each import AS_OF, FIXTURES

pytestmark = pytest.mark.core

PACKAGE = Path(omxl.__file__).parent
# Every way a step names the code of a finding it emits: findings_frame("code", ...), row_findings("code", ...),
# message("code", ...), the rules table and the table splits (what a header without lines is, model.Split).
EMITTING_CALL = re.compile(r"\b(?:findings_frame|row_findings|message)\(\s*\"([a-z-]+)\"")


def emitted_codes() -> set[str]:
    # The built-in company rule is run by omxl/company_rules/checking.py under its code, like a [[rules]] entry.
    codes = {rule.code for rule in RULES} | {split.header_alone for split in SPLITS.values()} | {CREDIT_LIMIT}
    for path in PACKAGE.rglob("*.py"):
        codes |= set(EMITTING_CALL.findall(path.read_text(encoding="utf-8")))
    return codes


def test_every_code_a_step_emits_is_in_the_catalog_and_every_catalog_code_is_emitted():
    emitted = emitted_codes()
    assert emitted - set(CATALOG) == set()
    assert set(CATALOG) - emitted == set()
    # with item-without-stock (item master + stock lines), after-as-of, stock-after-as-of and stock-rolled-back
    # (point in time), the six billing codes (contract 4.7), the built-in credit limit (4.8) and unreadable-source
    # (a workbook of several units that could not be read, 4.9)
    assert len(emitted) == 46


def test_every_message_template_in_the_catalog_is_used():
    templated = {code for code, entry in CATALOG.items() if entry.template}
    called = set()
    for path in PACKAGE.rglob("*.py"):
        called |= set(re.findall(r"\bmessage\(\s*\"([a-z-]+)\"", path.read_text(encoding="utf-8")))
    assert templated == called
    assert {entry.stage for code, entry in CATALOG.items() if code in templated} == {"read"}


def test_every_code_is_on_the_generated_page_under_its_stage():
    page = (PACKAGE.parent / "docs" / "finding-codes.md").read_text(encoding="utf-8")
    sections = re.split(r"^## Stage `([a-z]+)`$", page, flags=re.M)
    by_stage = {sections[i]: re.findall(r"^\| `([a-z-]+)` \|", sections[i + 1], flags=re.M)
                for i in range(1, len(sections), 2)}
    assert list(by_stage) == list(STAGES)
    for code, entry in CATALOG.items():
        assert code in by_stage[entry.stage]


def test_codes_found_on_real_runs_are_catalogued_with_their_stage():
    book = omxl.read_book(SAMPLE)
    rec = omxl.reconcile(book, as_of="2026-11-27")
    issues = omxl.validate(omxl.read_book(FIXTURES / "one-of-each.xlsx"), as_of=AS_OF)
    for frame in (rec.issues, rec.exceptions, issues):
        stages = frame["code"].map({code: entry.stage for code, entry in CATALOG.items()})
        assert stages.notna().all()
        assert (frame["stage"] == stages).all()
    assert set(rec.exceptions["stage"]) == {"reconcile"}
    assert set(issues["stage"]) == {"read", "validate"}


def test_severities_switch_off_or_change_reconciliation_codes():
    book = omxl.read_book(SAMPLE)
    plain = omxl.reconcile(book, as_of="2026-11-27").exceptions
    assert (plain["code"] == "stockout").sum() == 4
    quiet = omxl.reconcile(book, as_of="2026-11-27",
                           config={"severities": {"stockout": "off", "po-overdue": "error"}}).exceptions
    assert "stockout" not in set(quiet["code"])
    assert len(quiet) == len(plain) - 4
    assert set(quiet.loc[quiet["code"] == "po-overdue", "severity"]) == {"error"}


def test_exceptions_cite_the_cell_of_the_row_they_come_from():
    import openpyxl

    exceptions = omxl.reconcile(omxl.read_book(SAMPLE), as_of="2026-11-27").exceptions
    negative = exceptions[exceptions["code"] == "negative-stock"]
    assert negative[["table", "sheet", "row", "column", "cell", "value", "sku", "ref"]].values.tolist() == [
        ["inventory", "Inventory", 5, "On Hand", "C5", "-4", "SKU-10179", "MAIN"]]
    sheet = openpyxl.load_workbook(SAMPLE, read_only=True)["Inventory"]
    header_row = next(r for r in range(1, 31) if sheet.cell(r, 3).value == "On Hand")
    assert (sheet.cell(header_row, 3).value, sheet["C5"].value) == ("On Hand", -4)
    assert (exceptions["cell"] != "").all()
