"""Suggested improvements (issue "Learning from what happened", docs/learning.md "Suggested improvements"): what
the book shows happening, turned into at most `max_suggestions` changes to make, each with the numbers behind it
and what it applies to, ranked by the units it touches (then the value).

Four rules, each a measurement omxl already makes elsewhere judged against a threshold of `[improvements]`
(omxl/config.py `ImprovementSettings`):

- supplier-lead-time: a supplier with at least 3 receipts whose median slip is above 0 days
  (omxl/supplier_reliability.py): its lead time to the lead time plus the median slip;
- service-level: an ABC class (the plan's) whose unit fill rate over the history_weeks (the weekly report's
  definition: units of the lines due shipped on or before their promised date, per line at most its quantity,
  over the units due) is more than `service_level_tolerance` below or above its service level;
- carrier-transit: a carrier with at least `min_shipments` deliveries in the history_weeks of which more than
  `carrier_late_share` took more than `max_transit_days` from shipping to delivery (transit as the weekly
  Carriers sheet measures it, omxl/reporting/carriers.py);
- entry-errors: a sheet on which more than `error_share` of the rows read have errors (and so were left out).

Nothing is suggested without its numbers: a rule with too little to go on stays silent, and the summary says what
was checked.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar, NamedTuple

import numpy as np
import pandas as pd

from ..money import conversion, converted, money_text, totals, totals_text
from ..planning import plan_reorders
from ..position import Position, prepare
from ..position.shipments import on_time_units
from ..presentation.code_words import in_words
from ..presentation.notebook import result_html
from ..presentation.sheets import result_sheet
from ..presentation.summary_sheet import with_summary
from ..steps.base import figures_frame
from ..supplier_reliability import MIN_RECEIPTS, receipts
from ..wording import and_list, percent_text
from .carriers import NONE, carrier_shipments

if TYPE_CHECKING:  # for annotations only
    from ..book import Book
    from ..config import Config
    from ..planning import ReorderPlan

__all__ = ["RULES", "SUGGESTION_COLUMNS", "Improvements", "Rule", "suggest_improvements"]

SUGGESTION_COLUMNS = ("rank", "kind", "applies_to", "suggestion", "evidence", "units", "value", "currency")


class Rule(NamedTuple):
    """One kind of suggestion: its stable code, how the figures and the summary name it, and what it judges."""

    kind: str
    label: str
    checks: str


# In this order on ties of units and value, and in the figures.
RULES: tuple[Rule, ...] = (
    Rule("supplier-lead-time", "Supplier lead times",
         "suppliers with at least 3 receipts: lead time to the median slip when it is late"),
    Rule("service-level", "Service levels",
         "ABC classes: unit fill rate of the history_weeks against the class's service level"),
    Rule("carrier-transit", "Carrier transit",
         "carriers: share of deliveries taking more than max_transit_days"),
    Rule("entry-errors", "Entry errors", "sheets read: share of rows with errors"),
)
KIND_ORDER = {rule.kind: number for number, rule in enumerate(RULES)}
_COUNT = "#,##0"


@dataclasses.dataclass(frozen=True, repr=False)
class Improvements:
    """What to change, from what happened.

    suggestions  one row per suggestion (SUGGESTION_COLUMNS), rank 1 first: most units touched, then most value
    checked      per rule (RULES order): kind, checked (how many suppliers, classes, carriers or sheets had enough
                 to be judged), found (how many passed the threshold, before the cut to max_suggestions), what
                 (`checked` in words)
    """

    suggestions: pd.DataFrame
    checked: pd.DataFrame
    as_of: pd.Timestamp
    position: Position | None = dataclasses.field(default=None, repr=False, compare=False)
    step: ClassVar[str] = "improvements"   # its entry in omxl.steps.REGISTRY

    @property
    def findings(self) -> pd.DataFrame:
        """The validation issues of the position it started from (omxl.steps.Result)."""
        return self.position.issues if self.position is not None else pd.DataFrame()

    @property
    def summary(self) -> str:
        """One sentence: how many suggestions of which kinds, or "Nothing to suggest", and what was checked."""
        checked = and_list([text for text in self.checked["what"]])
        if not len(self.suggestions):
            return f"Nothing to suggest: checked {checked}; none past its threshold."
        count = len(self.suggestions)
        kinds = self.suggestions["kind"].value_counts()
        by_kind = ", ".join(f"{int(kinds[rule.kind])} {rule.label.lower()}" if kinds[rule.kind] > 1 else
                            f"1 {_singular(rule.label).lower()}" for rule in RULES if rule.kind in kinds)
        found = int(self.checked["found"].sum())
        more = f" (the {count} touching the most units of {found} found)" if found > count else ""
        return (f"{count} {'suggestion' if count == 1 else 'suggestions'}{more}, most units first: {by_kind}. "
                f"Checked {checked}.")

    @property
    def figures(self) -> pd.DataFrame:
        """Suggestions, and per rule how many it made and what it checked (omxl.steps.Result)."""
        rows = [("Suggestions", len(self.suggestions), _COUNT, "", "most units touched first")]
        kinds = self.suggestions["kind"].value_counts()
        for rule, what in zip(RULES, self.checked["what"]):
            rows.append((rule.label, int(kinds.get(rule.kind, 0)), _COUNT, "", f"checked {what}"))
        return figures_frame(rows)

    def result_sheets(self) -> dict[str, object]:
        """The Summary and the Improvements sheet (kinds in words)."""
        labels = self.position.config.labels if self.position is not None else None
        sheet = result_sheet(in_words(self.suggestions, "Improvements"), "Improvements", labels=labels)
        return with_summary(self, {"Improvements": sheet}, sentence=self.summary)

    def __repr__(self) -> str:
        return f"<omxl.Improvements as of {self.as_of:%Y-%m-%d}: {self.summary}>"

    def _repr_html_(self) -> str:
        return result_html(self, "Improvements", self.suggestions, "Suggested improvements, most units first")


def suggest_improvements(book: "Book | Position", *, as_of: object = None,
                         config: "Config | dict | str | None" = None) -> Improvements:
    """At most `[improvements] max_suggestions` suggested improvements from what the book shows happening as of
    `as_of` (default today): supplier lead times, ABC class service levels, carriers, sheets entered with errors
    (docs/learning.md, "Suggested improvements"). `book` may be a Position from omxl.prepare."""
    start = prepare(book, as_of=as_of, config=config)
    return improvements_of(start, plan_reorders(start))


def improvements_of(pos: Position, plan: "ReorderPlan") -> Improvements:
    """The suggested improvements of `pos`, with `plan` (made from it) giving each SKU's ABC class: the weekly
    report passes its own plan."""
    settings = pos.config.improvements
    parts = [_supplier_lead_times(pos), _service_levels(pos, plan), _carrier_transit(pos), _entry_errors(pos)]
    found = pd.concat([frame for frame, _, _ in parts if len(frame)] or [_empty()], ignore_index=True)
    found = found.assign(_kind=found["kind"].map(KIND_ORDER))
    found = found.sort_values(["units", "value", "_kind", "applies_to"], ascending=[False, False, True, True],
                              na_position="last", kind="stable").head(settings.max_suggestions)
    found = found.drop(columns="_kind").reset_index(drop=True)
    found["rank"] = np.arange(1, len(found) + 1, dtype="int64")
    suggestions = found[list(SUGGESTION_COLUMNS)].astype(_DTYPES)
    checked = pd.DataFrame({"kind": [rule.kind for rule in RULES],
                            "checked": [count for _, count, _ in parts],
                            "found": [len(frame) for frame, _, _ in parts],
                            "what": [what for _, _, what in parts]}).astype(
        {"kind": "string[python]", "checked": "int64", "found": "int64", "what": "string[python]"})
    return Improvements(suggestions=suggestions, checked=checked, as_of=pos.as_of, position=pos)


# --- the rules: each gives (suggestions, how many it judged, what it judged in words) ------------------------

Found = tuple[pd.DataFrame, int, str]
_DTYPES = {"rank": "int64", "kind": "string[python]", "applies_to": "string[python]",
           "suggestion": "string[python]", "evidence": "string[python]", "units": "float64", "value": "float64",
           "currency": "string[python]"}


def _empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in _DTYPES.items()})


def _rows(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return _empty()
    return pd.DataFrame(rows).assign(rank=0).reindex(columns=list(SUGGESTION_COLUMNS)).astype(_DTYPES)


def _window(pos: Position) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The history_weeks ending on as_of, both ends included (the window planning learns demand from)."""
    days = 7 * pos.config.history_weeks
    return pos.as_of - pd.Timedelta(days=days - 1), pos.as_of


