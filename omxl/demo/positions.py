"""Where the deliberate situations sit: fixed rows that do not move with the seed, and keys that match nothing.

The data generator steers these rows (which SKU a line orders, when it ships) so that each situation is the
only thing wrong with its row; defects.py then types the mistakes in and records their cells.
"""

from __future__ import annotations

# Orders head rows (0-based data positions) are the oldest lines; every head line ships one working
# day after ordering, so their shipments are the first rows of Shipments for every seed.
HEAD_LINES = 48
HEAD_ROWS = dict(closed_unshipped=3, open_shipped=7, over_ship=11, sku_mismatch=15, cancelled_shipped=19,
                 no_tracking=23, delivered_early=27, return_excess=31, exchange=35, return_unshipped=39)
# Orders tail rows, counted back from the last line: recent open lines with nothing shipped.
TAIL_ROWS = dict(blank_customer=4, blank_sku=8, twelve=10, ambiguous=14, na=16, neg_qty=20, neg_price=22,
                 promised_early=26, duplicate=28, bad_sku=32, bad_customer=36, future=38, outlier=40, nbsp_sku=42,
                 spaced_customer=44, text_qty=46)
# Inventory positions (SKUs sorted, so the three numeric-looking SKUs come first).
STOCK_ROWS = dict(negative=3, stockout1=5, stockout2=7, stockout3=9, scarce=11, bulk=13, fast=15, na=17, min_max=19,
                  bad_supplier=21)
FIRST_WEST_ROW = 24  # no second (WEST) stock row above this one, so the role rows stay where they are
# Tail lines that give the stock roles their open demand: tail offset -> SKU role.
STOCK_DEMAND_TAIL_ROWS = {2: "stockout1", 6: "stockout2", 12: "stockout3", 18: "negative", 24: "scarce",
                          34: "scarce"}
CUSTOMER_BAD_EMAIL_ROW = 4
CUSTOMER_FORMULA_NAMES = {6: "=Cmd Retail Ltd", 9: "@Home Furnishings"}  # row -> name that looks like a formula
SUPPLIER_BAD_EMAIL_ROW, SUPPLIER_DUPLICATED_ROW = 2, 4  # the duplicate is inserted right below
# Purchase Orders: closed lines first (one over-received), then two overdue and one unknown supplier.
PO_CLOSED_COUNT, PO_OVER_RECEIPT_ROW = 6, 2
PO_OVERDUE_ROWS, PO_BAD_SUPPLIER_ROW = (PO_CLOSED_COUNT, PO_CLOSED_COUNT + 1), PO_CLOSED_COUNT + 2
PHANTOM_SHIPMENT_ROW = 20  # the shipment for an order that does not exist

# Keys outside the generated ranges (SKU-10000..89999, or SKU-100000..999999 in a book of more SKUs; C-1001..8999,
# SO-260001 up, SUP-001..040).
UNKNOWN_SKU, UNKNOWN_CUSTOMER, PHANTOM_ORDER = "SKU-99017", "C-9404", "SO-259990"
UNKNOWN_SUPPLIER, UNKNOWN_PO_SUPPLIER = "SUP-099", "SUP-098"
