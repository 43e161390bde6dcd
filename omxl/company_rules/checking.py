"""Company rules run over a prepared book: a finding per row a rule matches (stage `rules`, the rule's code, the
cell of the first column it names) and the order lines held (contract 4.8).

A rule with `hold = true` holds the open order lines it is about: on orders the line, on order_totals the
order's lines, on customers that customer's open lines. A line already on hold on the order sheet, cancelled,
closed or with nothing left to ship is not held again. When several rules hold a line, the first in the
settings names the hold. The built-in credit limit (credit_limit.py) takes part in the same order: where its
[[rules]] entry stands, or last when it has none (it holds nothing then).
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..config import CREDIT_LIMIT, Config, RuleSetting
from ..errors import ConfigError
from ..findings import apply_severities, concat_findings, display, empty_findings, row_findings
from ..money import Conversion
from ..wording import day_text, fill_template, quantity_text
from . import compile_rule
from .credit_limit import CREDIT_COLUMNS, CREDIT_LIMIT_MESSAGE, credit_limit_rows, has_credit_limits
from .tables import RuleTable, book_table, customer_months, order_columns, order_rows, order_totals, valued_lines

STAGE = "rules"
# The columns of `RuleOutcome.holds`: the rule that holds the line and the reason, its message filled.
HOLD_COLUMNS = ("hold_rule", "hold_reason")


@dataclass(frozen=True)
class RuleOutcome:
    """What the company rules found: `findings` (the findings frame, stage rules) and `holds`, one row per held
    order line (indexed like the lines it was given) with HOLD_COLUMNS."""

    findings: pd.DataFrame
    holds: pd.DataFrame


def no_holds() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="string[python]") for c in HOLD_COLUMNS})


def check_rules(config: Config, *, lines: pd.DataFrame, tables: Mapping[str, pd.DataFrame],
                receivables: pd.DataFrame, as_of: pd.Timestamp, column_map: pd.DataFrame,
                convert: Conversion | None = None) -> RuleOutcome:
    """Run every [[rules]] entry and the built-in credit limit. `lines` are the position's order lines (open_qty,
    sheet_status, kind); `tables` the position's book tables by name; `receivables` reconcile's, per invoice and
    currency (the unpaid invoices of the credit limit). Raises RuleError (a settings error) when a rule names a
    column its table does not have, before anything is held."""
    made: dict[str, object] = {}
    needed: dict[str, set[str]] = {}

    def table(name: str) -> RuleTable:
        if name not in made:
            made[name] = _rule_table(name, lines, tables, config, made, needed.get(name))
        return made[name]

    def columns(name: str) -> dict[str, object]:
        # The order lines' columns are known without making the table, which is made with the named ones only.
        return order_columns(lines, tables["orders"]) if name == "orders" else table(name).columns

    rules = list(config.rules)
    if not any(rule.code == CREDIT_LIMIT for rule in rules):
        rules.append(RuleSetting(code=CREDIT_LIMIT))
    # Every rule is compiled before any runs: a mistake in the last rule stops the run before the first holds.
    compiled = {index: compile_rule(rule.when, columns(rule.table), index=index, code=rule.code, table=rule.table)
                for index, rule in enumerate(rules) if rule.code != CREDIT_LIMIT}
    for index, rule in enumerate(rules):
        known = CREDIT_COLUMNS if rule.code == CREDIT_LIMIT else tuple(columns(rule.table))
        _check_message(index, rule, rule.table or "customers", known)
        if index in compiled:
            needed.setdefault(rule.table, set()).update(compiled[index].columns, message_fields(rule))
    findings, holds = [], []
    held = pd.Series(False, index=lines.index)
    holdable = _holdable(lines)
    for index, rule in enumerate(rules):
        if rule.code == CREDIT_LIMIT:
            if not has_credit_limits(tables["customers"]):
                continue   # the usual book: nothing to check, and no need to value its lines
            matched = credit_limit_rows(_valued(lines, config, made), tables["customers"], receivables, convert)
            if matched.frame.empty:
                continue
            cited = "credit_limit"
            matched_table = matched
        else:
            matched_table = table(rule.table)
            mask = compiled[index].mask(matched_table.frame, as_of).to_numpy(dtype=bool)
            if not mask.any():
                continue
            matched_table = RuleTable(matched_table.name, matched_table.frame[mask], matched_table.columns,
                                      matched_table.sheet_columns)
            cited = matched_table.cited_column(compiled[index].columns)
        messages = fill_message(rule, matched_table)
        findings.append(row_findings(rule.code, matched_table.name, matched_table.frame, messages,
                                     column=cited, column_map=column_map, severity=rule.severity, stage=STAGE,
                                     values=_cell_text(matched_table.frame[cited]).tolist()))
        if rule.hold:
            # Only the lines still free to hold are looked up: the open ones, a small part of a book's lines.
            reason = _held_lines(matched_table, messages, lines[(holdable & ~held).to_numpy(dtype=bool)])
            chosen = reason.dropna()
            if len(chosen):
                holds.append(pd.DataFrame({"hold_rule": rule.code, "hold_reason": chosen}, index=chosen.index))
                held[chosen.index] = True
    found = apply_severities(concat_findings(findings) if findings else empty_findings(), config.severities)
    hold_frame = pd.concat(holds).astype("string[python]") if holds else no_holds()
    return RuleOutcome(found, hold_frame)


def _rule_table(name: str, lines: pd.DataFrame, tables: Mapping[str, pd.DataFrame], config: Config,
                made: dict, needed: set[str] | None) -> RuleTable:
    if name == "orders":
        return order_rows(lines, tables["orders"], tables["inventory"], tables["suppliers"],
                          config.default_lead_time_days, needed)
    if name in ("order_totals", "customer_months"):
        valued = _valued(lines, config, made)
        return order_totals(valued) if name == "order_totals" else customer_months(valued)
    return book_table(name, tables[name])


def _valued(lines: pd.DataFrame, config: Config, made: dict) -> pd.DataFrame:
    """valued_lines, made once per check for the tables and the credit limit that need them."""
    if "valued lines" not in made:
        made["valued lines"] = valued_lines(lines, config.base_currency)
    return made["valued lines"]


def _holdable(lines: pd.DataFrame) -> pd.Series:
    """Lines a rule may hold: something left to ship, and not cancelled, closed or on hold on the sheet."""
    return (lines["open_qty"].astype("float64").fillna(0.0) > 0) & \
        ~lines["sheet_status"].isin(["cancelled", "closed", "on_hold"]).fillna(False)


def _held_lines(matched: RuleTable, messages: pd.Series, lines: pd.DataFrame) -> pd.Series:
    """Per order line, the reason a matching row holds it (<NA> where none does): on orders the row itself, on
    order_totals every line of the order, on customers (and the credit limit) every line of the customer. An
    order or customer matched twice (two currencies) is held for its first row."""
    if matched.name == "orders":
        return messages.set_axis(matched.frame.index).reindex(lines.index).astype(object)
    key = "order_id" if matched.name == "order_totals" else "customer_id"
    by_key = pd.Series(messages.to_numpy(dtype=object), index=matched.frame[key].to_numpy(dtype=object))
    by_key = by_key[~by_key.index.duplicated() & pd.notna(by_key.index)]
    return lines[key].astype(object).map(by_key)


def message_template(rule: RuleSetting) -> str:
    return CREDIT_LIMIT_MESSAGE if rule.code == CREDIT_LIMIT and rule.message is None else rule.shown_message


def message_fields(rule: RuleSetting) -> set[str]:
    """The columns the rule's message names in braces."""
    return {name for _, name, _, _ in string.Formatter().parse(message_template(rule)) if name is not None}


