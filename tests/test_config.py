"""Settings: omxl.toml beside the workbook, a path or a dict; bad settings are named."""

from __future__ import annotations


import pytest

import omxl
from omxl.config import Config, load_config

pytestmark = pytest.mark.core


def test_defaults_are_the_contract_values():
    config = load_config(None)
    assert (config.default_lead_time_days, config.service_level, config.holding_rate, config.cover_days,
            config.history_weeks, config.handling_days, config.sheet_prefix) == (14.0, 0.95, 0.25, 28.0, 12, 0.0,
                                                                                 "omxl ")


def test_toml_beside_the_workbook_is_used(tmp_path, messy_workbook):
    (tmp_path / "omxl.toml").write_text(
        'service_level = 0.98\ndate_formats = ["%d/%m/%Y"]\n\n[aliases]\n"orders.customer_id" = ["Kunde"]\n',
        encoding="utf-8")
    book = omxl.read_book(messy_workbook)
    assert book.config.service_level == 0.98
    # With a configured day-first format, "03/04/2026" is 3 April 2026, not an ambiguous date.
    assert book.orders["promised_date"].iloc[2].strftime("%Y-%m-%d") == "2026-04-03"
    assert "ambiguous-date" not in set(book.findings["code"])


def test_config_aliases_and_column_maps(tmp_path):
    path = tmp_path / "auftraege.csv"
    path.write_text("Auftrag,Datum,Kunde,Artikel,Menge,Bemerkung\nA-1,2026-11-02,K-1,SKU-1,3,eilig\n",
                    encoding="utf-8")
    config = {"aliases": {"orders": ["Auftraege"], "orders.order_id": ["Auftrag"], "orders.qty": ["Menge"]},
              "columns": {"orders": {"Datum": "order_date", "Kunde": "customer_id", "Artikel": "sku"}}}
    book = omxl.read_book(path, config=config)
    row = book.orders.iloc[0]
    assert (row["order_id"], row["order_date"].strftime("%Y-%m-%d"), row["customer_id"], row["sku"], row["qty"]) \
        == ("A-1", "2026-11-02", "K-1", "SKU-1", 3.0)
    assert book.layout["matched_by"].tolist() == ["sheet name"]
    assert book.orders["Bemerkung"].tolist() == ["eilig"]


def test_explicit_config_path_wins_over_the_neighbour(tmp_path, messy_workbook):
    (tmp_path / "omxl.toml").write_text("cover_days = 10\n", encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text("cover_days = 42\n", encoding="utf-8")
    assert omxl.read_book(messy_workbook, config=other).config.cover_days == 42


@pytest.mark.parametrize("settings, expected", [
    ({"service_level": 1.5},
     "config: setting 'service_level': Input should be less than 1 (found 1.5)"),
    ({"history_weeks": 0},
     "config: setting 'history_weeks': Input should be greater than or equal to 1 (found 0)"),
    ({"abc_thresholds": [0.95, 0.80]},
     "config: setting 'abc_thresholds': the share ending A must be below the share ending B, e.g. [0.80, 0.95] "
     "(found [0.95, 0.8])"),
    ({"abc_thresholds": [0.8, 1.5]},
     "config: setting 'abc_thresholds': each share must be above 0 and at most 1, e.g. [0.80, 0.95] "
     "(found [0.8, 1.5])"),
    ({"abc_thresholds": [0.8]},
     "config: setting 'abc_thresholds': give two shares, the end of A and of B, e.g. [0.80, 0.95] (found 1)"),
    ({"servce_level": 0.9},
     "config: setting 'servce_level': unknown setting; known settings: columns, values, aliases, date_formats, null_values, "
     "cancelled_order_pattern, decimal, "
     "read_hidden_sheets, max_file_mb, max_unzipped_mb, max_zip_ratio, max_zip_members, max_sheet_cells, "
     "default_lead_time_days, service_level, holding_rate, cover_days, "
     "history_weeks, abc_thresholds, handling_days, demand_methods, croston_alpha, tsb_alpha_demand, tsb_alpha_probability, service_level_type, service_levels, draft_hold_days, shared_stock, shared_purchasing, base_currency, fx_rates, outlier_threshold, outlier_min_lines, inventory_as_of, "
     "sheet_prefix, labels, severities, "
     "history, smtp, improvements, email_templates, targets, shipped_notice_days, payment_reminder_days, rules"),
    ({"columns": {"orders": {"Menge": "quantity"}}},
     "config: setting 'columns.orders': 'Menge' maps to 'quantity', which is not a column of orders "
     "(use one of: order_id, line, order_date, customer_id, sku, qty, unit_price, discount, promised_date, status, priority, "
     "ship_date, shipped_qty, carrier, tracking_number, delivered_date, currency, ship_complete, ship_to)"),
    ({"aliases": {"widgets": ["W"]}},
     "config: setting 'aliases': 'widgets' is not a table (use one of: orders, inventory, suppliers, customers, "
     "shipments, purchase_orders, returns, carriers, invoices, payments)"),
    ({"date_formats": ["%Y"]},
     "config: setting 'date_formats': '%Y' needs %d, %m and %Y (or %y)"),
    ({"severities": {"outlier": "loud"}},
     "config: setting 'severities.outlier': Input should be 'error', 'warning', 'info' or 'off' (found 'loud')"),
    ({"sheet_prefix": "omxl/"},
     "config: setting 'sheet_prefix': Excel sheet names cannot contain [ ] : * ? / \\ (found 'omxl/')"),
])
def test_invalid_settings_name_the_setting(settings, expected):
    with pytest.raises(omxl.ConfigError) as caught:
        load_config(settings)
    assert str(caught.value) == expected


def test_bad_toml_file_names_the_file(tmp_path, messy_workbook):
    (tmp_path / "omxl.toml").write_text("service_level = \n", encoding="utf-8")
    with pytest.raises(omxl.ConfigError) as caught:
        omxl.read_book(messy_workbook)
    assert str(caught.value).startswith(f"{tmp_path / 'omxl.toml'}: not valid TOML (")
    assert str(caught.value).endswith("Fix the file or remove it.")


def test_cli_reports_bad_config_with_exit_2(tmp_path, messy_workbook):
    from click.testing import CliRunner

    from omxl.cli import cli

    (tmp_path / "omxl.toml").write_text("cover_days = -1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["read", str(messy_workbook)])
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == (
        f"omxl: {tmp_path / 'omxl.toml'}: setting 'cover_days': Input should be greater than 0 (found -1)")


def test_config_object_passes_through():
    config = Config(cover_days=7)
    assert load_config(config) is config


def test_severities_change_or_drop_reading_findings(messy_workbook):
    book = omxl.read_book(messy_workbook, config={"severities": {"blank-row": "warning", "unknown-column": "off"}})
    assert book.findings.loc[book.findings["code"] == "blank-row", "severity"].tolist() == ["warning"]
    assert "unknown-column" not in set(book.findings["code"])
    with pytest.raises(omxl.ConfigError) as caught:
        load_config({"severities": {"blank-rows": "off"}})
    assert str(caught.value).startswith("config: setting 'severities': 'blank-rows' is not a finding code (use one "
                                        "of: missing-column, duplicate-column,")
