"""The committed sample workbook: exact contents, determinism, and the demo command."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from pandas.api.types import pandas_dtype

import omxl
from conftest import SAMPLE
from omxl.cli import cli
from omxl.demo import demo_defects, write_demo
from omxl.model import DTYPES, TABLE_BY_NAME

pytestmark = pytest.mark.core

READ_CODES = {"blank-row", "ambiguous-date", "normalized-value", "type-error", "error-cell", "unknown-column",
              "duplicate-column"}


def test_sample_reads_with_exact_row_counts_and_dtypes():
    book = omxl.read_book(SAMPLE)
    assert {name: len(frame) for name, frame in book.tables.items()} == {
        "orders": 3000, "inventory": 398, "suppliers": 31, "customers": 150, "shipments": 2847,
        "purchase_orders": 65, "returns": 41, "carriers": 0, "invoices": 0, "payments": 0,
    }
    for name, frame in book.tables.items():
        for column in TABLE_BY_NAME[name].columns:
            # Equal as dtypes, so text must have the model's storage too, with or without pyarrow.
            assert frame[column.name].dtype == pandas_dtype(DTYPES[column.kind]), (name, column.name)
        assert str(frame["row"].dtype) == "int64"
    assert book.layout.set_index("sheet").loc["Orders", "header_row"] == 4
    assert book.layout.set_index("sheet").loc["Inventory", "matched_by"] == "Excel table 'Stock'"


def test_reading_finds_every_reading_defect_of_the_manifest():
    book = omxl.read_book(SAMPLE)
    manifest = demo_defects()
    expected = sorted(map(tuple, manifest.loc[manifest["code"].isin(READ_CODES), ["code", "sheet", "cell"]].values))
    found = sorted(map(tuple, book.findings[["code", "sheet", "cell"]].values))
    assert found == expected
    assert len(expected) == 11


def test_some_exact_values():
    book = omxl.read_book(SAMPLE)
    orders = book.orders.set_index("row")
    assert orders.loc[2960, "qty"] == 1200.0                    # typed as the text "1,200"
    assert orders.loc[2964, "sku"] == "SKU-80317"                 # trailing non-breaking space removed
    assert orders.loc[2962, "customer_id"] == "C-2803"            # surrounding spaces removed
    assert orders["order_date"].max().strftime("%Y-%m-%d") >= "2026-11-27"
    assert set(orders["status"].dropna()) == {"open", "on_hold", "cancelled", "closed"}


def test_committed_sample_is_what_the_demo_command_writes(tmp_path):
    out = tmp_path / "sample.xlsx"
    result = CliRunner().invoke(cli, ["demo", "--out", str(out)])
    assert result.exit_code == 0
    assert result.output.strip() == f"Wrote {out} (3,000 order lines, seed 7, as of 2026-11-27)."
    assert out.read_bytes() == SAMPLE.read_bytes(), "regenerate with: omxl demo --out workbooks/sample.xlsx"


def test_demo_is_deterministic_per_seed_and_sized_by_lines(tmp_path):
    first = write_demo(tmp_path / "a.xlsx", seed=3, lines=400)
    second = write_demo(tmp_path / "b.xlsx", seed=3, lines=400)
    other = write_demo(tmp_path / "c.xlsx", seed=4, lines=400)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert len(omxl.read_book(first).orders) == 400


def test_demo_rejects_too_few_lines(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--out", str(tmp_path / "x.xlsx"), "--lines", "10"])
    assert result.exit_code == 2
    assert "10 is not in the range x>=200" in result.output


def test_every_table_of_the_model_is_an_attribute_of_the_book():
    from omxl.model import TABLE_NAMES

    book = omxl.read_book(SAMPLE)
    for name in TABLE_NAMES:
        assert getattr(book, name) is book.tables[name]
