"""The prepared stage: every path through the pipeline starts from the same validated Position and gives the
same answer; the public API is keyword-only after the book (contract section 3)."""

from __future__ import annotations

import inspect

import pandas as pd
import pytest

import omxl
from conftest import SAMPLE

pytestmark = pytest.mark.core

AS_OF = "2026-11-27"


def moq_book() -> omxl.Book:
    """SKU A's inventory row has moq = -3 (an error); two open lines want 8 units of A. SKU B is sound."""
    orders = pd.DataFrame({
        "order_id": ["SO-1", "SO-1", "SO-2"], "line": [1, 2, 1],
        "order_date": pd.to_datetime(["2026-11-02", "2026-11-02", "2026-11-09"]),
        "customer_id": ["C1", "C1", "C2"], "sku": ["A", "B", "A"], "qty": [5.0, 30.0, 3.0],
        "promised_date": pd.to_datetime(["2026-12-01", "2026-12-01", "2026-12-04"]),
    })
    inventory = pd.DataFrame({
        "sku": ["A", "B"], "on_hand": [2.0, 10.0], "supplier_id": ["SUP1", "SUP1"], "unit_cost": [4.0, 2.5],
        "moq": [-3.0, 20.0],
    })
    suppliers = pd.DataFrame({"supplier_id": ["SUP1"], "name": ["Acme"], "lead_time_days": [7.0]})
    return omxl.read_book({"orders": orders, "inventory": inventory, "suppliers": suppliers})


def plans_by_every_path(book: omxl.Book) -> list[omxl.ReorderPlan]:
    position = omxl.prepare(book, as_of=AS_OF)
    shared = omxl.prepare(book, as_of=AS_OF)
    omxl.reconcile(shared)                           # the reconciliation route: one position for both steps
    return [omxl.plan_reorders(book, as_of=AS_OF), omxl.plan_reorders(position),
            omxl.plan_reorders(shared, as_of=AS_OF)]


def assert_same_plans(plans: list[omxl.ReorderPlan]) -> None:
    first = plans[0]
    for other in plans[1:]:
        pd.testing.assert_frame_equal(first.skus, other.skus)
        pd.testing.assert_frame_equal(first.lines, other.lines)
        pd.testing.assert_frame_equal(first.purchase_orders, other.purchase_orders)


def test_an_invalid_inventory_row_is_planned_by_no_path():
    book = moq_book()
    issues = omxl.validate(book, as_of=AS_OF)
    bad = issues[issues["severity"] == "error"]
    assert bad[["code", "table", "column", "cell", "value"]].values.tolist() == [
        ["constraint-error", "inventory", "moq", "E2", "-3"]]
    plans = plans_by_every_path(book)
    assert_same_plans(plans)
    for plan in plans:
        assert plan.skus["sku"].tolist() == ["B"]
        assert plan.lines[["sku", "backlog", "order_qty"]].values.tolist() == [["B", 30.0, 83.0]]
    rec = omxl.reconcile(book, as_of=AS_OF)
    assert rec.inventory["sku"].tolist() == ["B"]
    assert rec.left_out.set_index("table").loc["inventory", "rows_left_out"] == 1


def test_every_path_gives_the_same_plan_on_the_sample():
    plans = plans_by_every_path(omxl.read_book(SAMPLE))
    assert_same_plans(plans)
    assert len(plans[0].lines) == 240


def test_reconcile_from_a_book_or_its_position_is_identical():
    book = omxl.read_book(SAMPLE)
    direct = omxl.reconcile(book, as_of=AS_OF)
    prepared = omxl.reconcile(omxl.prepare(book, as_of=AS_OF))
    for name in ("lines", "orders", "exceptions", "inventory", "returns", "restock", "open_supply", "issues",
                 "left_out"):
        pd.testing.assert_frame_equal(getattr(direct, name), getattr(prepared, name))
    pd.testing.assert_frame_equal(omxl.validate(book, as_of=AS_OF), direct.issues)


def test_steps_leave_the_position_as_it_was_prepared():
    position = omxl.prepare(omxl.read_book(SAMPLE), as_of=AS_OF)
    columns, lines = list(position.lines.columns), position.lines.copy()
    first = omxl.reconcile(position)
    omxl.plan_reorders(position)
    assert list(position.lines.columns) == columns
    pd.testing.assert_frame_equal(position.lines, lines)
    pd.testing.assert_frame_equal(omxl.reconcile(position).lines, first.lines)