def _supplier_lead_times(pos: Position) -> Found:
    book = pos.book
    pos_table = book.purchase_orders
    table = pos.supplier_reliability   # worked out once on the position, as reconcile and planning use it
    judged = table[table["receipts"] >= MIN_RECEIPTS]
    what = _counted(len(judged), "supplier", f"with {MIN_RECEIPTS} or more receipts")
    late = judged[judged["shift_days"] > 0]
    if late.empty:
        return _empty(), len(judged), what
    seen = receipts(pos_table)
    seen = seen.assign(supplier_id=seen["supplier_id"].astype(object))
    suppliers = book.suppliers.dropna(subset=["supplier_id"]).drop_duplicates("supplier_id")
    suppliers = suppliers.assign(supplier_id=suppliers["supplier_id"].astype(object)).set_index("supplier_id")
    default = float(pos.config.default_lead_time_days)
    start, end = _window(pos)
    convert = conversion(pos.config)
    rows = []
    for row in late.itertuples(index=False):
        supplier = str(row.supplier_id)
        own = seen[seen["supplier_id"] == supplier]
        given = suppliers["lead_time_days"].get(supplier, np.nan) if "lead_time_days" in suppliers else np.nan
        lead, source = (float(given), "the supplier's") if pd.notna(given) else (default, "default_lead_time_days")
        median = float(row.median_slip_days)
        units, value, currency, units_words = _supplier_units(pos, supplier, start, end, convert)
        rows.append({
            "kind": "supplier-lead-time", "applies_to": supplier,
            "suggestion": (f"{supplier}: {row.receipts} receipts, median {_days(median)} late: lead time "
                           f"{_number(lead)} → {_number(lead + median)} days"),
            "evidence": (f"{row.receipts} receipts from {own['received_date'].min():%Y-%m-%d} to "
                         f"{own['received_date'].max():%Y-%m-%d}, {row.on_time} on time; slip "
                         f"{_number(own['slip_days'].min())} to {_number(own['slip_days'].max())} days, median "
                         f"{_number(median)}; lead time {_days(lead)} ({source}); {units_words}"),
            "units": units, "value": value, "currency": currency})
    return _rows(rows), len(judged), what


