"""The sample business: suppliers, items, customers, order history, shipments, returns, stock and purchase orders.

Everything is drawn from one random generator in a fixed order, so the seed alone decides the data; the fixed
rows of positions.py are steered so that each deliberate situation stays the only thing odd about its row.
The frames keep internal columns (positions, weights) that defects.py needs to build the sheets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .positions import (FIRST_WEST_ROW, HEAD_LINES, HEAD_ROWS, PO_CLOSED_COUNT, PO_OVERDUE_ROWS,
                        STOCK_DEMAND_TAIL_ROWS, STOCK_ROWS, SUPPLIER_DUPLICATED_ROW, TAIL_ROWS)

HISTORY_DAYS = 112  # 16 weeks ending on as_of
CARRIERS = ("DHL", "UPS", "DPD", "FedEx")


@dataclass(frozen=True)
class Business:
    """The generated records before any mistake is typed in."""

    suppliers: pd.DataFrame
    items: pd.DataFrame
    customers: pd.DataFrame
    order_lines: pd.DataFrame
    shipments: pd.DataFrame
    returns: pd.DataFrame
    stock: pd.DataFrame
    purchase_orders: pd.DataFrame


def generate_business(seed: int, lines: int, day: np.datetime64) -> Business:
    """The business for `seed` with exactly `lines` order lines, its history ending on `day`."""
    rng = np.random.default_rng(seed)
    # The call order is part of the output: each table draws from where the previous one left the generator.
    suppliers = _suppliers(rng, min(40, max(8, lines // 100)))
    items = _items(rng, max(50, lines // 8), suppliers)
    customers = _customers(rng, min(7999, max(10, lines // 20)))
    order_lines = _order_lines(rng, lines, items, customers, day)
    shipments = _shipments(rng, order_lines, items, day)
    returns = _returns(rng, order_lines, shipments, day)
    stock, weekly_rate = _stock(rng, items, order_lines)
    purchase_orders = _purchase_orders(rng, items, suppliers, stock, weekly_rate, day)
    return Business(suppliers, items, customers, order_lines, shipments, returns, stock, purchase_orders)


def to_days(values: pd.Series) -> np.ndarray:
    """Day-precision dates: pandas keeps datetime64[D] as [s], where `+ 1` would add a second."""
    return values.to_numpy().astype("datetime64[D]")


def _suppliers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    prefixes = ["Atlas", "Nordic", "Meridian", "Keystone", "Pacific", "Brightline", "Summit", "Harbour", "Vanguard",
                "Orion", "Granite", "Cedar", "Apex", "Falcon", "Beacon", "Crest", "Delta", "Evergreen", "Titan",
                "Unity"]
    trades = ["Industrial Supply", "Trading", "Packaging", "Components", "Distribution", "Safety Products",
              "Fasteners", "Hygiene"]
    names = np.array([f"{prefix} {trade}" for prefix in prefixes for trade in trades])[
        rng.permutation(len(prefixes) * len(trades))[:n]]
    # Legal form, dialling code and currency go together, as they do on a real vendor list.
    country = rng.choice(7, n, p=[0.25, 0.22, 0.12, 0.2, 0.08, 0.05, 0.08])
    legal_form, dial_code, currency = (np.array(x)[country] for x in (
        ["Ltd", "GmbH", "BV", "Inc", "S.r.l.", "AB", "SAS"], ["+44", "+49", "+31", "+1", "+39", "+46", "+33"],
        ["GBP", "EUR", "EUR", "USD", "EUR", "SEK", "EUR"]))
    slug = pd.Series(names).str.lower().str.replace(" ", "-", regex=False)
    lead = rng.integers(5, 36, n)
    return pd.DataFrame({
        "Supplier ID": [f"SUP-{i:03d}" for i in range(1, n + 1)],
        # Text is joined in pandas Series, not numpy arrays: numpy before 2.0 cannot add strings.
        "Supplier Name": pd.Series(names) + " " + legal_form,
        "Email": pd.Series(rng.choice(["sales", "orders", "purchasing"], n)) + "@" + slug + ".example",
        "Phone": [f"{dial} {area} {exchange} {number}" for dial, area, exchange, number in zip(
            dial_code, rng.integers(20, 99, n), rng.integers(1000, 9999, n), rng.integers(100, 999, n))],
        "Lead Time Days": lead,
        "Lead Time SD": np.round(lead * rng.uniform(0.1, 0.3, n), 1),
        "Min Order Value": rng.choice([0, 250, 500, 1000, 2500], n),
        "Ordering Cost": np.round(rng.uniform(25, 120, n) / 5) * 5,
        "Currency": currency,
    })


def _items(rng: np.random.Generator, n: int, suppliers: pd.DataFrame) -> pd.DataFrame:
    """One row per SKU (position = Inventory order) with the demand and prices that drive the orders."""
    # Five-digit item numbers while they suffice (every book made before the wider space existed stays as it
    # was); a book of more SKUs than that, from some 640,000 lines on, draws six-digit ones instead.
    space = np.arange(10000, 90000) if n - 3 <= 80000 else np.arange(100000, 1000000)
    numbers = rng.choice(space, n - 3, replace=False)
    skus = np.sort(np.concatenate([[f"{k:05d}" for k in rng.choice(np.arange(100, 1000), 3, replace=False)],
                                   [f"SKU-{k}" for k in numbers]]))
    things = ["Nitrile Gloves", "Cable Ties", "Stainless Hinge", "Hex Bolt M8", "Packing Tape 48mm", "LED Bulb E27",
              "Copier Paper A4", "Safety Glasses", "Hi-Vis Vest", "Extension Lead 4-way", "Cleaning Spray 750ml",
              "Bin Liners 120L", "Stretch Film 500mm", "Wood Screw 4x40", "AA Batteries", "Hand Soap 5L",
              "Paper Towel Roll", "Cable Drum 50m", "Shelf Bracket", "Padlock 40mm", "Mop Head", "Label Roll 100x150"]
    variants = ["Small", "Medium", "Large", "XL", "Black", "White", "Clear", "Blue", "Heavy Duty", "Premium", "Eco"]
    brands = ["ProLine", "Stanza", "Kleen", "Worxa", "Fixit", "Brite", "Toolcraft", "Duro", "Safeguard", "Primo"]

    def pick(words: list[str]) -> np.ndarray:
        return np.array(words)[rng.integers(0, len(words), n)]

    pack = rng.choice([1, 6, 10, 12, 24, 48, 100], n, p=[0.4, 0.1, 0.1, 0.15, 0.1, 0.05, 0.1])
    base = np.where(pack > 1, pack * rng.choice([1, 2], n), rng.choice([1, 2, 5, 10], n))
    # A few fast movers, a long tail of slow ones: weekly demand statistics have something to show.
    weight = rng.lognormal(0.0, 1.2, n) * np.where(rng.random(n) < 0.1, 0.05, 1.0)
    fast = [STOCK_ROWS[role] for role in ("negative", "stockout1", "stockout2", "stockout3", "scarce", "fast")]
    weight[fast] = np.quantile(weight, 0.97)
    weight[STOCK_ROWS["bulk"]] = np.median(weight)
    # Inventory rows with errors: no order line needs them.
    weight[[STOCK_ROWS["na"], STOCK_ROWS["min_max"], STOCK_ROWS["bad_supplier"]]] = 0.0
    pack[STOCK_ROWS["bulk"]], base[STOCK_ROWS["bulk"]] = 100, 400  # sold by the 400: "1,200" is an ordinary quantity
    cost = np.round(np.clip(rng.lognormal(np.log(6), 0.9, n), 0.2, 900), 2)
    return pd.DataFrame({
        "sku": skus, "description": pd.Series(pick(things)) + " " + pick(variants) + ", " + pick(brands),
        "unit_cost": cost,
        "price": np.round(cost * rng.uniform(1.3, 1.9, n), 2),
        # The supplier listed twice supplies nothing: whichever of its rows a reader keeps, no reference breaks.
        "supplier": pick(suppliers["Supplier ID"].drop(SUPPLIER_DUPLICATED_ROW).tolist()),
        "pack": pack, "base": base, "weight": weight / weight.sum(),
        "discontinued": (rng.random(n) < 0.02) & (np.arange(n) >= FIRST_WEST_ROW),
    })


def _customers(rng: np.random.Generator, n: int) -> pd.DataFrame:
    prefixes = np.array(["Bright", "Harbour", "Northgate", "Summit", "Oakfield", "Riverside", "Metro", "Crown",
                         "Pioneer", "Evergreen", "Silverline", "Westbrook", "Highland", "Lakeside", "Kingsway",
                         "Maple", "Redwood", "Seaview", "Parkside", "Union", "Sterling", "Fairway", "Greenway",
                         "Hillcrest"])
    sectors = np.array(["Retail", "Hospitality", "Facilities", "Builders", "Hotels", "Cafes", "Clinics",
                        "Engineering", "Logistics", "Stores", "Schools", "Property", "Catering", "Workshops"])
    prefix, sector = prefixes[rng.integers(0, len(prefixes), n)], sectors[rng.integers(0, len(sectors), n)]
    slug = (pd.Series(prefix) + sector).str.lower() + ".example"
    return pd.DataFrame({
        "Customer ID": [f"C-{k}" for k in np.sort(rng.choice(np.arange(1001, 9000), n, replace=False))],
        "Customer Name": pd.Series(prefix) + " " + sector + " "
        + rng.choice(["Ltd", "GmbH", "BV", "Inc", "LLP", "& Co"], n),
        "Email": pd.Series(rng.choice(["orders", "purchasing", "buying"], n)) + "@" + slug,
        "Priority": rng.choice([1.0, 2.0, 3.0, np.nan], n, p=[0.1, 0.3, 0.4, 0.2]),
        "E-mail": ("ap@" + slug).where(rng.random(n) < 0.35, None),  # a second address column someone added
        "discount": rng.choice([0.0, 0.05, 0.1, 0.15], n, p=[0.4, 0.3, 0.2, 0.1]),
        "weight": rng.lognormal(0, 1.0, n),
        "rep": rng.choice(["A. Becker", "J. Murphy", "L. Rossi", "S. Okafor", "M. Jansen", "R. Patel"], n),
    })


def _order_lines(rng: np.random.Generator, n: int, items: pd.DataFrame, customers: pd.DataFrame,
                 day: np.datetime64) -> pd.DataFrame:
    """Order lines and how each was fulfilled (ship lags, partial shipments), before defects are typed in."""
    sizes = 1 + np.minimum(rng.poisson(2.0, n), 11)
    ends = np.cumsum(sizes)
    last = int(np.searchsorted(ends, n))
    sizes = sizes[:last + 1]
    sizes[-1] -= ends[last] - n  # the last order is cut short so that there are exactly n lines
    n_orders = len(sizes)
    days = np.arange(day - HISTORY_DAYS + 1, day + 1)
    days = days[np.is_busday(days)]
    trend = (1 + 0.3 * np.linspace(0, 1, len(days))) * np.where(np.is_busday(days, weekmask="Mon"), 1.25, 1.0)
    order_of = np.repeat(np.arange(n_orders), sizes)
    order_date = np.sort(rng.choice(days, n_orders, p=trend / trend.sum()))[order_of]
    customer_of = rng.choice(len(customers), n_orders,
                             p=(customers["weight"] / customers["weight"].sum()).to_numpy())[order_of]
    sku_weight = items["weight"].to_numpy()
    sku = rng.choice(len(items), n, p=sku_weight)
    for _ in range(3):  # an order rarely lists the same item twice
        again = pd.DataFrame({"o": order_of, "s": sku}).duplicated().to_numpy()
        sku[again] = rng.choice(len(items), int(again.sum()), p=sku_weight)
    for offset, role in STOCK_DEMAND_TAIL_ROWS.items():
        sku[n - offset] = STOCK_ROWS[role]
    sku[HEAD_ROWS["exchange"]] = STOCK_ROWS["scarce"]
    sku[n - TAIL_ROWS["outlier"]], sku[n - TAIL_ROWS["text_qty"]] = STOCK_ROWS["fast"], STOCK_ROWS["bulk"]
    multiple = rng.choice([1, 2, 3, 4], n, p=[0.55, 0.25, 0.12, 0.08])
    # 1,200 units on the text-quantity line; a line that can ship in part for the early delivery.
    multiple[n - TAIL_ROWS["text_qty"]], multiple[HEAD_ROWS["delivered_early"]] = 3, 2
    qty = items["base"].to_numpy()[sku] * multiple
    promised = np.busday_offset(order_date + rng.integers(3, 22, n), 0, roll="forward")
    promised_bd = np.busday_count(order_date, promised)
    lateness = rng.random(n)
    # Most lines ship in the last third of their promise window (the warehouse works to promised dates) ...
    lag = np.maximum(1, promised_bd - rng.integers(0, np.maximum(1, promised_bd // 3) + 1))
    lag = np.where(lateness < 0.10, promised_bd + rng.integers(1, 9, n), lag)  # ... some late ...
    lag = np.where(lateness > 0.96, promised_bd + rng.integers(15, 46, n), lag)  # ... a few long backorders
    split = (rng.random(n) < 0.12) & (qty >= 2) & (lag >= 2)
    first_lag = rng.integers(1, np.maximum(lag, 2))
    cancel, hold = rng.random(n) < 0.03, rng.random(n) < 0.06
    tail = n - np.array([*TAIL_ROWS.values(), TAIL_ROWS["duplicate"] + 1, *STOCK_DEMAND_TAIL_ROWS])
    lag[:HEAD_LINES], lag[tail] = 1, 100_000  # head lines ship next day; tail lines are not shipped yet
    for mask in (split, cancel, hold):
        mask[:HEAD_LINES] = mask[tail] = False
    final = np.busday_offset(order_date, lag)
    first = np.where(split, np.busday_offset(order_date, first_lag), final)
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
        "order_id": [f"SO-{260001 + order}" for order in order_of],
        "line": np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1,
        "order_date": order_date, "cust": customer_of, "sku": sku, "qty": qty,
        "unit_price": np.round(items["price"].to_numpy()[sku] * (1 - customers["discount"].to_numpy()[customer_of]),
                               2),
        "promised": promised, "status": status, "word": word,
        "priority": np.where(rng.random(n_orders) < 0.12, rng.choice([1.0, 2.0], n_orders), np.nan)[order_of],
        "rep": customers["rep"].to_numpy()[customer_of],
        "notes": np.where(rng.random(n) < 0.06, notes[rng.integers(0, len(notes), n)], None),
        "first": first, "final": final,
        "part": np.where(split, np.clip(np.round(qty * rng.uniform(0.3, 0.7, n)), 1, qty - 1), qty).astype(int),
        "split": split, "some": some, "full": full,
    })


def _shipments(rng: np.random.Generator, order_lines: pd.DataFrame, items: pd.DataFrame,
               day: np.datetime64) -> pd.DataFrame:
    """One row per shipment, oldest first: partial lines ship twice, recent lines not at all."""
    first_parts = np.flatnonzero(order_lines["some"])
    second_parts = np.flatnonzero(order_lines["split"] & order_lines["full"])
    line_idx = np.concatenate([first_parts, second_parts])
    ship = np.concatenate([to_days(order_lines["first"])[first_parts], to_days(order_lines["final"])[second_parts]])
    qty = np.concatenate([order_lines["part"].to_numpy()[first_parts],
                          (order_lines["qty"] - order_lines["part"]).to_numpy()[second_parts]])
    oldest_first = np.lexsort((np.arange(len(line_idx)), line_idx, ship))  # ties keep line order: head lines first
    line_idx, ship, qty = line_idx[oldest_first], ship[oldest_first], qty[oldest_first]
    count = len(line_idx)
    carrier = rng.choice(len(CARRIERS), count, p=[0.35, 0.3, 0.2, 0.15])
    digits = "0123456789"
    tracking = np.select(
        [carrier == 0, carrier == 1, carrier == 2],
        [_random_codes(rng, count, 10, digits),
         np.char.add("1Z", _random_codes(rng, count, 16, digits + "ABCDEFGHJKLMNPRSTUVWXYZ")),
         _random_codes(rng, count, 14, digits)], _random_codes(rng, count, 12, digits))
    delivered = np.busday_offset(ship, rng.integers(np.array([1, 1, 1, 2])[carrier], np.array([3, 4, 4, 7])[carrier]))
    return pd.DataFrame({
        "line_idx": line_idx, "order_id": order_lines["order_id"].to_numpy()[line_idx],
        "line": order_lines["line"].to_numpy()[line_idx],
        "sku": items["sku"].to_numpy()[order_lines["sku"].to_numpy()[line_idx]], "qty": qty, "ship": ship,
        "carrier": np.array(CARRIERS)[carrier], "tracking": tracking,
        "delivered": np.where(delivered <= day, delivered, np.datetime64("NaT")),
    })


def _random_codes(rng: np.random.Generator, count: int, length: int, alphabet: str) -> np.ndarray:
    chars = np.array(list(alphabet))[rng.integers(0, len(alphabet), (count, length))]
    return chars.view(f"<U{length}").ravel()


def _returns(rng: np.random.Generator, order_lines: pd.DataFrame, shipments: pd.DataFrame,
             day: np.datetime64) -> pd.DataFrame:
    """About 1.5 % of the fully shipped and delivered lines come back (the head lines are left alone)."""
    by_line = shipments.groupby("line_idx")["delivered"]
    last, complete = by_line.max(), by_line.count() == by_line.size()
    candidates = last.index[complete.to_numpy() & (last.index >= HEAD_LINES)
                            & order_lines["full"].to_numpy()[last.index]]
    count = min(len(candidates), max(1, round(0.015 * int(order_lines["full"].sum()))))
    line_idx = np.sort(rng.choice(candidates, count, replace=False))
    raised = to_days(last[line_idx]) + rng.integers(1, 10, count)
    received = raised + rng.integers(2, 15, count)
    received = np.where(received <= day, received, np.datetime64("NaT"))
    reasons = np.array(["Damaged in transit", "Wrong item sent", "Not as described", "Ordered by mistake",
                        "Defective", "Surplus to requirements"])
    reason = rng.integers(0, len(reasons), count)
    shipped = order_lines["qty"].to_numpy()[line_idx]
    arrived = ~np.isnat(received)
    return pd.DataFrame({
        "line_idx": line_idx, "raised": raised, "received": received, "reason": reasons[reason],
        "qty": np.where(rng.random(count) < 0.3, shipped,
                        np.clip(np.round(shipped * rng.uniform(0.05, 0.5, count)), 1, shipped)),
        "condition": np.where(arrived, np.where(np.isin(reason, [0, 4]), "Damaged", "Resellable"), None),
        "resolution": rng.choice(["Refund", "Exchange", "Credit"], count, p=[0.5, 0.25, 0.25]),
        "status": np.where(~arrived, "Authorised", np.where(received < day - 14, "Closed", "Received")),
    }).sort_values(["raised", "line_idx"], kind="stable")


def _stock(rng: np.random.Generator, items: pd.DataFrame,
           order_lines: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The Inventory sheet (MAIN rows, some WEST rows) and the weekly demand rate per SKU."""
    n = len(items)
    pack = items["pack"].to_numpy()
    rate = np.bincount(order_lines["sku"], weights=order_lines["qty"], minlength=n) / (HISTORY_DAYS / 7)
    on_hand = np.where(rate > 0, np.maximum(1, np.round(rate * rng.uniform(0.3, 6, n))), rng.integers(5, 60, n))
    on_hand = on_hand.astype(int)

    def whole_packs(qty: np.ndarray) -> np.ndarray:
        return np.maximum(pack, np.ceil(qty / pack) * pack)

    policy = rng.random(n)
    has_reorder_point = policy < 0.10
    has_min_max = (policy >= 0.10) & (policy < 0.16)  # one explicit policy per SKU at most
    min_qty = np.where(has_min_max, np.maximum(1, np.round(rate * 2)), np.nan)
    is_role = np.zeros(n, bool)
    is_role[list(STOCK_ROWS.values())] = True  # role SKUs keep the computed policy, so their outcome is predictable

    def where_set(mask: np.ndarray, values: np.ndarray) -> np.ndarray:
        return np.where(mask & ~is_role, values, np.nan)

    west = (np.arange(n) >= FIRST_WEST_ROW) & (rng.random(n) < 0.08) & (on_hand >= 4)  # both rows keep stock
    west_qty = np.where(west, np.maximum(1, on_hand * rng.uniform(0.2, 0.5, n)).astype(int), 0)
    main = pd.DataFrame({
        "SKU": items["sku"], "Description": items["description"], "On Hand": on_hand - west_qty, "Location": "MAIN",
        "Unit Cost": items["unit_cost"], "Supplier": items["supplier"],
        "Lead Time (days)": where_set(rng.random(n) < 0.2, rng.integers(5, 36, n)), "On Order": np.nan,
        "Reorder Point": where_set(has_reorder_point, np.maximum(1, np.round(rate * 3))),
        "Reorder Qty": where_set(has_reorder_point, whole_packs(rate * 4)),
        "Min Qty": where_set(has_min_max, min_qty), "Max Qty": where_set(has_min_max, min_qty + whole_packs(rate * 4)),
        "Safety Stock": where_set(rng.random(n) < 0.1, np.maximum(1, np.round(rate))),
        "MOQ": where_set(rng.random(n) < 0.3,
                         np.where(pack > 1, pack * rng.choice([2, 4], n), rng.choice([10, 25, 50], n))),
        "Pack Size": pack, "Discontinued": np.where(items["discontinued"], "Yes", "No"),
    })
    second = main[west].assign(**{"On Hand": west_qty[west], "Location": "WEST"})
    second.loc[:, "Lead Time (days)":"MOQ"] = np.nan  # policies are kept once, on the MAIN row
    frame = pd.concat([main, second]).sort_index(kind="stable").reset_index(drop=True)
    return frame, rate


