"""A deterministic sample workbook: a wholesale distributor's seven tables, with known defects.

`omxl demo` writes it; docs, notebooks and tests read it. Everything follows from the seed, the
number of order lines and the as-of date, never from today. Every deliberate defect sits on a
fixed row that does not depend on the seed, and `demo_defects` lists each one with its cell, so
tests can assert exact findings. docs/sample-workbook.md is the output of `demo_markdown()`.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .findings import column_letter
from .io.atomic import atomic_save, verify_xlsx
from .io.write import xlsx_workbook

AS_OF = dt.date(2026, 11, 27)
MIN_LINES = 200  # the fixed defect rows need this many order lines to stay apart
HISTORY_DAYS = 112  # 16 weeks ending on as_of

# Sheet layouts: (header as written, cell kind, column width). The headers are aliases in model.py.
LAYOUT: dict[str, tuple[tuple[str, str, int], ...]] = {
    "Orders": (("Order #", "id", 11), ("Line", "int", 6), ("Order Date", "date", 12), ("Customer", "id", 11),
               ("Item Code", "id", 12), ("Qty", "qty", 8), ("Unit Price", "money", 11),
               ("Promised Date", "date", 14), ("Status", "text", 11), ("Priority", "int", 8),
               ("Sales Rep", "text", 12), ("Notes", "text", 28)),
    "Inventory": (("SKU", "id", 12), ("Description", "text", 38), ("On Hand", "qty", 10), ("Location", "text", 10),
                  ("Unit Cost", "money", 10), ("Supplier", "id", 10), ("Lead Time (days)", "int", 10),
                  ("On Order", "qty", 10), ("Reorder Point", "qty", 10), ("Reorder Qty", "qty", 10),
                  ("Min Qty", "qty", 9), ("Max Qty", "qty", 9), ("Safety Stock", "qty", 10), ("MOQ", "qty", 8),
                  ("Pack Size", "int", 9), ("Discontinued", "text", 12)),
    "Suppliers": (("Supplier ID", "id", 11), ("Supplier Name", "text", 32), ("Email", "text", 36),
                  ("Phone", "text", 18), ("Lead Time Days", "int", 10), ("Lead Time SD", "num", 10),
                  ("Min Order Value", "money", 12), ("Ordering Cost", "money", 11), ("Currency", "text", 9)),
    "Customers": (("Customer ID", "id", 11), ("Customer Name", "text", 34), ("Email", "text", 36),
                  ("Priority", "int", 8), ("E-mail", "text", 36)),
    "Shipments": (("Shipment #", "id", 12), ("Order #", "id", 11), ("Line", "int", 6), ("Item Code", "id", 12),
                  ("Qty Shipped", "qty", 11), ("Ship Date", "date", 12), ("Carrier", "text", 9),
                  ("Tracking #", "id", 20), ("Delivered Date", "date", 14)),
    "Purchase Orders": (("PO Number", "id", 11), ("Supplier", "id", 10), ("SKU", "id", 12), ("Qty Ordered", "qty", 11),
                        ("PO Date", "date", 12), ("Expected Date", "date", 13), ("Received Qty", "qty", 12),
                        ("Status", "text", 18)),
    "Returns": (("RMA #", "id", 10), ("Order #", "id", 11), ("Line", "int", 6), ("SKU", "id", 12), ("Qty", "qty", 7),
                ("Received Date", "date", 13), ("Reason", "text", 22), ("Condition", "text", 11),
                ("Resolution", "text", 11), ("Status", "text", 11)),
}
HEADER_ROW = {sheet: 4 if sheet == "Orders" else 1 for sheet in LAYOUT}  # Excel row of each header

# Fixed places of the deliberate situations, so they do not move with the seed.
# Orders head rows (0-based data positions) are the oldest lines; every head line ships one working
# day after ordering, so their shipments are the first rows of Shipments for every seed.
HEAD = 48
H = dict(closed_unshipped=3, open_shipped=7, over_ship=11, sku_mismatch=15, cancelled_shipped=19, no_tracking=23,
         delivered_early=27, return_excess=31, exchange=35, return_unshipped=39)
# Orders tail rows, counted back from the last line: recent open lines with nothing shipped.
T = dict(blank_customer=4, blank_sku=8, twelve=10, ambiguous=14, na=16, neg_qty=20, neg_price=22, promised_early=26,
         duplicate=28, bad_sku=32, bad_customer=36, future=38, outlier=40, nbsp_sku=42, spaced_customer=44,
         text_qty=46)
# Inventory positions (SKUs sorted, so the three numeric-looking SKUs come first); no WEST rows before WEST_FROM.
S = dict(negative=3, stockout1=5, stockout2=7, stockout3=9, scarce=11, bulk=13, fast=15, na=17, min_max=19,
         bad_supplier=21)
WEST_FROM = 24
# Tail lines that give the stock roles their open demand: tail offset -> SKU role.
T_STOCK = {2: "stockout1", 6: "stockout2", 12: "stockout3", 18: "negative", 24: "scarce", 34: "scarce"}
C_BAD_EMAIL, C_FORMULA = 4, {6: "=Cmd Retail Ltd", 9: "@Home Furnishings"}  # Customers positions
SUP_BAD_EMAIL, SUP_DUPLICATE = 2, 4  # Suppliers positions; the duplicate is inserted right below
# Purchase Orders positions: closed lines first (one over-received), then two overdue and one unknown supplier.
PO_CLOSED, PO_OVER_RECEIPT = 6, 2
PO_OVERDUE, PO_BAD_SUPPLIER = (PO_CLOSED, PO_CLOSED + 1), PO_CLOSED + 2
SHIP_PHANTOM = 20  # Shipments position of the shipment for an order that does not exist

# Keys outside the generated ranges (SKU-10000..89999, C-1001..8999, SO-260001 up, SUP-001..040).
BAD_SKU, BAD_CUSTOMER, PHANTOM_ORDER = "SKU-99017", "C-9404", "SO-259990"
BAD_SUPPLIER, BAD_PO_SUPPLIER = "SUP-099", "SUP-098"
CARRIERS = ("DHL", "UPS", "DPD", "FedEx")


@dataclass(frozen=True)
class Formula:
    """A formula cell with its cached result (the `=NA()` unit price), as it appears in demo_tables."""

    formula: str
    value: str


def demo_tables(*, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> dict[str, pd.DataFrame]:
    """The sheets exactly as `write_demo` writes them, keyed by sheet name, defects included.

    Columns are the headers as written; row i of a frame is Excel row HEADER_ROW[sheet] + 1 + i
    (the Orders blank row is an all-blank row of the frame). See docs/sample-workbook.md.
    """
    return _build(seed, lines, as_of)[0]


def demo_defects(*, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> pd.DataFrame:
    """Every deliberate defect: step (validate, reconcile, scenario, safety), code, sheet, cell, description."""
    return _build(seed, lines, as_of)[1]


def write_demo(path: str | os.PathLike, *, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> Path:
    """Write the sample workbook to `path` (via a temporary file beside it) and return the path."""
    path = Path(path)
    sheets, _ = _build(seed, lines, as_of)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_save(path, verify=verify_xlsx) as temp:
        _write(str(temp), sheets, as_of)
    return path


def demo_markdown(*, seed: int = 7, lines: int = 3000, as_of: dt.date = AS_OF) -> str:
    """docs/sample-workbook.md: the sheets, their sizes and every deliberate defect, from the generator itself."""
    from .docgen import GENERATED  # here, not at the top: docgen lists this page and so imports this module

    sheets, defects = _build(seed, lines, as_of)
    orders, inv = sheets["Orders"].dropna(how="all"), sheets["Inventory"]
    day = f"{pd.Timestamp(as_of):%Y-%m-%d}"
    rows = {name: f"{len(frame):,}" for name, frame in sheets.items()}
    rows["Orders"] = f"{len(orders):,} + 1 blank"
    what = {
        "Orders": f"{orders['Order #'].nunique():,} orders, one row per line; title block in A1:A2, an autofilter, "
                  "extra columns Sales Rep and Notes",
        "Inventory": f"Excel table `Stock`; {inv['SKU'].nunique():,} SKUs at MAIN, "
                     f"{int((inv['Location'] == 'WEST').sum())} also at WEST; On Order is blank "
                     "(purchase orders exist)",
        "Suppliers": "lead time and its spread, minimum order value, ordering cost, currency",
        "Customers": "priority 1-3 (some blank); a second address column `E-mail`",
        "Shipments": "one row per shipment, oldest first; partially shipped lines have two",
        "Purchase Orders": f"{sheets['Purchase Orders']['PO Number'].nunique()} POs: closed ones first, then open "
                           "lines grouped per supplier",
        "Returns": "RMAs with reason, condition, resolution and status",
    }
    out = [
        GENERATED.format(source="omxl/demo.py"), "# The sample workbook\n\n",
        "`workbooks/sample.xlsx` is the made-up but realistic book of a wholesale distributor: 16 weeks of order "
        f"lines ending on the as-of date **{day}**, with stock, suppliers, customers, shipments, purchase orders "
        "and returns. It carries a small, fixed set of deliberate mistakes and reconciliation situations, each on "
        "a known cell, so docs, notebooks and tests can show and assert exactly what omxl finds.\n\n"
        "## Regenerate\n\n```bash\n"
        f"omxl demo --out workbooks/sample.xlsx   # seed {seed}, {lines:,} lines, as of {day}\n"
        "```\n\nor `omxl.demo.write_demo(path, seed=7, lines=3000, as_of=datetime.date(2026, 11, 27))`. The same "
        "three arguments give a byte-identical file; nothing depends on today's date. `demo_tables()` returns the "
        "sheets as DataFrames (a `Formula` object marks the one formula cell), `demo_defects()` the tables below. "
        "Another seed changes the data, not the defect cells; `lines` (at least 200) moves only the blank row and "
        "the Orders rows counted from the end.\n\n",
        f"## Sheets (seed {seed}, {lines:,} lines)\n\n"
        "| sheet | header row | data rows | contents |\n|---|---|---|---|\n",
        *(f"| {name} | {HEADER_ROW[name]} | {rows[name]} | {what[name]} |\n" for name in LAYOUT),
        "\nSizes follow from `lines`: Orders has exactly `lines` rows plus one blank row at data position "
        "`lines // 2`; Inventory `max(50, lines // 8)` SKUs, about 8 % of them with a second (WEST) row; Suppliers "
        "`min(40, max(8, lines // 100))` plus one duplicate; Customers `min(7999, max(10, lines // 20))`; Shipments "
        "follow the shipped lines; Purchase Orders hold open lines for 15 % of the SKUs; Returns about 1.5 % of "
        "the delivered lines.\n\n## What the data looks like\n\n"
        "- Dates are date cells (`yyyy-mm-dd`), numbers are numbers, identifiers are text (three SKUs look like "
        "numbers with leading zeros). Orders are placed on working days, a little busier on Mondays.\n"
        "- Each SKU has its own demand rate (a few fast movers, a long slow tail) and its own usual quantity; a "
        "line orders 1 to 4 times that quantity, so a 50x line stands out.\n"
        "- Lines are promised 3 to 21 days after ordering (moved to a working day). Most ship in the last third "
        "of that window, about 10 % late, about 4 % as long backorders; 12 % ship in two parts. Old lines are "
        "almost all closed, about half of the last three weeks' lines are still open, some open lines are late.\n"
        "- Statuses are written as users write them: Shipped, Complete, Closed, Open, Backorder, Hold, On Hold, "
        "Canceled, Cancelled. Closed lines are fully shipped and open lines are not, except the rows below.\n"
        "- Carriers DHL, UPS, DPD and FedEx with their tracking-number shapes; delivered 1 to 6 working days "
        "after shipping, blank when that is after the as-of date.\n"
        "- Open purchase orders go to the SKUs with the least cover and are due from two days after the as-of "
        "date; on-hand stock is at least 1 on every row except those below.\n\n"
        "## Deliberate defects\n\nThe cell is where the mistake is (the header cell for column-level findings). "
        "`validate` rows are what `omxl.validate` must report, each cell once under its own code; `reconcile` "
        "rows what `omxl.reconcile` must list in `exceptions`; `scenario` and `safety` rows are situations for "
        "allocation and for output safety. Every Orders row with a validation error is a recent open line with "
        "nothing shipped, so leaving it out changes no reconciliation result.\n",
    ]
    for step, group in defects.groupby("step", sort=False):
        counts = ", ".join(f"{code} {n}" for code, n in group["code"].value_counts(sort=False).items())
        out.append(f"\n### {step} ({len(group)}: {counts})\n\n| code | sheet | cell | what |\n|---|---|---|---|\n")
        out += [f"| `{r.code}` | {r.sheet} | {r.sheet}!{r.cell} | {r.description} |\n" for r in group.itertuples()]
    return "".join(out)


# --- the business ----------------------------------------------------------------------------

def _build(seed: int, lines: int, as_of: dt.date) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    if lines < MIN_LINES:
        raise ValueError(f"lines must be at least {MIN_LINES}, so that every deliberate defect has a row of its own")
    rng = np.random.default_rng(seed)
    day = np.datetime64(pd.Timestamp(as_of).date(), "D")
    sup = _suppliers(rng, min(40, max(8, lines // 100)))
    items = _items(rng, max(50, lines // 8), sup)
    cust = _customers(rng, min(7999, max(10, lines // 20)))
    orders = _order_lines(rng, lines, items, cust, day)
    ships = _shipments(rng, orders, items, day)
    returns = _returns(rng, orders, ships, day)
    stock, rate = _stock(rng, items, orders)
    pos = _purchase_orders(rng, items, sup, stock, rate, day)
    return _inject(orders, ships, returns, stock, pos, sup, cust, items, day)


def _suppliers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    prefix = ["Atlas", "Nordic", "Meridian", "Keystone", "Pacific", "Brightline", "Summit", "Harbour", "Vanguard",
              "Orion", "Granite", "Cedar", "Apex", "Falcon", "Beacon", "Crest", "Delta", "Evergreen", "Titan", "Unity"]
    kind = ["Industrial Supply", "Trading", "Packaging", "Components", "Distribution", "Safety Products",
            "Fasteners", "Hygiene"]
    combos = np.array([f"{p} {k}" for p in prefix for k in kind])[rng.permutation(len(prefix) * len(kind))[:n]]
    # Legal form, dialling code and currency go together, as they do on a real vendor list.
    country = rng.choice(7, n, p=[0.25, 0.22, 0.12, 0.2, 0.08, 0.05, 0.08])
    form, dial, ccy = (np.array(x)[country] for x in (
        ["Ltd", "GmbH", "BV", "Inc", "S.r.l.", "AB", "SAS"], ["+44", "+49", "+31", "+1", "+39", "+46", "+33"],
        ["GBP", "EUR", "EUR", "USD", "EUR", "SEK", "EUR"]))
    slug = pd.Series(combos).str.lower().str.replace(" ", "-", regex=False)
    lead = rng.integers(5, 36, n)
    return pd.DataFrame({
        "Supplier ID": [f"SUP-{i:03d}" for i in range(1, n + 1)],
        "Supplier Name": pd.Series(combos) + " " + form,
        "Email": rng.choice(["sales", "orders", "purchasing"], n) + "@" + slug + ".example",
        "Phone": [f"{d} {a} {b} {c}" for d, a, b, c in zip(dial, rng.integers(20, 99, n), rng.integers(1000, 9999, n),
                                                             rng.integers(100, 999, n))],
        "Lead Time Days": lead,
        "Lead Time SD": np.round(lead * rng.uniform(0.1, 0.3, n), 1),
        "Min Order Value": rng.choice([0, 250, 500, 1000, 2500], n),
        "Ordering Cost": np.round(rng.uniform(25, 120, n) / 5) * 5,
        "Currency": ccy,
    })


def _items(rng: np.random.Generator, n: int, sup: pd.DataFrame) -> pd.DataFrame:
    """One row per SKU (position = Inventory order) with the demand and prices that drive the orders."""
    numbers = rng.choice(np.arange(10000, 90000), n - 3, replace=False)
    skus = np.sort(np.concatenate([[f"{k:05d}" for k in rng.choice(np.arange(100, 1000), 3, replace=False)],
                                   [f"SKU-{k}" for k in numbers]]))
    things = ["Nitrile Gloves", "Cable Ties", "Stainless Hinge", "Hex Bolt M8", "Packing Tape 48mm", "LED Bulb E27",
              "Copier Paper A4", "Safety Glasses", "Hi-Vis Vest", "Extension Lead 4-way", "Cleaning Spray 750ml",
              "Bin Liners 120L", "Stretch Film 500mm", "Wood Screw 4x40", "AA Batteries", "Hand Soap 5L",
              "Paper Towel Roll", "Cable Drum 50m", "Shelf Bracket", "Padlock 40mm", "Mop Head", "Label Roll 100x150"]
    variants = ["Small", "Medium", "Large", "XL", "Black", "White", "Clear", "Blue", "Heavy Duty", "Premium", "Eco"]
    brands = ["ProLine", "Stanza", "Kleen", "Worxa", "Fixit", "Brite", "Toolcraft", "Duro", "Safeguard", "Primo"]
    pick = lambda words: np.array(words)[rng.integers(0, len(words), n)]  # noqa: E731
    pack = rng.choice([1, 6, 10, 12, 24, 48, 100], n, p=[0.4, 0.1, 0.1, 0.15, 0.1, 0.05, 0.1])
    base = np.where(pack > 1, pack * rng.choice([1, 2], n), rng.choice([1, 2, 5, 10], n))
    # A few fast movers, a long tail of slow ones: weekly demand statistics have something to show.
    weight = rng.lognormal(0.0, 1.2, n) * np.where(rng.random(n) < 0.1, 0.05, 1.0)
    fast = [S[r] for r in ("negative", "stockout1", "stockout2", "stockout3", "scarce", "fast")]
    weight[fast] = np.quantile(weight, 0.97)
    weight[S["bulk"]] = np.median(weight)
    weight[[S["na"], S["min_max"], S["bad_supplier"]]] = 0.0  # inventory rows with errors: no order line needs them
    pack[S["bulk"]], base[S["bulk"]] = 100, 400  # sold by the 400, so the "1,200" line is an ordinary quantity
    cost = np.round(np.clip(rng.lognormal(np.log(6), 0.9, n), 0.2, 900), 2)
    return pd.DataFrame({
        "sku": skus, "description": pick(things) + " " + pick(variants) + ", " + pick(brands), "unit_cost": cost,
        "price": np.round(cost * rng.uniform(1.3, 1.9, n), 2),
        # The supplier listed twice supplies nothing: whichever of its rows a reader keeps, no reference breaks.
        "supplier": pick(sup["Supplier ID"].drop(SUP_DUPLICATE).tolist()),
        "pack": pack, "base": base, "weight": weight / weight.sum(),
        "discontinued": (rng.random(n) < 0.02) & (np.arange(n) >= WEST_FROM),
    })


def _customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    prefix = np.array(["Bright", "Harbour", "Northgate", "Summit", "Oakfield", "Riverside", "Metro", "Crown", "Pioneer",
                       "Evergreen", "Silverline", "Westbrook", "Highland", "Lakeside", "Kingsway", "Maple", "Redwood",
                       "Seaview", "Parkside", "Union", "Sterling", "Fairway", "Greenway", "Hillcrest"])
    sector = np.array(["Retail", "Hospitality", "Facilities", "Builders", "Hotels", "Cafes", "Clinics", "Engineering",
                       "Logistics", "Stores", "Schools", "Property", "Catering", "Workshops"])
    p, s = prefix[rng.integers(0, len(prefix), n)], sector[rng.integers(0, len(sector), n)]
    slug = pd.Series(p + s).str.lower() + ".example"
    return pd.DataFrame({
        "Customer ID": [f"C-{k}" for k in np.sort(rng.choice(np.arange(1001, 9000), n, replace=False))],
        "Customer Name": pd.Series(p + " " + s + " ") + rng.choice(["Ltd", "GmbH", "BV", "Inc", "LLP", "& Co"], n),
        "Email": rng.choice(["orders", "purchasing", "buying"], n) + "@" + slug,
        "Priority": rng.choice([1.0, 2.0, 3.0, np.nan], n, p=[0.1, 0.3, 0.4, 0.2]),
        "E-mail": ("ap@" + slug).where(rng.random(n) < 0.35, None),  # a second address column someone added
        "discount": rng.choice([0.0, 0.05, 0.1, 0.15], n, p=[0.4, 0.3, 0.2, 0.1]),
        "weight": rng.lognormal(0, 1.0, n),
        "rep": rng.choice(["A. Becker", "J. Murphy", "L. Rossi", "S. Okafor", "M. Jansen", "R. Patel"], n),
    })


def _order_lines(rng: np.random.Generator, n: int, items: pd.DataFrame, cust: pd.DataFrame,
                 day: np.datetime64) -> pd.DataFrame:
    """Order lines and how each was fulfilled (ship lags, partial shipments), before defects are typed in."""
    sizes = 1 + np.minimum(rng.poisson(2.0, n), 11)
    ends = np.cumsum(sizes)
    last = int(np.searchsorted(ends, n))
    sizes = sizes[:last + 1]
    sizes[-1] -= ends[last] - n  # exactly n lines
    n_orders = len(sizes)
    days = np.arange(day - HISTORY_DAYS + 1, day + 1)
    days = days[np.is_busday(days)]
    trend = (1 + 0.3 * np.linspace(0, 1, len(days))) * np.where(np.is_busday(days, weekmask="Mon"), 1.25, 1.0)
    order_of = np.repeat(np.arange(n_orders), sizes)
    odate = np.sort(rng.choice(days, n_orders, p=trend / trend.sum()))[order_of]
    cust_of = rng.choice(len(cust), n_orders, p=(cust["weight"] / cust["weight"].sum()).to_numpy())[order_of]
    p = items["weight"].to_numpy()
    sku = rng.choice(len(items), n, p=p)
    for _ in range(3):  # an order rarely lists the same item twice
        again = pd.DataFrame({"o": order_of, "s": sku}).duplicated().to_numpy()
        sku[again] = rng.choice(len(items), int(again.sum()), p=p)
    for k, role in T_STOCK.items():
        sku[n - k] = S[role]
    sku[H["exchange"]], sku[n - T["outlier"]], sku[n - T["text_qty"]] = S["scarce"], S["fast"], S["bulk"]
    mult = rng.choice([1, 2, 3, 4], n, p=[0.55, 0.25, 0.12, 0.08])
    mult[n - T["text_qty"]], mult[H["delivered_early"]] = 3, 2  # 1,200 units; a line that can ship in part
    qty = items["base"].to_numpy()[sku] * mult
    promised = np.busday_offset(odate + rng.integers(3, 22, n), 0, roll="forward")
    promised_bd = np.busday_count(odate, promised)
    u = rng.random(n)
    # Most lines ship in the last third of their promise window (the warehouse works to promised dates) ...
    lag = np.maximum(1, promised_bd - rng.integers(0, np.maximum(1, promised_bd // 3) + 1))
    lag = np.where(u < 0.10, promised_bd + rng.integers(1, 9, n), lag)  # ... some late ...
    lag = np.where(u > 0.96, promised_bd + rng.integers(15, 46, n), lag)  # ... a few long backorders
    split = (rng.random(n) < 0.12) & (qty >= 2) & (lag >= 2)
    first_lag = rng.integers(1, np.maximum(lag, 2))
    cancel, hold = rng.random(n) < 0.03, rng.random(n) < 0.06
    tail = n - np.array([*T.values(), T["duplicate"] + 1, *T_STOCK])
    lag[:HEAD], lag[tail] = 1, 100_000  # head lines ship next day; tail lines are not shipped yet
    for mask in (split, cancel, hold):
        mask[:HEAD] = mask[tail] = False
    final = np.busday_offset(odate, lag)
    first = np.where(split, np.busday_offset(odate, first_lag), final)
    full, some = (final <= day) & ~cancel, (first <= day) & ~cancel
    status = np.select([cancel, full, hold & ~some], ["cancelled", "closed", "on_hold"], "open")
    late_unshipped = (status == "open") & (promised < day) & ~some
    word = np.select(
        [status == "closed", status == "on_hold", status == "cancelled", late_unshipped & (rng.random(n) < 0.5)],
        [rng.choice(["Shipped", "Complete", "Closed"], n, p=[0.6, 0.3, 0.1]), rng.choice(["Hold", "On Hold"], n),
         rng.choice(["Canceled", "Cancelled"], n), "Backorder"], "Open")
    notes = np.array(["Call before delivery", "Deliver to rear entrance", "Partial delivery OK", "Urgent",
                      "Tail-lift needed", "Book delivery slot"])
    return pd.DataFrame({
        "order_id": [f"SO-{260001 + o}" for o in order_of],
        "line": np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1,
        "order_date": odate, "cust": cust_of, "sku": sku, "qty": qty,
        "unit_price": np.round(items["price"].to_numpy()[sku] * (1 - cust["discount"].to_numpy()[cust_of]), 2),
        "promised": promised, "status": status, "word": word,
        "priority": np.where(rng.random(n_orders) < 0.12, rng.choice([1.0, 2.0], n_orders), np.nan)[order_of],
        "rep": cust["rep"].to_numpy()[cust_of],
        "notes": np.where(rng.random(n) < 0.06, notes[rng.integers(0, len(notes), n)], None),
        "first": first, "final": final,
        "part": np.where(split, np.clip(np.round(qty * rng.uniform(0.3, 0.7, n)), 1, qty - 1), qty).astype(int),
        "split": split, "some": some, "full": full,
    })


def _shipments(rng: np.random.Generator, o: pd.DataFrame, items: pd.DataFrame, day: np.datetime64) -> pd.DataFrame:
    """One row per shipment, oldest first: partial lines ship twice, recent lines not at all."""
    one, two = np.flatnonzero(o["some"]), np.flatnonzero(o["split"] & o["full"])
    idx = np.concatenate([one, two])
    ship = np.concatenate([_days(o["first"])[one], _days(o["final"])[two]])
    qty = np.concatenate([o["part"].to_numpy()[one], (o["qty"] - o["part"]).to_numpy()[two]])
    keep = np.lexsort((np.arange(len(idx)), idx, ship))  # ties keep line order, so head lines come first
    idx, ship, qty = idx[keep], ship[keep], qty[keep]
    m = len(idx)
    carrier = rng.choice(len(CARRIERS), m, p=[0.35, 0.3, 0.2, 0.15])
    digits = "0123456789"
    tracking = np.select(
        [carrier == 0, carrier == 1, carrier == 2],
        [_codes(rng, m, 10, digits), np.char.add("1Z", _codes(rng, m, 16, digits + "ABCDEFGHJKLMNPRSTUVWXYZ")),
         _codes(rng, m, 14, digits)], _codes(rng, m, 12, digits))
    delivered = np.busday_offset(ship, rng.integers(np.array([1, 1, 1, 2])[carrier], np.array([3, 4, 4, 7])[carrier]))
    return pd.DataFrame({
        "line_idx": idx, "order_id": o["order_id"].to_numpy()[idx], "line": o["line"].to_numpy()[idx],
        "sku": items["sku"].to_numpy()[o["sku"].to_numpy()[idx]], "qty": qty, "ship": ship,
        "carrier": np.array(CARRIERS)[carrier], "tracking": tracking,
        "delivered": np.where(delivered <= day, delivered, np.datetime64("NaT")),
    })


def _codes(rng: np.random.Generator, m: int, length: int, alphabet: str) -> np.ndarray:
    chars = np.array(list(alphabet))[rng.integers(0, len(alphabet), (m, length))]
    return chars.view(f"<U{length}").ravel()


def _returns(rng: np.random.Generator, o: pd.DataFrame, sh: pd.DataFrame, day: np.datetime64) -> pd.DataFrame:
    """About 1.5 % of the fully shipped and delivered lines come back (the head lines are left alone)."""
    by_line = sh.groupby("line_idx")["delivered"]
    last, complete = by_line.max(), by_line.count() == by_line.size()
    candidates = last.index[complete.to_numpy() & (last.index >= HEAD) & o["full"].to_numpy()[last.index]]
    k = min(len(candidates), max(1, round(0.015 * int(o["full"].sum()))))
    idx = np.sort(rng.choice(candidates, k, replace=False))
    raised = _days(last[idx]) + rng.integers(1, 10, k)
    received = raised + rng.integers(2, 15, k)
    received = np.where(received <= day, received, np.datetime64("NaT"))
    reasons = np.array(["Damaged in transit", "Wrong item sent", "Not as described", "Ordered by mistake",
                        "Defective", "Surplus to requirements"])
    reason = rng.integers(0, len(reasons), k)
    shipped = o["qty"].to_numpy()[idx]
    arrived = ~np.isnat(received)
    return pd.DataFrame({
        "line_idx": idx, "raised": raised, "received": received, "reason": reasons[reason],
        "qty": np.where(rng.random(k) < 0.3, shipped,
                        np.clip(np.round(shipped * rng.uniform(0.05, 0.5, k)), 1, shipped)),
        "condition": np.where(arrived, np.where(np.isin(reason, [0, 4]), "Damaged", "Resellable"), None),
        "resolution": rng.choice(["Refund", "Exchange", "Credit"], k, p=[0.5, 0.25, 0.25]),
        "status": np.where(~arrived, "Authorised", np.where(received < day - 14, "Closed", "Received")),
    }).sort_values(["raised", "line_idx"], kind="stable")


def _stock(rng: np.random.Generator, items: pd.DataFrame, o: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The Inventory sheet (MAIN rows, some WEST rows) and the weekly demand rate per SKU."""
    n = len(items)
    pack = items["pack"].to_numpy()
    rate = np.bincount(o["sku"], weights=o["qty"], minlength=n) / (HISTORY_DAYS / 7)
    on_hand = np.where(rate > 0, np.maximum(1, np.round(rate * rng.uniform(0.3, 6, n))), rng.integers(5, 60, n))
    on_hand = on_hand.astype(int)
    up = lambda x: np.maximum(pack, np.ceil(x / pack) * pack)  # noqa: E731
    r = rng.random(n)
    rop, mm = r < 0.10, (r >= 0.10) & (r < 0.16)  # one explicit policy per SKU at most
    min_qty = np.where(mm, np.maximum(1, np.round(rate * 2)), np.nan)
    plain = np.zeros(n, bool)
    plain[list(S.values())] = True  # role SKUs keep the computed policy, so their outcome is predictable
    blank = lambda mask, values: np.where(mask & ~plain, values, np.nan)  # noqa: E731
    west = (np.arange(n) >= WEST_FROM) & (rng.random(n) < 0.08) & (on_hand >= 4)  # both rows keep stock
    west_qty = np.where(west, np.maximum(1, on_hand * rng.uniform(0.2, 0.5, n)).astype(int), 0)
    main = pd.DataFrame({
        "SKU": items["sku"], "Description": items["description"], "On Hand": on_hand - west_qty, "Location": "MAIN",
        "Unit Cost": items["unit_cost"], "Supplier": items["supplier"],
        "Lead Time (days)": blank(rng.random(n) < 0.2, rng.integers(5, 36, n)), "On Order": np.nan,
        "Reorder Point": blank(rop, np.maximum(1, np.round(rate * 3))), "Reorder Qty": blank(rop, up(rate * 4)),
        "Min Qty": blank(mm, min_qty), "Max Qty": blank(mm, min_qty + up(rate * 4)),
        "Safety Stock": blank(rng.random(n) < 0.1, np.maximum(1, np.round(rate))),
        "MOQ": blank(rng.random(n) < 0.3,
                     np.where(pack > 1, pack * rng.choice([2, 4], n), rng.choice([10, 25, 50], n))),
        "Pack Size": pack, "Discontinued": np.where(items["discontinued"], "Yes", "No"),
    })
    second = main[west].assign(**{"On Hand": west_qty[west], "Location": "WEST"})
    second.loc[:, "Lead Time (days)":"MOQ"] = np.nan  # policies are kept once, on the MAIN row
    frame = pd.concat([main, second]).sort_index(kind="stable").reset_index(drop=True)
    return frame, rate