def _supplier_units(pos: Position, supplier: str, start: pd.Timestamp, end: pd.Timestamp,
                    convert: object) -> tuple[float, float, object, str]:
    """Units on the supplier's open purchase orders, else ordered from it in the history_weeks; their value at
    the PO line's unit cost (else the item's) in the PO's currency (else the supplier's)."""
    supply = pos.open_supply
    open_lines = supply[(supply["supplier_id"].astype(object) == supplier).to_numpy(dtype=bool)
                        & (supply["open_qty"] > 0).to_numpy()]
    lines = pos.book.purchase_orders
    if len(open_lines):
        qty = open_lines["open_qty"].astype(float)
        priced = lines.loc[lines["supplier_id"].astype(object) == supplier].drop_duplicates(["po_id", "sku"])
        priced = open_lines[["po_id", "sku"]].merge(priced, on=["po_id", "sku"], how="left")
        priced.index = open_lines.index
        words = f"{_number(qty.sum())} units on its open purchase orders"
    else:
        ordered = lines[(lines["supplier_id"].astype(object) == supplier).to_numpy(dtype=bool)]
        day = pd.to_datetime(ordered["order_date"]).dt.normalize()
        ordered = ordered[((day >= start) & (day <= end)).fillna(False).to_numpy(dtype=bool)]
        if "status" in ordered:
            ordered = ordered[ordered["status"].astype(object).ne("cancelled").to_numpy(dtype=bool)]
        qty, priced = ordered["qty"].astype(float).clip(lower=0), ordered
        words = (f"{_number(qty.sum())} units ordered from it from {start:%Y-%m-%d} to {end:%Y-%m-%d}, none open")
    value, currency = _money(qty, priced, pos, supplier, convert)
    return float(qty.sum()), value, currency, words