def _purchase_orders(rng: np.random.Generator, items: pd.DataFrame, suppliers: pd.DataFrame, stock: pd.DataFrame,
                     rate: np.ndarray, day: np.datetime64) -> pd.DataFrame:
    """Closed POs, the fixed situation rows, then open POs for the ~15 % of SKUs with the least cover."""
    n = len(items)
    pack = items["pack"].to_numpy()
    on_hand = stock.groupby("SKU", sort=False)["On Hand"].sum().reindex(items["sku"]).to_numpy()
    eligible = (rate > 0) & ~items["discontinued"].to_numpy()
    eligible[list(STOCK_ROWS.values())] = False
    cover = on_hand / np.where(rate > 0, rate, 1) * rng.lognormal(0, 0.5, n)
    pool = np.flatnonzero(eligible)
    open_skus = pool[np.argsort(cover[pool], kind="stable")[:round(0.15 * n)]]
    closed_skus = rng.choice(np.setdiff1d(pool, open_skus), PO_CLOSED_COUNT, replace=False)
    # Two overdue, then one for the unknown supplier.
    role_skus = np.array([STOCK_ROWS["stockout1"], STOCK_ROWS["stockout3"], STOCK_ROWS["stockout2"]])
    skus = np.concatenate([closed_skus, role_skus, open_skus])
    lead = suppliers.set_index("Supplier ID")["Lead Time Days"].reindex(items["supplier"]).to_numpy()[skus]
    supplier = items["supplier"].to_numpy()[skus]
    count, closed_end, roles_end = len(skus), PO_CLOSED_COUNT, PO_CLOSED_COUNT + len(role_skus)
    # Natural open lines: one PO per supplier, at most 8 lines each, ordered within the supplier's lead time.
    group = np.arange(count)
    group[roles_end:] = roles_end + pd.DataFrame({"s": supplier[roles_end:]}).assign(
        g=lambda d: d.groupby("s").cumcount() // 8).groupby(["s", "g"], sort=False).ngroup().to_numpy()
    placed = day - rng.integers(1, np.maximum(lead, 2))
    placed[:closed_end] = day - rng.integers(50, 100, closed_end)
    placed[closed_end:roles_end] = [day - 9 - lead[closed_end], day - 4 - lead[closed_end + 1], day - 5]
    first_of_group = pd.Series(np.arange(count)).groupby(group).transform("first").to_numpy()
    placed = np.busday_offset(placed[first_of_group], 0, roll="backward")
    expected = np.busday_offset(placed + lead, 0, roll="forward")
    after_overdue = max(PO_OVERDUE_ROWS) + 1
    expected[after_overdue:] = np.maximum(expected[after_overdue:], day + 2)  # only the overdue rows are overdue
    qty = np.maximum(pack[skus], np.ceil(rate[skus] * 4 / pack[skus]) * pack[skus])
    received = np.where(rng.random(count) < 0.1,
                        np.floor(qty * rng.uniform(0.2, 0.6, count) / pack[skus]) * pack[skus], 0)
    received[:roles_end] = 0
    received[:closed_end] = qty[:closed_end]
    status = np.where(received > 0, "Partially Received", rng.choice(["Confirmed", "Sent", "Open"], count))
    status[:closed_end] = rng.choice(["Received", "Closed"], closed_end)
    frame = pd.DataFrame({
        "group": group, "Supplier": supplier, "SKU": items["sku"].to_numpy()[skus], "Qty Ordered": qty,
        "PO Date": placed, "Expected Date": expected, "Received Qty": received, "Status": status,
    })
    frame = pd.concat([frame.iloc[:roles_end], frame.iloc[roles_end:].sort_values(["PO Date", "group"], kind="stable")])
    frame.insert(0, "PO Number", [f"PO-{4501 + g}" for g in pd.factorize(frame["group"])[0]])
    return frame.drop(columns="group").reset_index(drop=True)
