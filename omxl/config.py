"""Settings: an `omxl.toml` beside the workbook, a path, a dict, or the defaults.

Every setting is documented in docs/configuration.md. Invalid settings raise
`ConfigError` whose message names the setting, the value found and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import string
import tomllib
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import ConfigError
from .findings import CATALOG
from .kpi_catalog import target_problem
from .model import TABLE_BY_NAME, TABLE_NAMES, word_problem
from .money import currency_code
from .presentation.columns import COLUMN_BY_NAME


CONFIG_FILE_NAME = "omxl.toml"
# The line a message about a sheet of omxl's name that omxl did not write suggests (a prefix no sheet has yet).
DIFFERENT_PREFIX_LINE = 'sheet_prefix = "omxl2 "'
Severity = Literal["error", "warning", "info", "off"]
ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class SmtpSettings(BaseModel):
    """How omxl sends e-mail (`omxl notify --send`, `omxl weekly --mail-to`): docs/email.md."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str | None = Field(None, description="SMTP server to send through, e.g. 'smtp.example.com' (--smtp "
                                               "HOST:PORT overrides host and port).")
    port: int = Field(587, ge=1, le=65535, description="Its port: 587 for submission with STARTTLS (the usual), "
                                                       "25 for a relay inside the company network.")
    starttls: bool = Field(True, description="Encrypt the connection with STARTTLS before anything else is said; "
                                             "a server that does not offer it is refused.")
    username: str | None = Field(None, description="Login name; unset sends without logging in (an internal "
                                                   "relay).")
    password_env: str | None = Field(None,
                                     description="NAME of the environment variable that holds the password (e.g. "
                                                 "'OMXL_SMTP_PASSWORD'); the password itself is never kept in the "
                                                 "settings file.")
    sender: str | None = Field(None, description="From address of the messages, e.g. 'Orders "
                                                 "<orders@example.com>' (--from overrides it).")
    timeout: float = Field(30.0, gt=0, le=600, description="Seconds to wait for the server before giving up.")
    ca_file: str | None = Field(None, description="Certificate (PEM) of a company's own certificate authority, "
                                                  "trusted besides the system's; a relative path is taken from the "
                                                  "folder of the settings file.")
    allow_unencrypted_login: bool = Field(False, description="Log in even when the connection is not encrypted "
                                                             "(starttls = false). Off: such a login is refused, "
                                                             "since the password would cross the network "
                                                             "readable.")

    @field_validator("host")
    @classmethod
    def _host_is_a_name(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(ch.isspace() for ch in value)
                                  or (":" in value and not _is_ipv6(value))):
            raise ValueError("write the server's name or address alone, e.g. 'smtp.example.com'; the port is the "
                             "setting smtp.port")
        return value

    @field_validator("password_env")
    @classmethod
    def _an_environment_variable_name(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(ENV_NAME, value):
            raise ValueError("write the NAME of an environment variable (letters, digits and _, e.g. "
                             "OMXL_SMTP_PASSWORD) that holds the password, never the password itself")
        return value

    @field_validator("sender")
    @classmethod
    def _sender_is_an_address(cls, value: str | None) -> str | None:
        if value is not None and "@" not in parseaddr(value)[1]:
            raise ValueError("write an e-mail address, e.g. 'orders@example.com' or 'Orders <orders@example.com>'")
        return value


# Tables a company rule may name besides the book's (contract 4.8): built from the order lines.
DERIVED_RULE_TABLES = ("order_totals", "customer_months")
# Tables whose matching rows a rule may hold (contract 4.8): the line, the order's lines, the customer's open lines.
HOLDING_RULE_TABLES = ("orders", "order_totals", "customers")
# The built-in rule: a [[rules]] entry with this code configures it (hold, severity, message) and has no table or when.
CREDIT_LIMIT = "credit-limit"
RULE_CODE = r"^[a-z0-9][a-z0-9-]*$"


class ImprovementSettings(BaseModel):
    """When a measured fact becomes a suggested improvement (`omxl improvements`, docs/learning.md "Suggested
    improvements")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_suggestions: int = Field(10, ge=1, le=100, description="Most suggestions shown, those touching the most "
                                                              "units first.")
    service_level_tolerance: float = Field(
        0.05, ge=0, lt=1, description="Points (as a fraction: 0.05 = 5 points) an ABC class's unit fill rate over "
                                      "the history_weeks may fall below, or rise above, its service level before "
                                      "a change is suggested.")
    min_due_lines: int = Field(10, ge=1, description="Order lines due in the history_weeks a class needs before "
                                                     "its fill rate is judged.")
    max_transit_days: float = Field(5.0, gt=0, description="A delivery that takes more days than this after it "
                                                           "shipped is late in transit.")
    carrier_late_share: float = Field(0.2, ge=0, lt=1, description="A carrier is suggested for review when more "
                                                                   "than this share of its deliveries is late in "
                                                                   "transit.")
    min_shipments: int = Field(3, ge=1, description="Deliveries in the history_weeks a carrier needs before its "
                                                    "transit is judged.")
    error_share: float = Field(0.02, ge=0, lt=1, description="A sheet is suggested for a check of how it is filled "
                                                             "in when more than this share of its rows has errors.")


class RuleSetting(BaseModel):
    """One [[rules]] entry (contract 4.8, docs/company-rules.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(description="The finding code of the rule's findings: lower-case letters, digits and dashes.")
    table: str | None = Field(None, description="The table the rule checks: a table of the book, order_totals or "
                                                "customer_months.")
    when: str | None = Field(None, description="The test, in the rules' language: qty > 500.")
    severity: Literal["error", "warning", "info"] = "warning"
    message: str | None = Field(None, description="The finding's message; {column} is filled from the row.")
    hold: bool = Field(False, description="Hold the order lines the rule matches (orders, order_totals, customers).")

    @field_validator("code")
    @classmethod
    def _code_is_a_word(cls, value: str) -> str:
        if not re.fullmatch(RULE_CODE, value):
            raise ValueError(f"the code {value!r} must be lower-case letters, digits and dashes, e.g. \"max-units\"")
        return value

    @property
    def shown_message(self) -> str:
        """The message as configured, or the rule's code and test when none is."""
        return self.message if self.message is not None else f"{self.code}: {self.when}"


def _is_ipv6(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False


# Settings refused by name, with what to do instead (a password in the file would sit readable on disk).
REFUSED_SETTINGS = {
    "smtp.password": "a password is never kept in the settings file: put it in an environment variable and name "
                     "that variable here as password_env (e.g. password_env = \"OMXL_SMTP_PASSWORD\")",
}
# Settings whose value an error message never repeats (a password typed where its variable's name belongs).
UNSHOWN_SETTINGS = {"smtp.password_env"}


# What each demand class is planned with unless [demand_methods] says otherwise (contract 4.3).
DEFAULT_DEMAND_METHODS: dict[str, str] = {"smooth": "normal", "erratic": "normal", "intermittent": "sba",
                                          "lumpy": "sba"}
DEMAND_CLASSES: tuple[str, ...] = tuple(DEFAULT_DEMAND_METHODS)
ABC_CLASSES: tuple[str, ...] = ("A", "B", "C")


class Config(BaseModel):
    """All omxl settings with their defaults (contract section 6)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Reading
    columns: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Explicit column maps: {table: {header as written: canonical column}} for every sheet of that "
                    "table, or {file or sheet name: {header: column}} for that source alone (named with or "
                    "without its extension, compared like sheet names); a source's map wins over its table's map "
                    "and the aliases.",
    )
    values: dict[str, dict[str, dict[str, str]]] = Field(
        default_factory=dict,
        description="Coded values per table and column: [values.purchase_orders.status] with \"1\" = \"open\" "
                    "reads a cell holding 1 as open. Codes are compared as text after trimming (a numeric cell 1 "
                    "or 1.0 is \"1\"); the word must be one the column accepts. Findings about such a cell show "
                    "the code.",
    )
    aliases: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Extra aliases: {table: [sheet names]} and {'table.column': [headers]}.",
    )
    date_formats: list[str] = Field(
        default_factory=list,
        description="strftime formats tried, in order, for dates written as text (e.g. '%d/%m/%Y').",
    )
    null_values: list[str] = Field(
        default_factory=lambda: ["NULL"],
        description="Texts that mean a blank cell, in any column (Northwind exports write NULL); compared after "
                    "trimming surrounding spaces, case-sensitive. [] turns it off.",
    )
    cancelled_order_pattern: str | None = Field(
        None, description="Regular expression: order lines whose order_id matches it (e.g. '^C' for credit-note "
                          "invoices) are cancellation lines: a `cancellation` finding each, no quantity error, no "
                          "stock, and they reduce the most recent earlier line of the same customer, item and "
                          "price (docs/reconciliation.md).")
    decimal: Literal[".", ","] | None = Field(
        None, description="Decimal separator of numbers written as text: ',' reads '1,5' as 1.5 and '1.234,5' as "
                          "1234.5. Unset: '.' for workbooks; for each CSV, ',' when it is not comma-separated and "
                          "its numbers are written with a decimal comma and none with a decimal point "
                          "(docs/bad-input.md).")
    read_hidden_sheets: bool = Field(False, description="Read hidden sheets too (they are skipped by default).")
    max_file_mb: float = Field(1024.0, gt=0, description="Refuse source files larger than this many MB.")
    max_unzipped_mb: float = Field(
        2048.0, gt=0, description="Refuse a workbook (.xlsx/.xlsm/.ods zip package) whose parts add up to more "
                                  "than this many MB unpacked (a zip bomb guard; a 1,048,576-row book is about "
                                  "800 MB).")
    max_zip_ratio: float = Field(
        200.0, gt=1, description="Refuse a workbook with a part above 1 MB that expands more than this many times "
                                 "(real sheets: about 5-10 times).")
    max_zip_members: int = Field(10_000, ge=10, description="Refuse a workbook package with more parts than this.")
    max_sheet_cells: int = Field(
        100_000_000, ge=1_000, description="Largest grid (rows x columns) a sheet may span; stray cells far from "
                                           "the data are left out first (docs/reading.md, Hostile files).")

    # Planning
    default_lead_time_days: float = Field(14.0, ge=0)
    service_level: float = Field(0.95, gt=0, lt=1)
    holding_rate: float = Field(0.25, ge=0, description="Holding cost per year as a share of unit cost.")
    cover_days: float = Field(28.0, gt=0)
    history_weeks: int = Field(12, ge=1)
    abc_thresholds: list[float] = Field(
        default_factory=lambda: [0.80, 0.95],
        description="Cumulative value shares that end the A and the B class (docs/reorder-planning.md, Demand "
                    "classes): a SKU is A while the SKUs worth more than it hold less than the first share of the "
                    "value of the last history_weeks weeks, B while they hold less than the second, else C. Two "
                    "increasing shares above 0 and at most 1.")
    handling_days: float = Field(0.0, ge=0)
    # Demand by class (docs/reorder-planning.md "Demand methods", "Service levels")
    demand_methods: dict[str, Literal["normal", "croston", "sba", "tsb"]] = Field(
        default_factory=lambda: dict(DEFAULT_DEMAND_METHODS),
        description="The demand method of each demand class (smooth, erratic, intermittent, lumpy): normal (the "
                    "weekly mean and standard deviation), croston, sba or tsb (a forecast for intermittent demand, "
                    "its one-step-ahead error as the spread). Classes left out keep their default.")
    croston_alpha: float = Field(0.1, gt=0, le=1, description="Smoothing constant of Croston and SBA.")
    tsb_alpha_demand: float = Field(0.1, gt=0, le=1, description="TSB's smoothing constant of the demand sizes.")
    tsb_alpha_probability: float = Field(0.1, gt=0, le=1,
                                         description="TSB's smoothing constant of the chance of a week with demand.")
    service_level_type: Literal["cycle", "fill_rate"] = Field(
        "cycle", description="cycle: the chance of no stockout in a replenishment cycle (alpha); fill_rate: the "
                             "share of demand served from stock (beta).")
    service_levels: dict[str, float] = Field(
        default_factory=dict, description="A service level per ABC class, e.g. {A = 0.98, B = 0.95, C = 0.90}; a "
                                          "class left out takes service_level.")
    draft_hold_days: int = Field(
        3, ge=0, description="With a run history, a plan does not propose again what a plan of the last this many "
                             "days drafted and no purchase order has taken up since (docs/learning.md, Drafts that "
                             "remember); 0 proposes everything every day.")

    # Many workbooks (contract 4.9, docs/scale.md)
    shared_stock: bool = Field(
        False, description="In a book of several units (omxl.consolidate), allocate each item's stock across all "
                           "units, as one warehouse; unset, a unit's orders take only that unit's stock.")
    shared_purchasing: bool = Field(
        False, description="In a book of several units, draft one purchase order per supplier for all units "
                           "together; unset, one per unit and supplier.")

    # Money (docs/currency.md)
    base_currency: str | None = Field(
        None, description="Currency code totals are converted into (with fx_rates); also the currency of amounts "
                          "whose currency cell is blank.")
    fx_rates: dict[str, float] = Field(
        default_factory=dict, description="Units of base_currency per one unit of each currency, e.g. {USD = 0.92}.")

    # Validation
    outlier_threshold: float = Field(
        5.0, gt=0, description="An order quantity is an outlier when its robust z-score (log quantity against "
                               "the item's median, in units of 1.4826 x the median absolute deviation, at least "
                               "log 2) is above this: 5 means at least 32 times the usual quantity "
                               "(docs/outliers.md). Its severity is set with severities.outlier.")
    outlier_min_lines: int = Field(
        10, ge=2, description="Order lines an item needs to be judged against its own history; items with fewer "
                              "are judged against the usual quantity of all items.")

    # Point in time (contract 2.3, docs/reading.md)
    inventory_as_of: dt.date | None = Field(
        None, description="The day the stock in the inventory table was counted (YYYY-MM-DD). When it is later "
                          "than as_of, on_hand is rolled back to as_of: units shipped after as_of up to and "
                          "including this day are added back, units received in that time (PO receipts, "
                          "resellable returns) taken off, on each item's first stock row. Unset: stock is taken "
                          "as of as_of, with a warning when the book holds events after as_of.")

    # Output
    sheet_prefix: str = Field("omxl ", max_length=20, description="Prefix of the sheets omxl writes back.")
    labels: dict[str, str] = Field(
        default_factory=dict,
        description="Column headers on result sheets, by column name: {backordered_qty = \"Rückstand\"} "
                    "(docs/columns.md lists every column and its default label).")
    severities: dict[str, Severity] = Field(
        default_factory=dict, description="Severity per finding code, or 'off' to drop that code."
    )
    history: str | None = Field(
        None, description="The run history file (SQLite) of the weekly report and notify: last week's figures, "
                          "the trend, what changed, what each recipient was told. A relative path is taken from "
                          "the folder of the settings file. Unset: `omxl weekly` and `omxl notify` keep "
                          "omxl-history.sqlite beside what they write; library calls keep none unless given "
                          "history= (docs/weekly-report.md).")
    smtp: SmtpSettings = Field(default_factory=SmtpSettings, description="Sending e-mail (docs/email.md).")
    improvements: ImprovementSettings = Field(
        default_factory=ImprovementSettings,
        description="The thresholds of the suggested improvements (docs/learning.md, Suggested improvements).")

    # Messages (docs/notify.md)
    email_templates: str | None = Field(
        None, description="A folder of your own e-mail templates (customer-delay.txt, customer-delay.html, "
                          "customer-delay.subject, and the same for supplier-po, customer-shipped and "
                          "customer-payment-reminder; weekly.txt and "
                          "weekly.html for the weekly mail); a template not found there is taken from the ones omxl ships. A relative path is taken from the "
                          "folder of the settings file.")
    # The weekly report (docs/kpis.md)
    targets: dict[str, float] = Field(
        default_factory=dict,
        description="Targets of the weekly report's KPIs by name, e.g. {otif_line_rate = 0.95, late_lines = 20}: "
                    "a KPI where higher is better is on target at or above its target, one where lower is better "
                    "at or below it; rates as fractions (0.95 for 95%). A volume (better neither up nor down, "
                    "such as orders_received) cannot have a target (docs/kpis.md).")
    shipped_notice_days: int | None = Field(
        None, ge=1, description="Send customer-shipped messages (carrier and tracking number) for shipments of "
                                "the last this many days up to as_of. Unset: no shipped notices.")
    payment_reminder_days: int | None = Field(
        None, ge=0, description="Send customer-payment-reminder messages for open invoices at least this many "
                                "days past their due date (0: from the first day past due); a customer is "
                                "reminded of an invoice again only when its open balance or due date changes. "
                                "Unset: no payment reminders.")
    # Company rules (docs/company-rules.md)
    rules: list[RuleSetting] = Field(
        default_factory=list,
        description="Company rules, each a [[rules]] table: code, table, when, severity, message, hold "
                    "(docs/company-rules.md). Checked by reconcile and every step built on it.")

    @field_validator("columns")
    @classmethod
    def _known_column_targets(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        every_column = {c.name for t in TABLE_BY_NAME.values() for c in t.columns}
        for key, mapping in value.items():
            if key in TABLE_BY_NAME:
                spec = TABLE_BY_NAME[key]
                for header, column in mapping.items():
                    if column not in spec.column_names:
                        raise ValueError(
                            f"columns.{key}: '{header}' maps to '{column}', which is not a column of {key} "
                            f"(use one of: {', '.join(spec.column_names)})"
                        )
                continue
            # Any other key names one source (a file or a sheet): its map may name a column of any table, since
            # which table that source holds is known only once it is read.
            for header, column in mapping.items():
                if column not in every_column:
                    raise ValueError(
                        f"columns.{toml_key(key)}: '{header}' maps to '{column}', which is not a column of any "
                        f"table ({toml_key(key)} is not a table name, so it names one file or sheet; the columns "
                        "are listed in docs/workbook-format.md)")
        return value

    @field_validator("values", mode="before")
    @classmethod
    def _words_as_text(cls, value: object) -> object:
        # TOML gives `"Y" = true` and `"-" = 0` as a boolean and a number: the word is their text. So is a code
        # given as a number in a dict config ({1: "open"}).
        if not isinstance(value, Mapping):
            return value
        return {table: {column: {_word_text(code): _word_text(word) for code, word in codes.items()}
                        if isinstance(codes, Mapping) else codes for column, codes in columns.items()}
                if isinstance(columns, Mapping) else columns for table, columns in value.items()}

    @field_validator("values")
    @classmethod
    def _codes_map_to_accepted_words(cls, value: dict[str, dict[str, dict[str, str]]]
                                     ) -> dict[str, dict[str, dict[str, str]]]:
        cleaned: dict[str, dict[str, dict[str, str]]] = {}
        for table, columns in value.items():
            if table not in TABLE_BY_NAME:
                raise ValueError(f"values.{toml_key(table)}: '{table}' is not a table (use one of: "
                                 f"{', '.join(TABLE_NAMES)})")
            spec = TABLE_BY_NAME[table]
            cleaned[table] = {}
            for column, codes in columns.items():
                setting = f"values.{table}.{toml_key(column)}"
                if column not in spec.column_names:
                    raise ValueError(f"{setting}: {table} has no column '{column}' (use one of: "
                                     f"{', '.join(spec.column_names)})")
                words: dict[str, str] = {}
                for code, word in codes.items():
                    trimmed = code.strip()
                    if not trimmed:
                        raise ValueError(f"{setting}: a code must be a non-blank text (blank cells are blank)")
                    problem = word_problem(spec.column(column), word)
                    if problem is not None:
                        raise ValueError(f"{setting}: '{code}' maps to '{word}', which {column} does not accept; "
                                         f"{problem}")
                    if trimmed in words and words[trimmed] != word.strip():
                        raise ValueError(f"{setting}: '{trimmed}' is given twice, as '{words[trimmed]}' and "
                                         f"'{word}' (codes are compared after trimming surrounding spaces)")
                    words[trimmed] = word.strip()
                cleaned[table][column] = words
        return cleaned

    @field_validator("demand_methods")
    @classmethod
    def _known_classes(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(DEMAND_CLASSES))
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not a demand class; the classes are "
                             f"{', '.join(DEMAND_CLASSES)}")
        return {**DEFAULT_DEMAND_METHODS, **value}

    @field_validator("service_levels")
    @classmethod
    def _levels_per_class(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(ABC_CLASSES))
        if unknown:
            raise ValueError(f"{', '.join(unknown)} is not an ABC class; the classes are A, B and C")
        wrong = [f"{name} = {level}" for name, level in value.items() if not 0 < level < 1]
        if wrong:
            raise ValueError(f"{', '.join(wrong)}: a service level is between 0 and 1 (exclusive), e.g. 0.95")
        return dict(value)

    @field_validator("aliases")
    @classmethod
    def _known_alias_targets(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for target in value:
            table, _, column = target.partition(".")
            spec = _table(table)
            if column and column not in spec.column_names:
                raise ValueError(f"aliases: '{target}' names no column of {table}")
        return value

    @field_validator("date_formats")
    @classmethod
    def _formats_have_directives(cls, value: list[str]) -> list[str]:
        for fmt in value:
            if not all(d in fmt for d in ("%d", "%m")) or not ("%Y" in fmt or "%y" in fmt):
                raise ValueError(f"'{fmt}' needs %d, %m and %Y (or %y)")
        return value

    @model_validator(mode="after")
    def _known_codes(self) -> "Config":
        # After the rules: a rule's code is a finding code that `severities` may change like any other.
        codes = list(CATALOG) + [rule.code for rule in self.rules if rule.code not in CATALOG]
        for code in self.severities:
            if code not in codes:
                raise ValueError(f"severities '{code}' is not a finding code (use one of: {', '.join(codes)})")
        return self

    @model_validator(mode="after")
    def _rules_fit(self) -> "Config":
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            try:
                _check_rule(index, rule, seen)
            except ValueError as exc:
                # "rules" first: _describe takes a message's first word, when it is a setting, as the setting.
                raise ValueError(f"rules {exc}") from None
            seen.add(rule.code)
        return self

    @field_validator("abc_thresholds")
    @classmethod
    def _two_increasing_shares(cls, value: list[float]) -> list[float]:
        if len(value) != 2:
            raise ValueError(f"give two shares, the end of A and of B, e.g. [0.80, 0.95] (found {len(value)})")
        if not all(0 < share <= 1 for share in value):
            raise ValueError(f"each share must be above 0 and at most 1, e.g. [0.80, 0.95] (found {value})")
        if not value[0] < value[1]:
            raise ValueError(f"the share ending A must be below the share ending B, e.g. [0.80, 0.95] "
                             f"(found {value})")
        return [float(share) for share in value]

    @field_validator("cancelled_order_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"'{value}' is not a regular expression ({exc})") from None
        return value

    @field_validator("null_values")
    @classmethod
    def _null_values_are_texts(cls, value: list[str]) -> list[str]:
        for text in value:
            if not text.strip():
                raise ValueError("a null value must be a non-blank text (blank cells are blank already)")
            if text != text.strip():
                raise ValueError(f"'{text}' has surrounding spaces; cells are trimmed before comparing, write "
                                 f"'{text.strip()}'")
        return value

    @field_validator("base_currency")
    @classmethod
    def _base_currency_code(cls, value: str | None) -> str | None:
        return None if value is None else currency_code(value)

    @field_validator("fx_rates")
    @classmethod
    def _positive_rates(cls, value: dict[str, float]) -> dict[str, float]:
        rates = {}
        for code, rate in value.items():
            if not rate > 0 or rate != rate or rate == float("inf"):
                raise ValueError(f"the rate for {code} must be a positive number of base units per {code}, "
                                 f"not {rate}")
            rates[currency_code(code)] = float(rate)
        return rates

    @model_validator(mode="after")
    def _rates_need_a_base(self) -> "Config":
        if self.fx_rates and self.base_currency is None:
            raise ValueError("fx_rates needs base_currency (the currency the rates convert into), "
                             "e.g. base_currency = \"EUR\"")
        if self.base_currency is not None and self.fx_rates.get(self.base_currency, 1.0) != 1.0:
            raise ValueError(f"fx_rates the rate for the base currency {self.base_currency} must be 1 (or left out), "
                             f"not {self.fx_rates[self.base_currency]}")
        return self

    @field_validator("targets", mode="before")
    @classmethod
    def _targets_of_kpis(cls, value: object) -> object:
        # Before pydantic's own check, so that a target on an unknown KPI or a volume is said in the KPI's words
        # (and "95" for a rate is caught before it is taken as a number like any other).
        if not isinstance(value, Mapping):
            return value
        for name, target in value.items():
            problem = target_problem(str(name), target)
            if problem is not None:
                raise ValueError(f"targets.{name}: {problem}")
        return {str(name): float(target) for name, target in value.items()}

    @field_validator("labels")
    @classmethod
    def _labels_name_known_columns(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(COLUMN_BY_NAME))
        if unknown:
            raise ValueError(f"no result column is named {', '.join(map(repr, unknown))}; the names are listed in "
                             "docs/columns.md (e.g. backordered_qty)")
        blank = sorted(name for name, label in value.items() if not label.strip())
        if blank:
            raise ValueError(f"the label of {', '.join(map(repr, blank))} is blank")
        return value

    @field_validator("sheet_prefix")
    @classmethod
    def _sheet_prefix_is_a_sheet_name(cls, value: str) -> str:
        if any(ch in value for ch in "[]:*?/\\"):
            raise ValueError("Excel sheet names cannot contain [ ] : * ? / \\")
        return value


def _check_rule(index: int, rule: RuleSetting, seen: set[str]) -> None:
    """ValueError naming the [[rules]] entry (rules[2] (code 'x')) when it cannot be, `seen` holding the codes of
    the entries before it; RuleError when its `when` is not in the language."""
    name = f"rules[{index}] (code {rule.code!r})"
    if rule.code in seen:
        raise ValueError(f"{name}: a second rule with this code; give each rule a code of its own")
    if rule.code == CREDIT_LIMIT:
        if rule.table is not None or rule.when is not None:
            raise ValueError(f"{name}: the built-in credit limit has no table or when (it compares each customer's "
                             "open order value and unpaid invoices with credit_limit); remove them, or give your "
                             "own rule another code")
        return
    if rule.code in CATALOG:
        raise ValueError(f"{name}: {rule.code!r} is a finding code of omxl's own; give the rule another code")
    known = TABLE_NAMES + DERIVED_RULE_TABLES
    if rule.table is None or rule.table not in known:
        found = "has no table" if rule.table is None else f"names the table {rule.table!r}"
        raise ValueError(f"{name}: the rule {found}; use one of: {', '.join(known)}")
    if rule.when is None:
        raise ValueError(f"{name}: the rule has no when; write the test, e.g. when = \"qty > 500\"")
    if rule.hold and rule.table not in HOLDING_RULE_TABLES:
        raise ValueError(f"{name}: hold = true holds order lines, so it needs a rule on "
                         f"{', '.join(HOLDING_RULE_TABLES)}, not on {rule.table}; remove hold, or check the orders "
                         "of what the rule finds")
    _check_message(name, rule.message)
    # Only the syntax here: which columns a table has is known once the book is read (a sheet may carry columns
    # of its own), so names are checked when the rule runs. RuleError is no ValueError: it leaves pydantic as it
    # is, and load_config names the file it came from.
    from .company_rules.errors import RuleSite   # the parser (lark) only when there are rules
    from .company_rules.parsing import parse
    parse(rule.when, RuleSite(index, rule.code))


def _check_message(name: str, message: str | None) -> None:
    """A message's braces name a column each ({order_id}); a lone brace is written twice ({{)."""
    if message is None:
        return
    try:
        fields = list(string.Formatter().parse(message))
    except ValueError as exc:
        raise ValueError(f"{name}: the message {message!r} has a brace that names no column ({exc}); name a "
                         "column in braces, {order_id}, or write a brace twice, {{") from None
    for _, field, spec, conversion in fields:
        if field is not None and (not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ ]*", field) or spec or conversion):
            raise ValueError(f"{name}: the message names {{{field}{'!' + conversion if conversion else ''}"
                             f"{':' + spec if spec else ''}}}, which is not a column name in braces; write "
                             "{order_id}")


def _word_text(word: object) -> object:
    if isinstance(word, bool):
        return "true" if word else "false"
    if isinstance(word, (int, float)):
        return str(int(word)) if float(word).is_integer() else repr(float(word))
    return word


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_string(text: str) -> str:
    """`text` as a TOML basic string, quotes included: what a suggested setting line writes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", escaped)
    return f'"{escaped}"'


def toml_key(text: str) -> str:
    """`text` as a TOML key: bare when it may be (letters, digits, _ and -), else quoted."""
    return text if _BARE_KEY.fullmatch(text) else toml_string(text)


def _table(name: str):
    if name not in TABLE_BY_NAME:
        raise ValueError(f"'{name}' is not a table (use one of: {', '.join(TABLE_NAMES)})")
    return TABLE_BY_NAME[name]


def load_config(config: "Config | Mapping[str, Any] | str | Path | None" = None,
                near: "str | Path | None" = None) -> Config:
    """Resolve `config=`: a Config, a dict, a path to a TOML file, or None.

    With None, an `omxl.toml` in the folder of `near` (the first workbook) is used
    when it exists, else the defaults.
    """
    if isinstance(config, Config):
        return config
    origin = "config"
    if config is None:
        candidate = Path(near).parent / CONFIG_FILE_NAME if near is not None else None
        if candidate is None or not candidate.is_file():
            return Config()
        config = candidate
    if isinstance(config, (str, Path)):
        path = Path(config)
        origin = str(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: configuration file not found. Check the path given with --config.")
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc}). Fix the file or remove it.") from None
    elif isinstance(config, Mapping):
        data = dict(config)
    else:
        raise ConfigError(f"config must be a path, a dict or omxl.Config, not {type(config).__name__}")
    if isinstance(config, (str, Path)) and isinstance(data.get("history"), str):
        # A history named in a settings file belongs with that file, wherever omxl is run from.
        data["history"] = str(Path(config).parent / data["history"])
    smtp = data.get("smtp")
    if isinstance(config, (str, Path)) and isinstance(smtp, dict) and isinstance(smtp.get("ca_file"), str):
        data["smtp"] = {**smtp, "ca_file": str(Path(config).parent / smtp["ca_file"])}
    if isinstance(config, (str, Path)) and isinstance(data.get("email_templates"), str):
        data["email_templates"] = str(Path(config).parent / data["email_templates"])
    try:
        return Config(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(origin, exc)) from None
    except ConfigError as exc:   # a rule's when that is not in the language (RuleError): said with its origin
        raise exc.from_origin(origin) if hasattr(exc, "from_origin") else exc from None


def _describe(origin: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        setting = ".".join(str(p) for p in err["loc"]) or "(settings)"
        message = err["msg"].removeprefix("Value error, ")
        named = message.split(" ")[0].rstrip(":")
        if (not err["loc"] and named in Config.model_fields) or (err["loc"] and named.startswith(setting + ".")):
            # A check across settings (base_currency and fx_rates) names the setting it is about first; so does
            # a check of one entry of a table of settings (targets.otif_line_rate).
            setting, _, message = message.partition(" ")
            setting = setting.rstrip(":")
        if err["type"] == "extra_forbidden":
            known = SmtpSettings.model_fields if err["loc"][:1] == ("smtp",) else Config.model_fields
            message = REFUSED_SETTINGS.get(setting, f"unknown setting; known settings: {', '.join(known)}")
        found = err.get("input")
        shown = "" if isinstance(found, (dict, list)) or err["type"] == "extra_forbidden" else f" (found {found!r})"
        shown = "" if setting in UNSHOWN_SETTINGS else shown
        lines.append(f"{origin}: setting '{setting}': {message}{shown}")
    return "\n".join(lines)


RUN_DAY_VARIABLE = "OMXL_TODAY"


def run_day() -> dt.date:
    """The day the run is made: today, unless the environment variable OMXL_TODAY (YYYY-MM-DD) sets it, so that
    tests and re-runs do not depend on the clock. A date after it is a `future-date` (contract 2.3)."""
    text = os.environ.get(RUN_DAY_VARIABLE, "").strip()
    if not text:
        return dt.date.today()
    try:
        # fromisoformat alone would also take 20261205 and 2026-W49-6.
        day = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        day = None
    if day is None:
        raise ConfigError(f"The environment variable {RUN_DAY_VARIABLE} is '{text}', which is not a day: write it "
                          "as YYYY-MM-DD (e.g. 2026-12-05), or unset it to run as of today.")
    return day