def _money(qty: pd.Series, priced: pd.DataFrame, pos: Position, supplier: str,
           convert: object) -> tuple[float, object]:
    """qty at the PO line's unit cost (else the item's), in the line's currency (else the supplier's): one amount
    and its currency when there is one currency (or all convert into the base), else blank."""
    items = pos.book.inventory.dropna(subset=["sku"]).drop_duplicates("sku").set_index("sku")
    cost = priced["unit_cost"].astype(float) if "unit_cost" in priced else pd.Series(np.nan, index=priced.index)
    cost = cost.fillna(priced["sku"].map(items["unit_cost"]).astype(float))
    suppliers = pos.book.suppliers.dropna(subset=["supplier_id"]).drop_duplicates("supplier_id")
    own_currency = suppliers.loc[suppliers["supplier_id"].astype(object) == supplier, "currency"]
    fallback = own_currency.iloc[0] if len(own_currency) and pd.notna(own_currency.iloc[0]) else \
        pos.config.base_currency
    currency = priced["currency"].astype(object) if "currency" in priced else pd.Series(None, index=priced.index,
                                                                                          dtype=object)
    currency = currency.where(currency.notna(), fallback)
    return _one_amount(pd.Series(qty.to_numpy() * cost.to_numpy()), pd.Series(currency.to_numpy()), convert)


def _one_amount(amounts: pd.Series, currencies: pd.Series, convert: object) -> tuple[float, object]:
    table = totals(amounts, currencies)
    table = table[table["amount"].notna()]
    if table.empty:
        return np.nan, pd.NA
    if len(table) == 1:
        code = table["currency"].iloc[0]
        return float(table["amount"].iloc[0]), (pd.NA if code == "unknown currency" else code)
    if convert is not None:
        amount, _, missing = converted(table, convert)
        if not missing:
            return amount, convert.base
    return np.nan, pd.NA   # amounts in several currencies are not one number


