"""Results pinned by digest, so the environments with and without pyarrow are proven to agree.

scripts/test.sh runs these tests (marked core) once in an environment without pyarrow and once in one with
it; both compare against the same committed tests/result_digests.json (what is hashed, and how: see
tests/result_digests.py). After an intended change of results (a new column, a reworded message, another
quantity), regenerate the digests with one command from the repository root:

    python3 tests/result_digests.py --write

then check the concrete values asserted literally below, and commit both.
"""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

import omxl
from conftest import NORTHWIND
from northwind import northwind_lines
from result_digests import all_results, committed, current, digest, northwind_results

pytestmark = pytest.mark.core

REGENERATE = "if the change is intended, regenerate with `python3 tests/result_digests.py --write`"


@pytest.fixture(scope="module")
def results() -> dict[str, pd.DataFrame]:
    return all_results()


@pytest.mark.parametrize("name", sorted(committed()))
def test_result_digest_is_the_committed_one(results, name):
    assert current({name: results[name]})[name] == committed()[name], f"{name} changed; {REGENERATE}"


def test_every_result_has_a_committed_digest(results):
    assert sorted(results) == sorted(committed()), REGENERATE


def test_northwind_plan_values(results):
    lines = results["northwind plan lines"]
    assert dict(zip(lines["sku"], lines["order_qty"])) == {
        # Rule 3 without reorder_qty: reorder level - IP + d x 28 cover days, rounded up to whole units; d is SBA's
        # forecast for the products ordered in few of the 12 weeks (intermittent or lumpy), else the weekly mean.
        "1": 72.0, "2": 156.0, "64": 83.0, "35": 48.0, "43": 61.0, "51": 61.0, "60": 257.0, "7": 87.0,
        "13": 215.0, "16": 91.0, "77": 147.0, "30": 98.0, "49": 34.0, "54": 22.0, "57": 43.0, "70": 78.0,
    }
    assert list(lines["urgency"]) == ["critical"] * 10 + ["high"] * 6
    assert set(lines["rule"]) == {"reorder_point"}
    assert lines.loc[0, "explanation"] == ("IP -1 = on hand 39 + on order 0 - backlog 40 <= reorder point 10; "
                                           "order 72 = 10 - (-1) + 2.2/day x 28 cover days, rounded up to whole "
                                           "units = 72; intermittent demand, SBA")
    assert lines.loc[0, "order_by"] == pd.Timestamp("1998-05-06")
    drafts = results["northwind plan purchase orders"].set_index("supplier_id")
    assert len(drafts) == 13
    assert drafts.loc["1", ["supplier_name", "lines", "units"]].tolist() == ["Exotic Liquids", 2, 228.0]


def test_sample_pipeline_values(results):
    issues = results["sample validate issues"]
    # Info 7: the order line dated 2206 (a typo) is after as_of, so left out, with one `after-as-of` finding.
    assert issues["severity"].value_counts().to_dict() == {"error": 14, "warning": 9, "info": 7}
    lines = results["sample reconcile lines"]
    assert len(lines) == 2992 and int(lines["late"].sum()) == 64
    assert lines["status"].value_counts().to_dict() == {
        "delivered": 2448, "ready": 212, "cancelled": 93, "shipped": 83, "partially_allocated": 58,
        "backordered": 52, "on_hold": 24, "partially_shipped": 20, "closed": 2,
    }
    first = lines.iloc[0]
    assert (first["order_id"], first["sku"], first["status"], first["reason"]) == (
        "SO-260001", "SKU-61323", "delivered", "Delivered: all 5 shipped and delivered.")
    assert len(results["sample reconcile orders"]) == 1000
    assert results["sample reconcile exceptions"]["code"].value_counts().to_dict() == {
        "stockout": 4, "status-mismatch": 3, "po-overdue": 2, "over-shipment": 1, "shipment-without-order": 1,
        "shipment-sku-mismatch": 1, "shipment-on-cancelled-line": 1, "missing-tracking": 1, "negative-stock": 1,
        "po-over-receipt": 1, "return-exceeds-shipped": 1, "return-without-shipment": 1,
    }
    plan = results["sample plan lines"]
    # SKU-41464 orders 456, not 504: the 48 of the line dated 2206 are no backlog as of 2026-11-27.
    # Most of the sample's items sell in few weeks: SBA plans them (demand classes, contract 4.3).
    assert len(plan) == 240 and round(float(plan["order_value"].sum()), 2) == 915689.18
    assert plan.loc[0, ["sku", "order_qty", "urgency", "rule"]].tolist() == ["SKU-83270", 191.0, "critical", "computed"]
    assert plan.loc[0, "explanation"] == ("IP -7 = on hand 3 + on order 0 - backlog 10 <= ROP 10.4 (0.9/day x 9 d + "
                                          "SS 2 given); order 190 = 10.4 + EOQ 172.6 - (-7), rounded up to pack 1 "
                                          "= 191; intermittent demand, SBA")


def test_text_in_results_is_plain_python_text(results):
    """Whatever dtype holds a text column, each value is a Python str, so it prints and compares alike."""
    for name, frame in results.items():
        for column in frame.columns:
            dtype = frame[column].dtype
            if dtype == object or isinstance(dtype, pd.StringDtype):
                kinds = {type(v).__name__ for v in frame[column].dropna()}
                assert kinds <= {"str"}, (name, column, kinds)


def test_text_columns_of_a_book_have_one_dtype_whatever_pandas_would_pick():
    """With pyarrow installed pandas stores new text in Arrow; a book's text columns are string[python] anyway."""
    book = omxl.read_book({"orders": pd.DataFrame({"order_id": ["SO-1"], "sku": ["A"], "qty": [1.0],
                                                   "order_date": [pd.Timestamp("2026-11-20")]})})
    print(f"pandas {pd.__version__}: new text is {pd.Series(['x']).dtype!r}")
    for column in ("order_id", "sku", "source", "sheet"):
        assert book.orders[column].dtype == pd.StringDtype("python"), column


def _text_dtypes() -> dict[str, object]:
    dtypes: dict[str, object] = {"object": object, "str": "str", "string[python]": "string[python]"}
    if importlib.util.find_spec("pyarrow") is not None:
        import pyarrow as pa

        dtypes.update({"string[pyarrow]": "string[pyarrow]", "arrow string": pd.ArrowDtype(pa.string()),
                       "arrow large_string": pd.ArrowDtype(pa.large_string())})
    return dtypes


def test_the_plan_is_the_same_whatever_string_dtype_the_input_has():
    """Northwind's order lines handed over with their text as object, str, string[python] (and, where pyarrow
    is installed, Arrow-backed text): the same plan, rendered to the same text, with the same dtypes."""
    base = northwind_lines()
    text = [c for c in base.columns if base[c].dtype == object or isinstance(base[c].dtype, pd.StringDtype)]
    assert {"order_id", "sku", "customer_id"} <= set(text)
    others = [NORTHWIND / name for name in ("products.csv", "suppliers.csv", "customers.csv")]
    seen = {}
    for name, dtype in _text_dtypes().items():
        book = omxl.read_book({"orders": base.astype({c: dtype for c in text})}, *others)
        plan = northwind_results(book)
        seen[name] = ({k: digest(v) for k, v in plan.items()}, {k: v.dtypes.to_dict() for k, v in plan.items()})
    expected = seen.pop("object")
    for name, got in seen.items():
        assert got == expected, name
    assert expected[0]["northwind plan lines"] == committed()["northwind plan lines"]["sha256"]
