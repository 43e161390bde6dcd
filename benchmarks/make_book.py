"""Build a synthetic, deterministic order book (.xlsx) for the benchmarks.

One workbook holds every table in proportion to the number of order lines N:
Orders N lines, Shipments N rows, Inventory N/10 SKUs (one row per SKU and
location: every SKU at MAIN, some also at EAST and WEST), Purchase Orders N/20
lines, Returns N/50, Customers N/100, Suppliers N/200, Invoices N rows (one per
shipment, with whole-order invoices, credit notes and invoices of unshipped lines
among them) and Payments about N/2. Values have the shape of an ERP export: IDs as text, dates as date cells, quantities as numbers, status
words as people write them. About 0.1% of some cells are dirty the way real
exports are (numbers stored as text, a SKU with a trailing non-breaking space, a
date typed as ISO text) so the reader's normalisation paths run too.

The same (lines, seed) always gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np
import xlsxwriter

from omxl.model import DATE, TABLE_BY_NAME, TABLES, fold

END = dt.date(2026, 11, 27)  # the snapshot day: last order date, nothing ships or arrives later
WEEKS = 16
CREATED = dt.datetime(2026, 11, 27, 18, 0, 0)  # fixed so that rebuilding gives identical bytes
DIRTY_RATE = 0.001
NBSP = "\u00a0"

_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 of Excel's 1900 date system (after its leap-year bug)
END_DAY = (END - _EXCEL_EPOCH).days
START_DAY = END_DAY - WEEKS * 7 + 1
_ROWS_PROPERTY = "omxl-bench-rows-"
_DISPATCH_STREAM = 46  # second word of the seed of the dispatch columns' random stream (see generate)
_BILLING_STREAM = 47  # and of the billing tables' (invoices, payments, the customers' payment terms)
# Stock locations besides MAIN, each holding a share of the SKUs: (location, share of SKUs it stocks).
OTHER_LOCATIONS = (("EAST", 0.3), ("WEST", 0.2))
SHIP_COMPLETE_SHARE = 0.05  # of orders

Columns = dict[str, Any]  # canonical column (or "_helper") -> numpy array or list, one value per row

# Per table, in sheet order: the sheet name and (canonical column, header as written).
LAYOUT: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "orders": ("Orders", (
        ("order_id", "Order #"), ("line", "Line"), ("order_date", "Order Date"), ("customer_id", "Customer"),
        ("sku", "Item Code"), ("qty", "Qty"), ("unit_price", "Unit Price"), ("promised_date", "Promised Date"),
        ("status", "Status"), ("priority", "Priority"), ("carrier", "Carrier"), ("ship_complete", "Ship Complete"),
        ("ship_to", "Ship To"))),
    "shipments": ("Shipments", (
        ("shipment_id", "Shipment ID"), ("order_id", "Order #"), ("line", "Line"), ("sku", "Item Code"),
        ("qty", "Qty Shipped"), ("ship_date", "Ship Date"), ("carrier", "Carrier"),
        ("tracking_number", "Tracking Number"), ("delivered_date", "Delivered Date"))),
    "inventory": ("Inventory", (
        ("sku", "Item Code"), ("description", "Description"), ("location", "Warehouse"), ("shelf", "Shelf"),
        ("bin", "Bin"), ("on_hand", "On Hand"), ("unit_cost", "Unit Cost"), ("supplier_id", "Supplier"), ("lead_time_days", "Lead Time (days)"),
        ("reorder_point", "Reorder Point"), ("reorder_qty", "Reorder Qty"), ("safety_stock", "Safety Stock"),
        ("moq", "MOQ"), ("pack_size", "Pack Size"), ("discontinued", "Discontinued"))),
    "purchase_orders": ("Purchase Orders", (
        ("po_id", "PO Number"), ("supplier_id", "Supplier"), ("sku", "Item Code"), ("qty", "Qty"),
        ("order_date", "PO Date"), ("expected_date", "Expected Date"), ("received_qty", "Received Qty"),
        ("status", "Status"))),
    "suppliers": ("Suppliers", (
        ("supplier_id", "Supplier ID"), ("name", "Supplier Name"), ("email", "Email"), ("phone", "Phone"),
        ("lead_time_days", "Lead Time Days"), ("lead_time_std_days", "Lead Time Std Days"),
        ("min_order_value", "Min Order Value"), ("ordering_cost", "Ordering Cost"), ("currency", "Currency"))),
    "customers": ("Customers", (
        ("customer_id", "Customer ID"), ("name", "Customer Name"), ("email", "Email"), ("priority", "Priority"),
        ("payment_terms_days", "Payment Terms Days"))),
    "returns": ("Returns", (
        ("rma_id", "RMA #"), ("order_id", "Order #"), ("line", "Line"), ("sku", "Item Code"), ("qty", "Qty"),
        ("received_date", "Received Date"), ("reason", "Reason"), ("condition", "Condition"),
        ("resolution", "Resolution"), ("status", "Status"))),
    "invoices": ("Invoices", (
        ("invoice_id", "Invoice No"), ("order_id", "Order #"), ("line", "Line"), ("sku", "Item Code"),
        ("qty", "Qty"), ("amount", "Amount"), ("invoice_date", "Invoice Date"), ("due_date", "Due Date"))),
    "payments": ("Payments", (
        ("payment_id", "Payment ID"), ("invoice_id", "Invoice No"), ("amount", "Amount Paid"),
        ("paid_date", "Payment Date"))),
}

_TRADE_NAMES = ("Acme", "Northwind", "Summit", "Apex", "Harbor", "Pioneer", "Granite", "Bluebird", "Cedar",
                "Ironbridge", "Redwood", "Keystone", "Silverline", "Oakmont", "Riverside", "Lakeside", "Metro",
                "Union", "Eastgate", "Westfield", "Highland", "Bayview", "Crown", "Sterling")
_SUPPLIER_KINDS = ("Industrial", "Supply", "Components", "Trading", "Manufacturing", "Distribution", "Parts")
_CUSTOMER_KINDS = ("Hardware", "Builders", "Garden Centre", "Tools", "Electrical", "Plumbing", "Trade Counter")
_LEGAL = ("Ltd", "Inc", "GmbH", "LLC", "Co.")
_MATERIALS = ("Steel", "Brass", "Nylon", "Zinc", "Oak", "Copper", "Aluminium", "PVC", "Rubber", "Stainless")
_PARTS = ("Hinge", "Bracket", "Bolt Set", "Valve", "Hose Clamp", "Cable Tie", "Handle", "Castor", "Fitting",
          "Washer Pack", "Hook", "Latch", "Pipe", "Gasket", "Spring")
_CARRIERS = ("UPS", "FedEx", "DHL", "USPS")
_TRACKING_PREFIX = {"UPS": "1Z", "FedEx": "7", "DHL": "JD", "USPS": "94"}
_STREET_KINDS = ("Road", "Street", "Avenue", "Lane", "Way", "Drive", "Park")
_TOWNS = ("Springfield", "Riverton", "Fairview", "Georgetown", "Salem", "Madison", "Clinton", "Franklin",
          "Greenville", "Bristol", "Ashland", "Milton", "Dover", "Hudson", "Oxford")
_RETURN_REASONS = ("Damaged in transit", "Wrong item", "No longer needed", "Defective", "Ordered by mistake",
                   "Arrived late")


def build_book(path: str | os.PathLike[str], lines: int, seed: int = 1, shared_strings: bool = True) -> Path:
    """Write the benchmark workbook for `lines` order lines to `path` and return the path.

    Text goes into the shared-strings table by default, as Excel itself saves it;
    `shared_strings=False` writes inline strings (XlsxWriter's constant_memory mode,
    as some exporters do), which calamine parses 10-20 % slower.
    """
    if lines < 1:
        raise ValueError("lines must be at least 1")
    check_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tables = generate(lines, seed)
    # Written under a temporary name and renamed, so an interrupted build never
    # leaves a truncated file where the benchmark cache would pick it up.
    partial = path.with_name(path.stem + ".partial.xlsx")
    _write(partial, tables, shared_strings)
    os.replace(partial, path)
    return path


def generate(lines: int, seed: int = 1) -> dict[str, Columns]:
    """Every table's columns, before any cell is written; each table depends on earlier ones."""
    rng = np.random.default_rng(seed)
    suppliers = _suppliers(rng, max(1, lines // 200))
    customers = _customers(rng, max(1, lines // 100))
    inventory = _inventory(rng, max(1, lines // 10), suppliers)
    orders = _orders(rng, lines, inventory, customers)
    shipments = _fulfil(rng, orders, lines)
    purchase_orders = _purchase_orders(rng, max(1, lines // 20), inventory, suppliers)
    returns = _returns(rng, max(1, lines // 50), shipments)
    # What dispatch needs (locations with shelf and bin, carriers, ship complete, ship-to addresses) comes from
    # a stream of its own, so the tables above keep the values they had before these columns existed.
    dispatch_rng = np.random.default_rng([seed, _DISPATCH_STREAM])
    _add_dispatch_columns(dispatch_rng, orders, shipments, customers)
    inventory = _by_location(dispatch_rng, inventory)
    # Billing likewise (a stream of its own): every table above keeps its values, customers gain their terms.
    billing_rng = np.random.default_rng([seed, _BILLING_STREAM])
    customers["payment_terms_days"] = _payment_terms(billing_rng, len(customers["customer_id"]))
    invoices = _invoices(billing_rng, orders, shipments, returns, customers, len(shipments["qty"]))
    payments = _payments(billing_rng, invoices)
    tables = {"orders": orders, "shipments": shipments, "inventory": inventory,
              "purchase_orders": purchase_orders, "suppliers": suppliers, "customers": customers,
              "returns": returns, "invoices": invoices, "payments": payments}
    _soil(rng, tables)
    return tables


def expected_rows(path: str | os.PathLike[str]) -> dict[str, int]:
    """Data rows per table as written, read back from the book's custom properties."""
    with zipfile.ZipFile(path) as archive:
        xml = archive.read("docProps/custom.xml").decode("utf-8")
    pattern = rf'name="{_ROWS_PROPERTY}(\w+)"[^>]*>\s*<vt:i4>(\d+)</vt:i4>'
    return {table: int(count) for table, count in re.findall(pattern, xml)}


def check_layout() -> None:
    """Fail the build when a sheet name or header stops resolving to exactly its table and column.

    The benchmark is only meaningful when the reader recognises every sheet, so an
    alias renamed in omxl.model has to break the build, not silently shrink the book.
    """
    for table_name, (sheet, columns) in LAYOUT.items():
        tables = [t.name for t in TABLES if fold(sheet) in {fold(t.name), *map(fold, t.aliases)}]
        if tables != [table_name]:
            raise ValueError(f"sheet {sheet!r} matches tables {tables}, expected [{table_name!r}]")
        table = TABLE_BY_NAME[table_name]
        for canonical, header in columns:
            hits = [c.name for c in table.columns if fold(header) in {fold(c.name), *map(fold, c.aliases)}]
            if hits != [canonical]:
                raise ValueError(f"{sheet}: header {header!r} matches {hits}, expected [{canonical!r}]")
        missing = set(table.required) - {canonical for canonical, _ in columns}
        if missing:
            raise ValueError(f"{sheet}: required columns without a header: {sorted(missing)}")


# ---- tables ---------------------------------------------------------------------------------------------


def _suppliers(rng: np.random.Generator, n: int) -> Columns:
    names = _company_names(rng, n, _SUPPLIER_KINDS)
    lead = rng.integers(3, 46, n)
    return {
        "supplier_id": _ids("SUP-", n, 3),
        "name": names,
        "email": [f"orders@{_slug(name)}.example.com" for name in names],
        "phone": [f"+1 555-{d:04d}" for d in rng.integers(0, 10_000, n).tolist()],
        "lead_time_days": lead,
        "lead_time_std_days": np.round(lead * rng.uniform(0.05, 0.3, n), 1),
        "min_order_value": rng.choice([0, 100, 250, 500, 1000], n),
        "ordering_cost": rng.choice([25, 40, 50, 75, 100, 150], n),
        "currency": rng.choice(["USD", "EUR", "GBP"], n, p=[0.7, 0.2, 0.1]),
    }


def _customers(rng: np.random.Generator, n: int) -> Columns:
    names = _company_names(rng, n, _CUSTOMER_KINDS)
    return {
        "customer_id": _ids("C-", n, 4),
        "name": names,
        "email": [f"purchasing@{_slug(name)}.example.com" for name in names],
        "priority": rng.choice([1, 2, 3], n, p=[0.1, 0.3, 0.6]),
    }


def _inventory(rng: np.random.Generator, n: int, suppliers: Columns) -> Columns:
    on_hand = np.floor(rng.lognormal(4.0, 1.3, n))
    on_hand[rng.random(n) < 0.05] = 0  # stock-outs
    cost = np.maximum(np.round(rng.lognormal(2.5, 0.9, n), 2), 0.05)
    supplier = rng.integers(0, len(suppliers["supplier_id"]), n)
    pack = rng.choice([1, 1, 1, 6, 12, 24, 50], n)
    # Optional policy columns are filled for a share of SKUs only, as in real item masters.
    has_policy = rng.random(n) < 0.4
    descriptions = [f"{m} {p} {s}mm" for m, p, s in zip(rng.choice(_MATERIALS, n).tolist(),
                                                          rng.choice(_PARTS, n).tolist(),
                                                          rng.choice([6, 8, 10, 12, 20, 25, 40], n).tolist())]
    return {
        "sku": _ids("SKU-", n, 5),
        "description": descriptions,
        # Replaced by _by_location; still drawn so that every later draw of this stream stays the same.
        "location": rng.choice(["MAIN", "EAST", "WEST"], n, p=[0.8, 0.12, 0.08]),
        "on_hand": on_hand,
        "unit_cost": cost,
        "supplier_id": suppliers["supplier_id"][supplier],
        "lead_time_days": _some(rng, rng.integers(2, 61, n), 0.1),
        "reorder_point": np.where(has_policy, np.round(on_hand * rng.uniform(0.2, 0.6, n)), np.nan),
        "reorder_qty": np.where(has_policy, pack * rng.integers(2, 40, n), np.nan),
        "safety_stock": _some(rng, np.round(on_hand * rng.uniform(0.05, 0.2, n)), 0.15),
        "moq": rng.choice([np.nan, 1, 10, 25, 50, 100], n, p=[0.5, 0.2, 0.1, 0.1, 0.05, 0.05]),
        "pack_size": pack,
        "discontinued": (rng.random(n) < 0.02).tolist(),
        "_supplier": supplier,
        "_price": np.round(cost * rng.uniform(1.3, 2.2, n), 2),
    }


def _orders(rng: np.random.Generator, n: int, inventory: Columns, customers: Columns) -> Columns:
    sizes = _group_sizes(np.minimum(rng.geometric(1 / 3, n), 12), n)
    n_orders = len(sizes)
    order_day = np.sort(rng.integers(START_DAY, END_DAY + 1, n_orders))  # IDs rise with the date
    of_line = np.repeat(np.arange(n_orders), sizes)
    customer = rng.choice(len(customers["customer_id"]), n_orders, p=_zipf(len(customers["customer_id"]), 5))
    n_skus = len(inventory["sku"])
    sku = rng.choice(n_skus, n, p=_zipf(n_skus, 10)[rng.permutation(n_skus)])
    qty = rng.geometric(0.18, n)
    bulk = rng.random(n) < 0.02
    qty[bulk] *= rng.choice([10, 25, 50, 100], int(bulk.sum()))
    price = inventory["_price"][sku]
    discounted = rng.random(n) < 0.1
    price = np.where(discounted, np.round(price * rng.uniform(0.85, 0.95, n), 2), price)
    promised = order_day + rng.integers(3, 22, n_orders)
    priority = _some(rng, customers["priority"][customer].astype(float), 0.8)
    return {
        "order_id": _ids("SO-", n_orders, 6)[of_line],
        "line": np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1,
        "order_date": order_day[of_line],
        "customer_id": customers["customer_id"][customer][of_line],
        "sku": inventory["sku"][sku],
        "qty": qty,
        "unit_price": price,
        "promised_date": promised[of_line],
        "priority": priority[of_line],
        # status is set by _fulfil, which decides what has shipped
        "_order": of_line,
        "_customer": customer[of_line],
    }


def _fulfil(rng: np.random.Generator, orders: Columns, n_rows: int) -> Columns:
    """Ship the order lines: set their status and return `n_rows` shipments when the lines allow it.

    Lines ship once, 1+ days after the order; the rows beyond one per shipped line
    come from splitting lines into partial shipments a few days apart.
    """
    qty = orders["qty"]
    n = len(qty)
    draw = rng.random(n)
    cancelled, held, backordered = draw < 0.015, (draw >= 0.015) & (draw < 0.025), (draw >= 0.025) & (draw < 0.085)
    first_day = orders["order_date"] + rng.geometric(0.25, n)
    shipped = ~(cancelled | held | backordered) & (first_day <= END_DAY)
    orders["status"] = np.select([cancelled, held, backordered, shipped],
                                 ["Canceled", "On Hold", "Backorder", "Shipped"], "Open")

    lines = np.flatnonzero(shipped)
    spare = qty[lines] - 1  # a line of qty q splits into at most q shipments
    extra = min(max(0, n_rows - len(lines)), int(spare.sum()))
    picks = rng.choice(int(spare.sum()), extra, replace=False) if extra else np.empty(0, dtype=int)
    parts = 1 + np.bincount(np.searchsorted(np.cumsum(spare), picks, side="right"), minlength=len(lines))
    row_line = np.repeat(lines, parts)
    rows = len(row_line)
    part = np.arange(rows) - np.repeat(np.cumsum(parts) - parts, parts)
    per_part, remainder = np.repeat(qty[lines] // parts, parts), np.repeat(qty[lines] % parts, parts)
    gaps = np.where(part == 0, 0, rng.integers(1, 8, rows)).cumsum()
    day = np.minimum(first_day[row_line] + gaps - np.repeat(gaps[np.cumsum(parts) - parts], parts), END_DAY)
    delivered = day + rng.integers(1, 7, rows)
    carrier = rng.choice(_CARRIERS, rows, p=[0.4, 0.3, 0.15, 0.15]).tolist()
    tracking = [f"{_TRACKING_PREFIX[c]}{d}" for c, d in zip(carrier, rng.integers(10**11, 10**12, rows).tolist())]
    order = np.lexsort((row_line, day))  # an export lists shipments by ship date
    return {
        "_line": row_line[order],
        "shipment_id": _ids("SH-", rows, 7),
        "order_id": orders["order_id"][row_line][order],
        "line": orders["line"][row_line][order],
        "sku": orders["sku"][row_line][order],
        "qty": (per_part + (part < remainder))[order],
        "ship_date": day[order],
        "carrier": np.array(carrier, dtype=object)[order],
        "tracking_number": np.array(tracking, dtype=object)[order],
        "delivered_date": np.where(delivered <= END_DAY, delivered, np.nan)[order],
    }


def _purchase_orders(rng: np.random.Generator, n: int, inventory: Columns, suppliers: Columns) -> Columns:
    """PO lines, each PO from one supplier and for distinct SKUs of that supplier."""
    by_supplier = np.argsort(inventory["_supplier"], kind="stable")
    count = np.bincount(inventory["_supplier"], minlength=len(suppliers["supplier_id"]))
    start = np.cumsum(count) - count
    # Picking a random SKU's supplier weights suppliers by range and never picks one without SKUs.
    supplier = inventory["_supplier"][rng.integers(0, len(inventory["sku"]), n)]
    sizes = _group_sizes(np.minimum(np.minimum(rng.geometric(0.4, n), 6), count[supplier]), n)
    supplier = supplier[: len(sizes)]
    of_line = np.repeat(np.arange(len(sizes)), sizes)
    position = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    first = rng.integers(0, count[supplier])  # consecutive SKUs from a random start are distinct
    sku = by_supplier[start[supplier[of_line]] + (first[of_line] + position) % count[supplier[of_line]]]
    po_day = np.sort(rng.integers(START_DAY, END_DAY + 1, len(sizes)))
    lead = suppliers["lead_time_days"][supplier] + rng.integers(-2, 5, len(sizes))
    expected = (po_day + np.maximum(lead, 1))[of_line]
    qty = inventory["pack_size"][sku] * rng.integers(2, 60, n)
    draw = rng.random(n)
    due = expected <= END_DAY
    status = np.select([draw < 0.03, due & (draw < 0.15), due, draw < 0.6],
                       ["Cancelled", "Partially Received", "Received", "Confirmed"], "Open")
    received = np.select([status == "Received", status == "Partially Received"],
                         [qty, np.floor(qty * rng.uniform(0.2, 0.8, n))], 0)
    return {
        "po_id": _ids("PO-", len(sizes), 5)[of_line],
        "supplier_id": suppliers["supplier_id"][supplier][of_line],
        "sku": inventory["sku"][sku],
        "qty": qty,
        "order_date": po_day[of_line],
        "expected_date": expected,
        "received_qty": received,
        "status": status,
    }


def _returns(rng: np.random.Generator, n: int, shipments: Columns) -> Columns:
    n = min(n, len(shipments["qty"]))
    row = np.sort(rng.choice(len(shipments["qty"]), n, replace=False))
    received_day = shipments["ship_date"][row] + rng.integers(5, 31, n)
    arrived = received_day <= END_DAY
    status = np.where(arrived, rng.choice(["Received", "Closed"], n), "Authorised")
    return {
        "_line": shipments["_line"][row],
        "rma_id": _ids("RMA-", n, 5),
        "order_id": shipments["order_id"][row],
        "line": shipments["line"][row],
        "sku": shipments["sku"][row],
        "qty": np.minimum(shipments["qty"][row], rng.geometric(0.6, n)),
        "received_date": np.where(arrived, received_day, np.nan),
        "reason": rng.choice(_RETURN_REASONS, n),
        "condition": np.where(arrived, rng.choice(["Resellable", "Damaged"], n, p=[0.75, 0.25]), None),
        "resolution": np.where(status == "Closed", rng.choice(["Refund", "Exchange", "Credit"], n), None),
        "status": status,
    }


# Shares of the billing tables (of invoice rows, invoices or order lines), as data.
WHOLE_ORDER_SHARE = 0.08  # of the orders whose every line shipped in one go: one invoice row, no line/sku/qty
BY_SKU_SHARE = 0.10  # of the per-shipment rows whose item is on one line of its order: no line number
MISMATCH_SHARE = 0.003  # of the per-shipment rows: billed 10% + 1 over the order's price
REFUND_CREDITED_SHARE = 0.9  # of received returns resolved as refund or credit: a credit note for them
DUE_DATE_SHARE = 0.8  # of invoices with a due date written; the others fall due by the customer's terms
# How each invoice that bills money is paid: (kind, share of invoices); payments after 2026-11-27 are dropped.
PAYMENT_KINDS = (("unpaid", 0.12), ("full", 0.72), ("partial", 0.05), ("instalments", 0.10), ("twice", 0.01))


def _payment_terms(rng: np.random.Generator, n: int) -> np.ndarray:
    """Payment terms in days per customer; one in ten has none written (blank)."""
    terms = rng.choice([14.0, 30.0, 30.0, 45.0, 60.0], n)
    terms[rng.random(n) < 0.1] = np.nan
    return terms


def _invoices(rng: np.random.Generator, orders: Columns, shipments: Columns, returns: Columns, customers: Columns,
              n_rows: int) -> Columns:
    """`n_rows` invoice rows (fewer only when the book has too few lines to fill them), numbered by date.

    Each shipment is invoiced (its order, line, item and quantity) on its ship day or up to 2 days later, the
    shipments of an order invoiced on one day being one invoice. Instead: WHOLE_ORDER_SHARE of the orders that
    shipped complete in single shipments get one row for the whole order (no line, item or quantity);
    BY_SKU_SHARE of the rows name the item but no line; MISMATCH_SHARE bill more than the price. The rows that
    merging whole orders saved are filled with credit notes (negative amount and quantity) for received returns
    resolved as refund or credit, invoices of lines not shipped (billed in advance), and price corrections
    (credit notes without a quantity).
    """
    qty = np.asarray(orders["qty"], dtype=float)
    price = np.asarray(orders["unit_price"], dtype=float)
    value = np.round(qty * price, 2)
    status = np.asarray(orders["status"])
    of_order = orders["_order"]
    n_lines, n_orders = len(qty), int(of_order[-1]) + 1
    s_line, s_qty, s_day = shipments["_line"], np.asarray(shipments["qty"], dtype=float), shipments["ship_date"]
    n_ship = len(s_line)

    # Which part of its line each shipment is (0 for the first): shipments are listed by date.
    by_line = np.argsort(s_line, kind="stable")
    sorted_line = s_line[by_line]
    first = np.r_[True, sorted_line[1:] != sorted_line[:-1]]
    part = np.empty(n_ship, dtype=np.int64)
    part[by_line] = np.arange(n_ship) - np.maximum.accumulate(np.where(first, np.arange(n_ship), 0))
    parts = np.bincount(s_line, minlength=n_lines)

    # Whole-order invoices: orders whose lines all shipped (or were cancelled) in one shipment each.
    shipped = status == "Shipped"
    not_whole = ~(shipped | (status == "Canceled")) | (parts > 1)
    eligible = (np.bincount(of_order, weights=not_whole, minlength=n_orders) == 0) \
        & (np.bincount(of_order, weights=shipped, minlength=n_orders) > 0)
    whole = eligible & (rng.random(n_orders) < WHOLE_ORDER_SHARE)
    whole_orders = np.flatnonzero(whole)
    last_ship = np.full(n_orders, -1)
    np.maximum.at(last_ship, of_order[s_line], s_day)

    regular = ~whole[of_order[s_line]]
    r_line = s_line[regular]
    r_day = np.minimum(s_day[regular] + rng.integers(0, 3, len(r_line)), END_DAY)
    r_qty = s_qty[regular]
    r_amount = np.round(r_qty * price[r_line], 2)
    # An item on one line of its order can be invoiced by order and item without the line number.
    _, sku_code = np.unique(np.asarray(orders["sku"], dtype=object), return_inverse=True)
    _, pair, pair_count = np.unique(of_order * (int(sku_code.max()) + 1) + sku_code, return_inverse=True,
                                    return_counts=True)
    by_sku = (pair_count[pair][r_line] == 1) & (rng.random(len(r_line)) < BY_SKU_SHARE)
    mismatch = rng.random(len(r_line)) < MISMATCH_SHARE
    r_amount = np.where(mismatch, np.round(r_amount * 1.1 + 1, 2), r_amount)

    # Credit notes for received returns resolved as refund or credit, dated on or after the day they arrived.
    received = ~np.isnan(np.asarray(returns["received_date"], dtype=float))
    refunded = received & np.isin(np.asarray(returns["resolution"], dtype=object), ["Refund", "Credit"])
    candidates = np.flatnonzero(refunded & (rng.random(len(received)) < REFUND_CREDITED_SHARE))
    extra = max(0, n_rows - len(r_line) - len(whole_orders))
    returned = candidates[: extra]
    c_line = returns["_line"][returned]
    c_qty = -np.asarray(returns["qty"], dtype=float)[returned]
    c_day = np.minimum(np.asarray(returns["received_date"], dtype=float)[returned].astype(np.int64)
                       + rng.integers(0, 6, len(returned)), END_DAY)
    # Invoices of lines not shipped (billed in advance), then price corrections, fill the rows left.
    unshipped = np.flatnonzero(np.isin(status, ["Open", "Backorder", "On Hold"]))
    n_ahead = min(len(unshipped), (extra - len(returned)) // 2)
    ahead = np.sort(rng.choice(unshipped, n_ahead, replace=False)) if n_ahead else np.empty(0, dtype=np.int64)
    a_day = np.minimum(orders["order_date"][ahead] + rng.integers(1, 8, n_ahead), END_DAY)
    corrected = rng.choice(len(r_line), min(len(r_line), extra - len(returned) - n_ahead), replace=False)
    p_amount = np.minimum(-np.round(r_amount[corrected] * rng.uniform(0.05, 0.2, len(corrected)), 2), -0.01)
    p_day = np.minimum(r_day[corrected] + rng.integers(3, 30, len(corrected)), END_DAY)

    # Every row: order line (-1 for a whole order), day, quantity, amount; which rows name no line, item, qty.
    kinds = [len(r_line), len(whole_orders), len(returned), n_ahead, len(corrected)]
    line_of = np.concatenate([r_line, np.full(len(whole_orders), -1), c_line, ahead, r_line[corrected]])
    order_of = np.concatenate([of_order[r_line], whole_orders, of_order[c_line], of_order[ahead],
                               of_order[r_line[corrected]]])
    day = np.concatenate([r_day, np.minimum(last_ship[whole_orders] + rng.integers(0, 3, len(whole_orders)),
                                            END_DAY), c_day, a_day, p_day])
    row_qty = np.concatenate([r_qty, np.full(len(whole_orders), np.nan), c_qty, qty[ahead],
                              np.full(len(corrected), np.nan)])
    whole_value = np.bincount(of_order, weights=np.where(status == "Canceled", 0.0, value), minlength=n_orders)
    amount = np.concatenate([r_amount, np.round(whole_value[whole_orders], 2), np.round(c_qty * price[c_line], 2),
                             value[ahead], p_amount])
    no_line = np.concatenate([by_sku, np.ones(len(whole_orders), dtype=bool), np.zeros(sum(kinds[2:]), dtype=bool)])
    # Rows of one order invoiced on one day are one invoice (a line's later shipments go on later invoices);
    # every other row is an invoice of its own.
    sub = np.concatenate([part[regular], np.arange(sum(kinds[1:])) + int(parts.max()) + 1])
    sort_line = np.where(line_of < 0, n_lines, line_of)
    order = np.lexsort((sort_line, sub, order_of, day))
    day, order_of, sub, line_of, row_qty, amount, no_line = (
        a[order] for a in (day, order_of, sub, line_of, row_qty, amount, no_line))
    new_invoice = np.r_[True, (day[1:] != day[:-1]) | (order_of[1:] != order_of[:-1]) | (sub[1:] != sub[:-1])]
    invoice = np.cumsum(new_invoice) - 1
    n_invoices = int(invoice[-1]) + 1 if len(invoice) else 0

    # Due dates per invoice: written on most, the rest by the customer's payment terms (30 days without terms).
    terms = customers["payment_terms_days"][orders["_customer"][orders["line"] == 1]][order_of]
    invoice_total = np.bincount(invoice, weights=amount, minlength=n_invoices)
    written = (rng.random(n_invoices) < DUE_DATE_SHARE)[invoice] & (invoice_total[invoice] > 0)
    due = np.where(written, day + np.where(np.isnan(terms), 30, terms), np.nan)
    line_known = (line_of >= 0) & ~no_line
    safe_line = np.maximum(line_of, 0)
    return {
        "_invoice": invoice,
        "_terms": terms,
        "invoice_id": _ids("INV-", max(n_invoices, 1), 6)[invoice],
        "order_id": _ids("SO-", n_orders, 6)[order_of],
        "line": np.where(line_known, orders["line"][safe_line], np.nan),
        "sku": np.where(line_of >= 0, np.asarray(orders["sku"], dtype=object)[safe_line], None),
        "qty": row_qty,
        "amount": amount,
        "invoice_date": day,
        "due_date": due,
    }


def _payments(rng: np.random.Generator, invoices: Columns) -> Columns:
    """Payments of the invoices that bill money, by PAYMENT_KINDS: none, in full, in part, in two instalments
    that add up to the invoice, or twice in full (overpaid). A payment falls some days either side of the due
    date; one after 2026-11-27 has not happened and is left out. PAYMENT_KINDS are chosen so that an N-line
    book gets about N/2 payments."""
    invoice = invoices["_invoice"]
    n_invoices = int(invoice[-1]) + 1
    total = np.round(np.bincount(invoice, weights=invoices["amount"], minlength=n_invoices), 2)
    first_row = np.flatnonzero(np.r_[True, invoice[1:] != invoice[:-1]])
    billed_day = invoices["invoice_date"][first_row]
    terms = invoices["_terms"][first_row]
    due = np.where(np.isnan(invoices["due_date"][first_row]), billed_day + np.where(np.isnan(terms), 30, terms),
                   invoices["due_date"][first_row])
    names = np.array([name for name, _ in PAYMENT_KINDS])
    kind = np.where(total > 0, rng.choice(names, n_invoices, p=[share for _, share in PAYMENT_KINDS]), "unpaid")
    kind = np.where((total < 1) & (kind != "unpaid"), "full", kind)  # too small to split
    first_day = np.maximum(due + rng.integers(-15, 16, n_invoices), billed_day)
    second_day = first_day + rng.integers(5, 31, n_invoices)
    part = np.round(total * rng.uniform(0.2, 0.8, n_invoices), 2)
    first_amount = np.where((kind == "partial") | (kind == "instalments"), part, total)
    second_amount = np.where(kind == "instalments", np.round(total - part, 2), total)
    paid = kind != "unpaid"
    second = (kind == "instalments") | (kind == "twice")
    of = np.concatenate([np.flatnonzero(paid), np.flatnonzero(second)])
    day = np.concatenate([first_day[paid], second_day[second]])
    amount = np.concatenate([first_amount[paid], second_amount[second]])
    happened = day <= END_DAY
    of, day, amount = of[happened], day[happened], amount[happened]
    order = np.lexsort((of, day))
    return {
        "payment_id": _ids("PAY-", max(len(order), 1), 6)[: len(order)],
        "invoice_id": invoices["invoice_id"][first_row][of[order]],
        "amount": amount[order],
        "paid_date": day[order],
    }


def _add_dispatch_columns(rng: np.random.Generator, orders: Columns, shipments: Columns, customers: Columns) -> None:
    """Carrier, Ship Complete and Ship To on the order lines, as header values repeated on each line.

    A shipped line names the carrier of its first shipment; every other line its order's carrier (the order's
    Ship Via). One order in 20 ships complete. Each customer has one to three delivery addresses and each
    order goes to one of them.
    """
    n_orders = int(orders["_order"][-1]) + 1
    carrier = np.array(rng.choice(_CARRIERS, n_orders, p=[0.4, 0.3, 0.15, 0.15]), dtype=object)[orders["_order"]]
    lines_shipped, first_shipment = np.unique(shipments["_line"], return_index=True)  # shipments are by date
    carrier[lines_shipped] = shipments["carrier"][first_shipment]
    orders["carrier"] = carrier
    orders["ship_complete"] = (rng.random(n_orders) < SHIP_COMPLETE_SHARE)[orders["_order"]].tolist()
    n_customers = len(customers["customer_id"])
    per_customer = rng.choice([1, 2, 3], n_customers, p=[0.6, 0.3, 0.1])
    addresses = _addresses(rng, int(per_customer.sum()))
    first_address = np.cumsum(per_customer) - per_customer
    order_customer = orders["_customer"][orders["line"] == 1]  # an order's lines are together, from line 1
    chosen = first_address[order_customer] + rng.integers(0, per_customer[order_customer])
    orders["ship_to"] = addresses[chosen][orders["_order"]]


def _addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    """Delivery addresses: "214 Cedar Road, Springfield 40213"."""
    parts = zip(rng.integers(1, 400, n).tolist(), rng.choice(_TRADE_NAMES, n).tolist(),
                rng.choice(_STREET_KINDS, n).tolist(), rng.choice(_TOWNS, n).tolist(),
                rng.integers(10_000, 100_000, n).tolist())
    return np.array([f"{number} {name} {kind}, {town} {code}" for number, name, kind, town, code in parts],
                    dtype=object)


def _by_location(rng: np.random.Generator, inventory: Columns) -> Columns:
    """One row per SKU and location: every SKU at MAIN, a share also at the OTHER_LOCATIONS, the SKU's stock
    split between them (MAIN not always the largest), each row with its own shelf ("C-07") and bin ("03") and
    the item's values repeated, as a stock-by-location export gives them."""
    n = len(inventory["sku"])
    names = ("MAIN",) + tuple(name for name, _ in OTHER_LOCATIONS)
    stocked = np.column_stack([np.ones(n, dtype=bool)] + [rng.random(n) < share for _, share in OTHER_LOCATIONS])
    weight = np.where(stocked, rng.uniform(0.2, 1.0, stocked.shape), 0.0)
    total = inventory["on_hand"]
    split = np.floor(total[:, None] * weight / weight.sum(axis=1, keepdims=True))
    split[:, 0] += total - split.sum(axis=1)  # what rounding left over stays at MAIN: the SKU's total is kept
    sku_index, location_index = np.nonzero(stocked)  # row-major: by SKU, then MAIN, EAST, WEST
    rows = len(sku_index)
    shelves = zip(rng.choice(list("ABCDEFGH"), rows).tolist(), rng.integers(1, 25, rows).tolist())
    expanded = {column: _take(values, sku_index) for column, values in inventory.items()}
    expanded.update({
        "location": np.array(names, dtype=object)[location_index],
        "shelf": np.array([f"{aisle}-{number:02d}" for aisle, number in shelves], dtype=object),
        "bin": np.array([f"{number:02d}" for number in rng.integers(1, 13, rows).tolist()], dtype=object),
        "on_hand": split[sku_index, location_index],
    })
    return expanded


def _take(values: Any, index: np.ndarray) -> Any:
    """values[index] for an array or a list (a list stays a list: its cells keep their Python types)."""
    if isinstance(values, np.ndarray):
        return values[index]
    return [values[i] for i in index.tolist()]


def _soil(rng: np.random.Generator, tables: dict[str, Columns]) -> None:
    """Make a few cells dirty in ways the reader must clean up without losing the value."""
    for table, column, dirty, eligible in _DIRT:
        cells = _cells(tables[table][column])
        candidates = np.flatnonzero([eligible(v) for v in cells])
        count = min(len(candidates), int(rng.binomial(len(cells), DIRTY_RATE)))
        for i in rng.choice(candidates, count, replace=False).tolist():
            cells[i] = dirty(cells[i])
        tables[table][column] = cells


def _thousands(value: float) -> str:
    return f"{value:,.2f}" if value % 1 else f"{int(value):,}"


def _padded(value: float) -> str:
    return f" {_thousands(value)} "


def _iso(day: int) -> str:
    return (_EXCEL_EPOCH + dt.timedelta(days=int(day))).isoformat()


def _nbsp(text: str) -> str:
    return text + NBSP


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_big(value: Any) -> bool:
    # Only values of 1,000 and more show a thousands separator when typed as text.
    return _is_number(value) and value >= 1000


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


# (table, column, how a cell is soiled, which cells can be), each applied to DIRTY_RATE of the rows.
_DIRT: tuple[tuple[str, str, Callable[[Any], str], Callable[[Any], bool]], ...] = (
    ("orders", "qty", _thousands, _is_big),
    ("orders", "qty", _padded, _is_number),
    ("orders", "unit_price", _thousands, _is_number),
    ("orders", "sku", _nbsp, _is_text),
    ("shipments", "sku", _nbsp, _is_text),
    ("shipments", "ship_date", _iso, _is_number),
    ("inventory", "on_hand", _thousands, _is_big),
    ("inventory", "on_hand", _padded, _is_number),
    ("inventory", "sku", _nbsp, _is_text),
)


# ---- writing --------------------------------------------------------------------------------------------


def _write(path: Path, tables: dict[str, Columns], shared_strings: bool) -> None:
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": not shared_strings})
    workbook.set_properties({"title": "omxl benchmark book", "author": "omxl benchmarks", "created": CREATED})
    header_format = workbook.add_format({"bold": True})
    # Two date formats on purpose, as ERP exports use both: a custom one on the two big
    # sheets and built-in format 14 elsewhere, so both of the reader's date-cell paths run.
    custom_date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    builtin_date = workbook.add_format({"num_format": 14})
    for table, (sheet, columns) in LAYOUT.items():
        model = TABLE_BY_NAME[table]
        values = [_cells(tables[table][canonical]) for canonical, _ in columns]
        date_format = custom_date if table in ("orders", "shipments") else builtin_date
        formats = [date_format if model.column(canonical).kind == DATE else None for canonical, _ in columns]
        worksheet = workbook.add_worksheet(sheet)
        worksheet.set_column(0, len(columns) - 1, 15)
        worksheet.freeze_panes(1, 0)
        worksheet.write_row(0, 0, [header for _, header in columns], header_format)
        _write_rows(worksheet, values, formats)
        workbook.set_custom_property(f"{_ROWS_PROPERTY}{table}", len(values[0]), "number_int")
    workbook.close()


def _write_rows(worksheet: Any, columns: list[list[Any]], formats: list[Any]) -> None:
    """Write cells row by row (in constant_memory mode each finished row is flushed); None leaves a cell blank."""
    write_string, write_number, write_boolean = worksheet.write_string, worksheet.write_number, worksheet.write_boolean
    for r, row in enumerate(zip(*columns), start=1):
        for c, value in enumerate(row):
            kind = type(value)
            if kind is str:
                write_string(r, c, value)
            elif kind is bool:
                write_boolean(r, c, value)
            elif value is not None:
                write_number(r, c, value, formats[c])


# ---- helpers --------------------------------------------------------------------------------------------


def _cells(values: Any) -> list[Any]:
    """Plain Python values for the writer: NaN becomes None (a blank cell)."""
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    return [None if isinstance(v, float) and v != v else v for v in items]


def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """Text IDs 1..n, zero-padded to `width` digits or more when n needs it."""
    width = max(width, len(str(n)))
    return np.array([f"{prefix}{i:0{width}d}" for i in range(1, n + 1)], dtype=object)


def _group_sizes(sizes: np.ndarray, total: int) -> np.ndarray:
    """The leading group sizes that add up to exactly `total` (the last one trimmed); each size is >= 1."""
    ends = np.cumsum(sizes)
    count = int(np.searchsorted(ends, total)) + 1
    kept = sizes[:count].copy()
    kept[-1] -= ends[count - 1] - total
    return kept


def _zipf(n: int, offset: float) -> np.ndarray:
    """Long-tailed popularity: a few customers and SKUs carry much of the volume."""
    weights = 1.0 / (np.arange(n) + offset)
    return weights / weights.sum()


def _some(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    """`values` where a random `share` of rows keep theirs, NaN (blank) elsewhere."""
    return np.where(rng.random(len(values)) < share, values, np.nan)


def _company_names(rng: np.random.Generator, n: int, kinds: tuple[str, ...]) -> list[str]:
    parts = zip(rng.choice(_TRADE_NAMES, n).tolist(), rng.choice(kinds, n).tolist(), rng.choice(_LEGAL, n).tolist())
    return [f"{trade} {kind} {legal}" for trade, kind, legal in parts]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