def _service_levels(pos: Position, plan: "ReorderPlan") -> Found:
    settings = pos.config
    rules = settings.improvements
    start, end = _window(pos)
    lines = pos.lines
    promised = pd.to_datetime(lines["promised_date"]).dt.normalize()
    classes = plan.skus.dropna(subset=["abc_class"]).drop_duplicates("sku").set_index("sku")["abc_class"]
    abc = lines["sku"].map(classes).astype(object)
    due = (((promised >= start) & (promised <= end)).fillna(False).to_numpy(dtype=bool)
           & (lines["sheet_status"].astype(object) != "cancelled").to_numpy(dtype=bool)
           & (lines["qty"] > 0).fillna(False).to_numpy(dtype=bool) & abc.notna().to_numpy())
    # The unit fill rate of the weekly report (omxl/reporting/kpis.py): units shipped on or before the line's
    # promised date by the shipments counted for it (matched, same SKU), at most the line's quantity.
    filled = on_time_units(lines, pos.shipment_matches)
    qty = lines["qty"].to_numpy(dtype=float)
    work = pd.DataFrame({"abc": abc.to_numpy()[due], "qty": qty[due], "filled": filled[due]})
    per_class = work.groupby("abc", sort=True).agg(lines=("qty", "size"), units=("qty", "sum"),
                                                   filled=("filled", "sum"))
    judged = per_class[per_class["lines"] >= rules.min_due_lines]
    what = _counted(len(judged), "ABC class", f"with {rules.min_due_lines} or more lines due from "
                                               f"{start:%Y-%m-%d} to {end:%Y-%m-%d}", plural="ABC classes")
    skus = plan.skus
    stock_value = skus["on_hand"].astype(float).clip(lower=0) * skus["unit_cost"].astype(float)
    convert = conversion(settings)
    rows = []
    for abc_class, row in judged.iterrows():
        target = float(settings.service_levels.get(str(abc_class), settings.service_level))
        source = (f"service_levels.{abc_class}" if str(abc_class) in settings.service_levels else "service_level")
        rate = float(row["filled"]) / float(row["units"])
        gap = rate - target
        if abs(gap) <= rules.service_level_tolerance + 1e-12:
            continue
        of_class = (skus["abc_class"].astype(object) == abc_class).to_numpy(dtype=bool)
        value, currency = _one_amount(stock_value[of_class], skus.loc[of_class, "currency"], convert)
        stock = totals_text(totals(stock_value[of_class], skus.loc[of_class, "currency"]))
        if gap < 0:
            sentence = (f"Class {abc_class}: {percent_text(rate)} of the units due shipped on time against a "
                        f"{percent_text(target)} service level: raise the class's service level setting or its reorder levels")
        else:
            shown = money_text(value, currency) if pd.notna(value) else stock
            sentence = (f"Class {abc_class}: {percent_text(rate)} of the units due shipped on time against a "
                        f"{percent_text(target)} service level: lower the class's service level setting; its stock is worth "
                        f"{shown}")
        rows.append({
            "kind": "service-level", "applies_to": f"class {abc_class}", "suggestion": sentence,
            "evidence": (f"{int(row['lines'])} lines due from {start:%Y-%m-%d} to {end:%Y-%m-%d}: "
                         f"{_number(row['filled'])} of {_number(row['units'])} units shipped on or before the "
                         f"promised date ({percent_text(rate)}); service level {percent_text(target)} ({source}), "
                         f"tolerance {_points(rules.service_level_tolerance)}; stock of the class {stock}"),
            "units": float(row["units"]), "value": value, "currency": currency})
    return _rows(rows), len(judged), what


def _carrier_transit(pos: Position) -> Found:
    rules = pos.config.improvements
    start, end = _window(pos)
    work = carrier_shipments(pos, start, end)
    work = work[work["carrier"] != NONE]
    delivered = work[work["transit"].notna()]
    per_carrier = delivered.groupby("carrier", sort=True).agg(
        deliveries=("transit", "size"), late=("transit", lambda days: int((days > rules.max_transit_days).sum())),
        average=("transit", "mean"), shortest=("transit", "min"), longest=("transit", "max"))
    judged = per_carrier[per_carrier["deliveries"] >= rules.min_shipments]
    what = _counted(len(judged), "carrier", f"with {rules.min_shipments} or more deliveries")
    units = work.groupby("carrier")["units"].sum()
    waiting = work[work["in_transit"]].groupby("carrier").size()
    rows = []
    for carrier, row in judged.iterrows():
        share = row["late"] / row["deliveries"]
        if share <= rules.carrier_late_share + 1e-12:
            continue
        still = int(waiting.get(carrier, 0))
        rows.append({
            "kind": "carrier-transit", "applies_to": str(carrier),
            "suggestion": (f"{carrier}: {int(row['late'])} of {int(row['deliveries'])} deliveries took more than "
                           f"{_days(rules.max_transit_days)} in transit (average {_days(row['average'])}): review "
                           "its service or book these shipments with another carrier"),
            "evidence": (f"{int(row['deliveries'])} deliveries shipped from {start:%Y-%m-%d} to {end:%Y-%m-%d}: "
                         f"transit {_number(row['shortest'])} to {_days(row['longest'])}, average "
                         f"{_days(row['average'])}; {percent_text(share)} over {_days(rules.max_transit_days)} "
                         f"(threshold {percent_text(rules.carrier_late_share)})"
                         + (f"; {still} more still in transit" if still else "")
                         + f"; {_number(units.get(carrier, 0.0))} units shipped with it"),
            "units": float(units.get(carrier, 0.0)), "value": np.nan, "currency": pd.NA})
    return _rows(rows), len(judged), what