def _purchase_orders(rng: np.random.Generator, items: pd.DataFrame, sup: pd.DataFrame, stock: pd.DataFrame,
                     rate: np.ndarray, day: np.datetime64) -> pd.DataFrame:
    """Closed POs, the fixed situation rows, then open POs for the ~15 % of SKUs with the least cover."""
    n = len(items)
    pack = items["pack"].to_numpy()
    on_hand = stock.groupby("SKU", sort=False)["On Hand"].sum().reindex(items["sku"]).to_numpy()
    eligible = (rate > 0) & ~items["discontinued"].to_numpy()
    eligible[list(S.values())] = False
    cover = on_hand / np.where(rate > 0, rate, 1) * rng.lognormal(0, 0.5, n)
    pool = np.flatnonzero(eligible)
    open_skus = pool[np.argsort(cover[pool], kind="stable")[:round(0.15 * n)]]
    closed_skus = rng.choice(np.setdiff1d(pool, open_skus), PO_CLOSED, replace=False)
    role_skus = np.array([S["stockout1"], S["stockout3"], S["stockout2"]])  # two overdue, one unknown supplier
    skus = np.concatenate([closed_skus, role_skus, open_skus])
    lead = sup.set_index("Supplier ID")["Lead Time Days"].reindex(items["supplier"]).to_numpy()[skus]
    supplier = items["supplier"].to_numpy()[skus]
    m, c, r = len(skus), PO_CLOSED, PO_CLOSED + len(role_skus)
    # Natural open lines: one PO per supplier, at most 8 lines each, ordered within the supplier's lead time.
    group = np.arange(m)
    group[r:] = r + pd.DataFrame({"s": supplier[r:]}).assign(
        g=lambda d: d.groupby("s").cumcount() // 8).groupby(["s", "g"], sort=False).ngroup().to_numpy()
    placed = day - rng.integers(1, np.maximum(lead, 2))
    placed[:c] = day - rng.integers(50, 100, c)
    placed[c:r] = [day - 9 - lead[c], day - 4 - lead[c + 1], day - 5]
    first_of_group = pd.Series(np.arange(m)).groupby(group).transform("first").to_numpy()
    placed = np.busday_offset(placed[first_of_group], 0, roll="backward")
    expected = np.busday_offset(placed + lead, 0, roll="forward")
    expected[max(PO_OVERDUE) + 1:] = np.maximum(expected[max(PO_OVERDUE) + 1:], day + 2)  # only those are overdue
    qty = np.maximum(pack[skus], np.ceil(rate[skus] * 4 / pack[skus]) * pack[skus])
    received = np.where(rng.random(m) < 0.1, np.floor(qty * rng.uniform(0.2, 0.6, m) / pack[skus]) * pack[skus], 0)
    received[:r] = 0
    received[:c] = qty[:c]
    status = np.where(received > 0, "Partially Received", rng.choice(["Confirmed", "Sent", "Open"], m))
    status[:c] = rng.choice(["Received", "Closed"], c)
    frame = pd.DataFrame({
        "group": group, "Supplier": supplier, "SKU": items["sku"].to_numpy()[skus], "Qty Ordered": qty,
        "PO Date": placed, "Expected Date": expected, "Received Qty": received, "Status": status,
    })
    frame = pd.concat([frame.iloc[:r], frame.iloc[r:].sort_values(["PO Date", "group"], kind="stable")])
    frame.insert(0, "PO Number", [f"PO-{4501 + g}" for g in pd.factorize(frame["group"])[0]])
    return frame.drop(columns="group").reset_index(drop=True)


# --- the sheets as written, with the deliberate defects ----------------------------------------

class _Manifest(list):
    """Defects as they are placed: (step, code, sheet, cell, description)."""

    def mark(self, step: str, code: str, sheet: str, pos: int | None, header: str, what: str) -> None:
        col = [h for h, _, _ in LAYOUT[sheet]].index(header)
        row = HEADER_ROW[sheet] + (0 if pos is None else 1 + int(pos))  # pos None = the header cell
        self.append((step, code, sheet, f"{column_letter(col)}{row}", what))


def _inject(o: pd.DataFrame, sh: pd.DataFrame, rt: pd.DataFrame, stock: pd.DataFrame, po: pd.DataFrame,
            sup: pd.DataFrame, cust: pd.DataFrame, items: pd.DataFrame,
            day: np.datetime64) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    m = _Manifest()
    sheets = {
        "Orders": _orders_sheet(o, items, cust, day, m),
        "Inventory": _inventory_sheet(stock, items, m),
        "Suppliers": _suppliers_sheet(sup, m),
        "Customers": _customers_sheet(cust, m),
        "Shipments": _shipments_sheet(sh, items, m),
        "Purchase Orders": _po_sheet(po, m),
        "Returns": _returns_sheet(rt, o, items, m),
    }
    rank = {name: i for i, name in enumerate(("validate", "reconcile", "scenario", "safety", *LAYOUT))}
    defects = pd.DataFrame(m, columns=["step", "code", "sheet", "cell", "description"])
    defects = defects.sort_values(["step", "sheet"], key=lambda c: c.map(rank), kind="stable").reset_index(drop=True)
    return {name: sheets[name] for name in LAYOUT}, defects


def _days(values: pd.Series) -> np.ndarray:
    """Day-precision dates: pandas keeps datetime64[D] as [s], where `+ 1` would add a second."""
    return values.to_numpy().astype("datetime64[D]")


def _ts(values: np.ndarray) -> pd.Series:
    return pd.Series(pd.to_datetime(values), dtype=object)  # Timestamps (NaT for blanks), written as dates


def _orders_sheet(o: pd.DataFrame, items: pd.DataFrame, cust: pd.DataFrame, day: np.datetime64,
                  m: _Manifest) -> pd.DataFrame:
    n = len(o)
    f = pd.DataFrame({
        "Order #": o["order_id"], "Line": o["line"], "Order Date": _ts(o["order_date"]),
        "Customer": cust["Customer ID"].to_numpy()[o["cust"]], "Item Code": items["sku"].to_numpy()[o["sku"]],
        "Qty": o["qty"], "Unit Price": o["unit_price"], "Promised Date": _ts(o["promised"]), "Status": o["word"],
        "Priority": o["priority"], "Sales Rep": o["rep"], "Notes": o["notes"],
    }).astype(object)
    for role, word in (("closed_unshipped", "Complete"), ("open_shipped", "Open"), ("cancelled_shipped", "Canceled"),
                       ("return_unshipped", "Cancelled"), ("delivered_early", "Open")):
        f.at[H[role], "Status"] = word
    t = {role: n - k for role, k in T.items()}
    f.iloc[t["duplicate"]] = f.iloc[t["duplicate"] - 1]  # the line above, pasted twice
    date = lambda d: pd.Timestamp(day + d)  # noqa: E731
    nbsp_sku, spaced = f.at[t["nbsp_sku"], "Item Code"], f.at[t["spaced_customer"], "Customer"]
    outlier = int(items["base"].iat[S["fast"]]) * 50
    edits = [  # (role, header, value written, code, description)
        ("blank_customer", "Customer", None, "missing-value", "customer left blank"),
        ("blank_sku", "Item Code", None, "missing-value", "item code left blank"),
        ("twelve", "Qty", "twelve", "type-error", "quantity typed as the word 'twelve'"),
        ("ambiguous", "Order Date", "03/04/2026", "ambiguous-date", "order date typed as the text '03/04/2026'"),
        ("na", "Unit Price", Formula("=NA()", "#N/A"), "error-cell", "unit price is the formula =NA() (#N/A)"),
        ("neg_qty", "Qty", -3, "constraint-error", "quantity -3"),
        ("neg_price", "Unit Price", -1.5, "constraint-error", "unit price -1.5"),
        ("promised_early", "Promised Date", f.at[t["promised_early"], "Order Date"] - pd.Timedelta(days=4),
         "constraint-error", "promised date 4 days before the order date"),
        ("bad_sku", "Item Code", BAD_SKU, "foreign-key", f"item code {BAD_SKU} is not in Inventory"),
        ("bad_customer", "Customer", BAD_CUSTOMER, "foreign-key", f"customer {BAD_CUSTOMER} is not in Customers"),
        ("future", "Order Date", date(6), "future-date", f"order date {date(6):%Y-%m-%d}, 6 days after the as-of date"),
        ("outlier", "Qty", outlier, "outlier",
         f"quantity {outlier:,}, 50x the usual {outlier // 50:,} of {items['sku'].iat[S['fast']]}"),
        ("nbsp_sku", "Item Code", nbsp_sku + "\u00a0", "normalized-value",
         f"item code '{nbsp_sku}' + a non-breaking space"),
        ("spaced_customer", "Customer", f"  {spaced} ", "normalized-value",
         f"customer '{spaced}' typed with spaces around"),
        ("text_qty", "Qty", "1,200", "normalized-value", "quantity typed as the text '1,200'"),
    ]
    for role, header, value, _, _ in edits:
        f.at[t[role], header] = value
    f.at[t["future"], "Promised Date"] = date(16)  # keeps the typo to one finding
    mid = n // 2
    f = pd.concat([f.iloc[:mid], pd.DataFrame([[None] * f.shape[1]], columns=f.columns), f.iloc[mid:]],
                  ignore_index=True)
    pos = lambda i: i + (i >= mid)  # noqa: E731 - data position -> frame row, past the blank row
    for role, header, _, code, what in edits:
        m.mark("validate", code, "Orders", pos(t[role]), header, what)
    m.mark("validate", "duplicate-key", "Orders", pos(t["duplicate"]), "Order #",
           "order line pasted twice: same Order # and Line as the row above (this is the second)")
    m.mark("validate", "blank-row", "Orders", mid, "Order #", "a fully blank row in the middle of the lines")
    for header in ("Sales Rep", "Notes"):
        m.mark("validate", "unknown-column", "Orders", None, header, f"column '{header}' is not an omxl column")
    m.mark("reconcile", "status-mismatch", "Orders", pos(H["closed_unshipped"]), "Status",
           "status 'Complete' but nothing was shipped")
    m.mark("reconcile", "status-mismatch", "Orders", pos(H["open_shipped"]), "Status",
           "status 'Open' but the line is fully shipped")
    return f


def _inventory_sheet(stock: pd.DataFrame, items: pd.DataFrame, m: _Manifest) -> pd.DataFrame:
    f = stock.astype(object)
    sku = items["sku"]
    for role, value, step, code, what in (
        ("negative", -4, "reconcile", "negative-stock", "on hand -4 (with open order lines: also a stockout)"),
        ("stockout1", 0, "reconcile", "stockout", "on hand 0 with open order lines"),
        ("stockout2", 0, "reconcile", "stockout", "on hand 0 with open order lines"),
        ("stockout3", 0, "reconcile", "stockout", "on hand 0 with open order lines"),
        ("na", "n/a", "validate", "type-error", "on hand typed as 'n/a'"),
    ):
        f.at[S[role], "On Hand"] = value
        m.mark(step, code, "Inventory", S[role], "On Hand", f"{sku.iat[S[role]]}: {what}")
    # The exchange on the scarce SKU competes for one order line's worth of stock with its open lines.
    f.at[S["scarce"], "On Hand"] = int(items["base"].iat[S["scarce"]])
    f.at[S["min_max"], "Min Qty"], f.at[S["min_max"], "Max Qty"] = 50, 20
    m.mark("validate", "constraint-error", "Inventory", S["min_max"], "Min Qty",
           f"{sku.iat[S['min_max']]}: min qty 50 above max qty 20")
    f.at[S["bad_supplier"], "Supplier"] = BAD_SUPPLIER
    m.mark("validate", "foreign-key", "Inventory", S["bad_supplier"], "Supplier",
           f"{sku.iat[S['bad_supplier']]}: supplier {BAD_SUPPLIER} is not in Suppliers")
    return f


def _suppliers_sheet(sup: pd.DataFrame, m: _Manifest) -> pd.DataFrame:
    f = sup.astype(object)
    bad = f.at[SUP_BAD_EMAIL, "Email"].replace("@", ".")
    f.at[SUP_BAD_EMAIL, "Email"] = bad
    m.mark("validate", "invalid-email", "Suppliers", SUP_BAD_EMAIL, "Email", f"e-mail '{bad}' has no @")
    again = f.iloc[[SUP_DUPLICATE]].copy()  # the same vendor keyed in a second time, for its accounts contact
    again["Email"] = "accounts@" + again["Email"].str.split("@").str[1]
    f = pd.concat([f.iloc[:SUP_DUPLICATE + 1], again, f.iloc[SUP_DUPLICATE + 1:]], ignore_index=True)
    m.mark("validate", "duplicate-key", "Suppliers", SUP_DUPLICATE + 1, "Supplier ID",
           f"supplier {again['Supplier ID'].iat[0]} listed twice")
    return f


def _customers_sheet(cust: pd.DataFrame, m: _Manifest) -> pd.DataFrame:
    f = cust[[h for h, _, _ in LAYOUT["Customers"]]].astype(object)
    bad = f.at[C_BAD_EMAIL, "Email"].replace("@", " at ")
    f.at[C_BAD_EMAIL, "Email"] = bad
    m.mark("validate", "invalid-email", "Customers", C_BAD_EMAIL, "Email", f"e-mail '{bad}'")
    m.mark("validate", "duplicate-column", "Customers", None, "E-mail", "'E-mail' next to 'Email'")
    for p, name in C_FORMULA.items():
        f.at[p, "Customer Name"] = name
        m.mark("safety", "formula-text", "Customers", p, "Customer Name", f"name '{name}' must stay text in outputs")
    return f


def _shipments_sheet(sh: pd.DataFrame, items: pd.DataFrame, m: _Manifest) -> pd.DataFrame:
    sh = sh[~sh["line_idx"].isin([H["closed_unshipped"], H["return_unshipped"]])].reset_index(drop=True)
    phantom = sh.iloc[[SHIP_PHANTOM]].assign(line_idx=-1, order_id=PHANTOM_ORDER, line=1,
                                             tracking=lambda d: d["tracking"].str[:-3] + "907")
    sh = pd.concat([sh.iloc[:SHIP_PHANTOM], phantom, sh.iloc[SHIP_PHANTOM:]], ignore_index=True)
    f = pd.DataFrame({
        "Shipment #": [f"SH-{300001 + i}" for i in range(len(sh))], "Order #": sh["order_id"], "Line": sh["line"],
        "Item Code": sh["sku"], "Qty Shipped": sh["qty"], "Ship Date": _ts(sh["ship"]), "Carrier": sh["carrier"],
        "Tracking #": sh["tracking"], "Delivered Date": _ts(sh["delivered"]),
    }).astype(object)
    at = {role: int(np.flatnonzero(sh["line_idx"].to_numpy() == H[role])[0])
          for role in ("over_ship", "sku_mismatch", "cancelled_shipped", "no_tracking", "delivered_early")}
    ref = lambda p: f"{f.at[p, 'Order #']} line {f.at[p, 'Line']}"  # noqa: E731
    f.at[at["over_ship"], "Qty Shipped"] += 2
    m.mark("reconcile", "over-shipment", "Shipments", at["over_ship"], "Qty Shipped",
           f"{ref(at['over_ship'])}: 2 more shipped than ordered")
    ordered = f.at[at["sku_mismatch"], "Item Code"]
    other = next(sku for sku in items["sku"].iloc[WEST_FROM:] if sku != ordered)  # a plain SKU, not a role one
    m.mark("reconcile", "shipment-sku-mismatch", "Shipments", at["sku_mismatch"], "Item Code",
           f"{ref(at['sku_mismatch'])} ordered {ordered}, shipped {other}")
    f.at[at["sku_mismatch"], "Item Code"] = other
    m.mark("reconcile", "shipment-on-cancelled-line", "Shipments", at["cancelled_shipped"], "Order #",
           f"{ref(at['cancelled_shipped'])} is 'Canceled' on Orders")
    f.at[at["no_tracking"], "Tracking #"] = None
    m.mark("reconcile", "missing-tracking", "Shipments", at["no_tracking"], "Tracking #", f"{ref(at['no_tracking'])}")
    # Half of an open line: leaving this error row out only makes the line look unshipped, which it may be.
    f.at[at["delivered_early"], "Qty Shipped"] //= 2
    f.at[at["delivered_early"], "Delivered Date"] = f.at[at["delivered_early"], "Ship Date"] - pd.Timedelta(days=2)
    m.mark("validate", "constraint-error", "Shipments", at["delivered_early"], "Delivered Date",
           f"{ref(at['delivered_early'])} (open, half shipped): delivered 2 days before it was shipped")
    for step, code in (("validate", "foreign-key"), ("reconcile", "shipment-without-order")):
        m.mark(step, code, "Shipments", SHIP_PHANTOM, "Order #", f"order {PHANTOM_ORDER} does not exist")
    return f


def _po_sheet(po: pd.DataFrame, m: _Manifest) -> pd.DataFrame:
    f = po.assign(**{"PO Date": _ts(po["PO Date"]), "Expected Date": _ts(po["Expected Date"])}).astype(object)
    ordered = f.at[PO_OVER_RECEIPT, "Qty Ordered"]
    f.at[PO_OVER_RECEIPT, "Received Qty"] = received = ordered + max(1, round(ordered * 0.1))  # supplier over-delivered
    m.mark("reconcile", "po-over-receipt", "Purchase Orders", PO_OVER_RECEIPT, "Received Qty",
           f"{f.at[PO_OVER_RECEIPT, 'PO Number']}: received {received:,.0f} of {ordered:,.0f} ordered")
    for p in PO_OVERDUE:
        m.mark("reconcile", "po-overdue", "Purchase Orders", p, "Expected Date",
               f"{f.at[p, 'PO Number']} ({f.at[p, 'SKU']}) expected {f.at[p, 'Expected Date']:%Y-%m-%d}, still open")
    f.at[PO_BAD_SUPPLIER, "Supplier"] = BAD_PO_SUPPLIER
    m.mark("validate", "foreign-key", "Purchase Orders", PO_BAD_SUPPLIER, "Supplier",
           f"{f.at[PO_BAD_SUPPLIER, 'PO Number']}: supplier {BAD_PO_SUPPLIER} is not in Suppliers")
    return f


def _returns_sheet(rt: pd.DataFrame, o: pd.DataFrame, items: pd.DataFrame, m: _Manifest) -> pd.DataFrame:
    idx = np.array([H["return_excess"], H["exchange"], H["return_unshipped"]])
    back = _days(o["order_date"])[idx] + 10
    roles = pd.DataFrame({
        "line_idx": idx, "received": [back[0], back[1], np.datetime64("NaT")],
        "reason": ["Wrong item sent", "Damaged in transit", "Ordered by mistake"],
        "qty": o["qty"].to_numpy()[idx] + [2, 0, 0], "condition": ["Resellable", "Damaged", None],
        "resolution": ["Credit", "Exchange", "Refund"], "status": ["Closed", "Received", "Authorised"],
    })
    rt = pd.concat([roles, rt.drop(columns="raised")], ignore_index=True)
    i = rt["line_idx"].to_numpy()
    f = pd.DataFrame({
        "RMA #": [f"RMA-{5001 + k}" for k in range(len(rt))], "Order #": o["order_id"].to_numpy()[i],
        "Line": o["line"].to_numpy()[i], "SKU": items["sku"].to_numpy()[o["sku"].to_numpy()[i]], "Qty": rt["qty"],
        "Received Date": _ts(rt["received"]), "Reason": rt["reason"], "Condition": rt["condition"],
        "Resolution": rt["resolution"], "Status": rt["status"],
    }).astype(object)
    m.mark("reconcile", "return-exceeds-shipped", "Returns", 0, "Qty",
           f"{f.at[0, 'RMA #']}: 2 more returned than shipped")
    m.mark("reconcile", "return-without-shipment", "Returns", 2, "Order #",
           f"{f.at[2, 'RMA #']}: the line was cancelled and never shipped")
    m.mark("scenario", "exchange-replacement", "Returns", 1, "Resolution",
           f"{f.at[1, 'RMA #']}: exchange of {f.at[1, 'SKU']}, whose stock covers one line and has open lines")
    return f


# --- writing -----------------------------------------------------------------------------------

FORMATS = {"id": {"num_format": "@"}, "text": {}, "int": {"num_format": "0"}, "qty": {"num_format": "#,##0"},
           "num": {"num_format": "0.0"}, "money": {"num_format": "#,##0.00"}, "date": {"num_format": "yyyy-mm-dd"}}


def _write(path: str, sheets: dict[str, pd.DataFrame], as_of: dt.date) -> None:
    book = xlsx_workbook(path)
    # XlsxWriter stamps the creation time into docProps; a fixed one keeps the file byte-identical.
    book.set_properties({"title": "omxl sample workbook", "author": "omxl demo",
                         "created": dt.datetime.combine(pd.Timestamp(as_of).date(), dt.time())})
    fmt = {kind: book.add_format(spec) for kind, spec in FORMATS.items()}
    header = book.add_format({"bold": True, "bottom": 1, "bg_color": "#DDEBF7", "text_wrap": True})
    for name, frame in sheets.items():
        ws = book.add_worksheet(name)
        layout, top = LAYOUT[name], HEADER_ROW[name] - 1
        last_row, last_col = top + max(len(frame), 1), len(layout) - 1
        if name == "Orders":
            ws.write_string(0, 0, "Open order book", book.add_format({"bold": True, "font_size": 14}))
            ws.write_string(1, 0, f"Exported {pd.Timestamp(as_of):%Y-%m-%d} from ERP")
        if name == "Inventory":
            ws.add_table(top, 0, last_row, last_col, {"name": "Stock", "style": "Table Style Medium 2",
                                                       "columns": [{"header": h} for h, _, _ in layout]})
        else:
            for c, (h, _, _) in enumerate(layout):
                ws.write_string(top, c, h, header)
            ws.autofilter(top, 0, last_row, last_col)
        for c, (h, kind, width) in enumerate(layout):
            ws.set_column(c, c, width)
            _write_column(ws, top + 1, c, frame[h].tolist(), fmt[kind], fmt["date"])
        ws.freeze_panes(top + 1, 0)
    book.close()


def _write_column(ws, first_row: int, col: int, values: list, fmt, date_fmt) -> None:
    # Explicit writers per type: a customer named "=Cmd Retail Ltd" must never become a formula.
    for row, v in enumerate(values, first_row):
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            continue
        if isinstance(v, str):
            ws.write_string(row, col, v, fmt)
        elif isinstance(v, dt.date):
            ws.write_datetime(row, col, v, date_fmt)
        elif isinstance(v, Formula):
            ws.write_formula(row, col, v.formula, fmt, v.value)
        else:
            ws.write_number(row, col, v, fmt)