def _check_message(index: int, rule: RuleSetting, table: str, columns: tuple[str, ...]) -> None:
    """A settings error when the message names a column the table does not have (before any rule runs)."""
    unknown = [name for name in sorted(message_fields(rule)) if name not in columns]
    if unknown:
        raise ConfigError(f"rules[{index}] (code {rule.code!r}) message: {{{unknown[0]}}} is not a column of "
                          f"{table}; use one of: {', '.join(columns)}")


def fill_message(rule: RuleSetting, matched: RuleTable) -> pd.Series:
    """The rule's message per matching row, each {column} filled with the row's value as a person reads it:
    numbers with thousands separators (1,200; 2.50), days as YYYY-MM-DD (a month as YYYY-MM), blank as
    nothing."""
    frame = matched.frame
    text = fill_template(message_template(rule), lambda name: _as_text(frame[name], name), len(frame))
    return pd.Series(text, index=frame.index, dtype=object)


def _cell_text(values: pd.Series) -> pd.Series:
    """The cited cells as findings show them (findings.display): dates as YYYY-MM-DD made once per distinct day."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return day_text(values)
    return values.map(lambda v: "" if pd.isna(v) else display(v))


def _as_text(values: pd.Series, name: str) -> pd.Series:
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.map({True: "yes", False: "no"}).astype(object).fillna("")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return quantity_text(values.astype("float64"))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        if name == "month":
            return values.dt.strftime("%Y-%m").astype(object).fillna("")
        return day_text(values)
    return values.astype(object).where(values.notna(), "").astype(str)