def _entry_errors(pos: Position) -> Found:
    rules = pos.config.improvements
    layout = pos.book.layout
    layout = layout[layout["table"].notna().to_numpy() & (layout["rows"].fillna(0) > 0).to_numpy()]
    keys = ["source", "sheet"]
    read = layout.assign(sheet=layout["sheet"].astype(object).fillna(""), source=layout["source"].astype(object))
    read = read.groupby(keys, sort=False)["rows"].sum()
    what = _counted(len(read), "sheet", "read")
    errors = pos.error_rows.assign(sheet=pos.error_rows["sheet"].astype(object).fillna(""),
                                   source=pos.error_rows["source"].astype(object),
                                   units=pos.error_rows["units"].clip(lower=0))   # clipped once, not per sheet
    if errors.empty or read.empty:
        return _empty(), len(read), what
    per_sheet = errors.groupby(keys, sort=False).agg(rows=("row", "nunique"),
                                                     units=("units", lambda u: float(u.sum(min_count=1))))
    issues = pos.issues[(pos.issues["severity"] == "error").to_numpy(dtype=bool)]
    issues = issues.assign(sheet=issues["sheet"].astype(object).fillna(""), source=issues["source"].astype(object))
    # Each sheet's error findings counted by code in one grouping, not sheet by sheet (a data set of 305 daily
    # files has 305 sheets); codes in the order they first appear in the sheet, as value_counts keeps ties.
    by_code: dict[tuple[str, str], list[tuple[str, int]]] = {}
    if len(issues):
        counted = issues.groupby([*keys, "code"], sort=False).size()
        for (source, sheet, code), count in zip(counted.index, counted.tolist()):
            by_code.setdefault((source, sheet), []).append((code, count))
    rows = []
    for (source, sheet), row in per_sheet.iterrows():
        total = read.get((source, sheet))
        if total is None or not total:
            continue
        share = row["rows"] / float(total)
        if share <= rules.error_share + 1e-12:
            continue
        place = f"{source}!{sheet}" if sheet else str(source)
        # the commonest first; equal counts in the order the codes first appear (a stable sort)
        common = sorted(by_code.get((source, sheet), []), key=lambda code_count: -code_count[1])
        most = ", ".join(f"{code} {count}" for code, count in common[:3])
        rows.append({
            "kind": "entry-errors", "applies_to": place,
            "suggestion": (f"{place}: {int(row['rows'])} of {int(total)} rows ({percent_text(share)}) "
                           f"{'has errors and was' if row['rows'] == 1 else 'have errors and were'} left out: check how the "
                           "sheet is filled in"),
            "evidence": (f"{_counted(int(row['rows']), 'row', 'with errors')} of {int(total)} read "
                         f"({percent_text(share)}, threshold {percent_text(rules.error_share)}); error findings by code: "
                         f"{most}" + (f"; {_number(row['units'])} units on those rows" if pd.notna(row["units"])
                                      else "")),
            "units": float(row["units"]), "value": np.nan, "currency": pd.NA})
    return _rows(rows), len(read), what


# --- words ----------------------------------------------------------------------------------------------------

def _number(value: float) -> str:
    """20 -> '20'; 6.5 -> '6.5'; 1234 -> '1,234'."""
    value = float(value)
    return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"


def _days(value: float) -> str:
    return f"{_number(value)} day" if float(value) == 1 else f"{_number(value)} days"


def _points(share: float) -> str:
    return percent_text(share).removesuffix("%") + " points"


def _counted(count: int, noun: str, detail: str, *, plural: str | None = None) -> str:
    if count == 0:
        return f"no {noun} {detail}"
    return f"{count} {noun if count == 1 else (plural or noun + 's')} {detail}"


def _singular(label: str) -> str:
    return label[:-1] if label.endswith("s") else label