def test_a_position_answers_for_its_own_day_and_settings_only():
    position = omxl.prepare(moq_book(), as_of=AS_OF)
    assert position.as_of == pd.Timestamp(AS_OF)
    assert omxl.reconcile(position, as_of="2026-11-27").as_of == pd.Timestamp(AS_OF)
    with pytest.raises(ValueError, match="This position is as of 2026-11-27, not 2026-11-30"):
        omxl.plan_reorders(position, as_of="2026-11-30")
    with pytest.raises(ValueError, match="prepared with other settings"):
        omxl.reconcile(position, config={"handling_days": 2})
    assert omxl.prepare(position) is position
    assert omxl.validate(position) is position.issues
    assert repr(position) == ("<omxl.Position as of 2026-11-27: 3 order lines, 1 SKUs in stock records, "
                              "0 open supply lines; 1 errors, 1 rows left out>")


def test_arguments_after_the_book_are_keyword_only():
    book = moq_book()
    with pytest.raises(TypeError):
        omxl.validate(book, "2026-11-27")
    with pytest.raises(TypeError):
        omxl.reconcile(book, "2026-11-27")
    with pytest.raises(TypeError):
        omxl.plan_reorders(book, "2026-11-27")
    with pytest.raises(TypeError):
        omxl.prepare(book, "2026-11-27")


# The public functions (contract section 3, and the savers) and their parameters: positional ones first, then keyword-only.
CONTRACT_SIGNATURES = {
    "read_book": (["*sources"], ["config", "password", "progress"]),   # progress: an added optional keyword
    "prepare": (["book"], ["as_of", "config"]),
    "validate": (["book"], ["as_of", "config"]),
    "reconcile": (["book"], ["as_of", "config"]),
    "plan_reorders": (["book"], ["as_of", "config", "service_level", "history", "fresh"]),   # history, fresh: 4.3
    "backtest": (["book"], ["start", "end", "config", "variants"]),                        # contract 4.3
    "suggest_improvements": (["book"], ["as_of", "config"]),
    "write_back": (["path", "sheets"], ["backup", "config", "entry_lists"]),   # entry_lists: the book read
    "weekly_report": (["book"], ["as_of", "config", "history", "by_unit"]),   # by_unit: contract 4.9
    # contract 4.9; password, scheduler (a client made for that address) and progress: added optional keywords
    "consolidate": (["paths_or_globs"], ["unit_from", "workers", "client", "send", "config", "password", "scheduler",
                                         "progress"]),
    "notify": (["book"], ["as_of", "config", "force", "history"]),
    # the savers: what is written first, the destination last (docs/safe-output.md)
    "save_workbook": (["sheets", "out"], ["backup"]),
    "save_csv": (["frame", "out"], ["backup"]),
    "render_template": (["template", "context", "out"], ["backup"]),
    # the interpreter on the xlwings.conf sheet and the entry lists (docs/excel.md): added optional keywords
    "excel_setup": (["path"], ["out", "interpreter_win", "interpreter_mac", "interpreter", "entry_lists"]),
}


@pytest.mark.parametrize("name", sorted(CONTRACT_SIGNATURES))
def test_public_signatures_match_the_contract(name):
    positional, keyword_only = CONTRACT_SIGNATURES[name]
    parameters = inspect.signature(getattr(omxl, name)).parameters.values()
    found_positional = [("*" + p.name) if p.kind is p.VAR_POSITIONAL else p.name for p in parameters
                        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)]
    found_keyword = [p.name for p in parameters if p.kind is p.KEYWORD_ONLY]
    assert (found_positional, found_keyword) == (positional, keyword_only)
    for parameter in parameters:
        if parameter.name in ("as_of", "config", "progress"):
            assert parameter.default is None


def test_policy_functions_keep_their_contract_parameters():
    expected = {
        "eoq": ["annual_demand", "ordering_cost", "holding_cost"],
        "safety_stock": ["service_level", "demand_std", "lead_time", "demand_mean", "lead_time_std"],
        "reorder_point": ["demand_mean", "lead_time", "safety_stock"],
        "round_up_to_pack": ["qty", "pack_size"],
    }
    for name, parameters in expected.items():
        assert list(inspect.signature(getattr(omxl.reorder, name)).parameters) == parameters
