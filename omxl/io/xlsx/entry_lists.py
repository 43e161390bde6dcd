"""Entry lists: Excel data validation on the user's entry sheets, from the book's own master sheets (contract 5.4,
docs/excel.md "Entry lists").

An order's SKU gets a drop-down of the Inventory sheet's SKUs, its customer one of the Customers sheet's codes, a
supplier (on inventory and purchase orders) one of the Suppliers, a carrier one of the Carriers; dates must be
dates and quantities more than 0. Every rule has an input message and an error alert in words. What goes where
is data: MASTER_LISTS (which master column each list name reads) and ENTRY_RULES (which entry column gets which
check); the sheets, header rows and column letters come from the book as read (Book.layout, Book.column_map).

The lists are workbook defined names (`omxl_skus`, ...) that grow with their tables: Excel 2007 and LibreOffice
take a validation list from another sheet only through a name, and a name keeps the `<dataValidation>` in the
sheet's main element, not in an Excel 2010 extension. Like write_back this edits the package as text: each
entry sheet gets a `<dataValidations>` element (or more entries in the one it has) and workbook.xml the names;
every other byte stays. A cell the user already validates keeps the user's rule: ours skip it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import quoteattr

import pandas as pd

from ...model import DATE, TABLES
from ..address import column_index
from ..safety import xml_escape
from . import package

if TYPE_CHECKING:
    from ...book import Book

WORKSHEET_TYPE = package.REL_NS + "/worksheet"
# How far down the validation reaches: row 10,000, or ROOM rows past a table's last row when that is further.
LAST_ROW, ROOM = 10_000, 5_000
MAX_ROW = 1_048_576
# Excel's limits on the texts of a validation (longer ones make Excel repair the file).
TITLE_LIMIT, PROMPT_LIMIT, ERROR_LIMIT = 32, 255, 225
EXAMPLE_DATE = "2026-11-27"
# Any day Excel can hold: serial 1 is 1900-01-01, 2958465 is 9999-12-31.
FIRST_DAY, LAST_DAY = 1, 2_958_465


@dataclass(frozen=True)
class MasterList:
    """A defined name listing one master column: `name` lists `table`.`column`; `one` says an entry in words,
    `many` the entries."""

    name: str
    table: str
    column: str
    one: str
    many: str


@dataclass(frozen=True)
class EntryRule:
    """What an entry column takes: kind "list" (an entry of the list `list_name`), "date" or "positive"."""

    table: str
    column: str
    kind: str
    list_name: str = ""


MASTER_LISTS: tuple[MasterList, ...] = (
    MasterList("omxl_skus", "inventory", "sku", "an item code (SKU)", "item codes (SKUs)"),
    MasterList("omxl_customers", "customers", "customer_id", "a customer code", "customer codes"),
    MasterList("omxl_suppliers", "suppliers", "supplier_id", "a supplier code", "supplier codes"),
    MasterList("omxl_carriers", "carriers", "carrier_id", "a carrier code", "carrier codes"),
)

# The sheets people type into: lines of orders, shipments, purchase orders and returns, and the supplier of an item.
ENTRY_TABLES = ("orders", "inventory", "shipments", "purchase_orders", "returns")

ENTRY_RULES: tuple[EntryRule, ...] = (
    EntryRule("orders", "sku", "list", "omxl_skus"),
    EntryRule("orders", "customer_id", "list", "omxl_customers"),
    EntryRule("orders", "carrier", "list", "omxl_carriers"),
    EntryRule("orders", "qty", "positive"),
    EntryRule("inventory", "supplier_id", "list", "omxl_suppliers"),
    EntryRule("shipments", "carrier", "list", "omxl_carriers"),
    EntryRule("shipments", "qty", "positive"),
    EntryRule("purchase_orders", "supplier_id", "list", "omxl_suppliers"),
    EntryRule("purchase_orders", "sku", "list", "omxl_skus"),
    EntryRule("purchase_orders", "qty", "positive"),
    EntryRule("returns", "qty", "positive"),
    # Every date column of an entry table, as the model defines them.
    *(EntryRule(table.name, column.name, "date") for table in TABLES if table.name in ENTRY_TABLES
      for column in table.columns if column.kind == DATE),
)

# CT_Worksheet: the elements that follow <dataValidations> (and mc:AlternateContent, which wraps controls and
# OLE objects, both further down); the new element goes before the first of them.
_FOLLOWERS = ("hyperlinks", "printOptions", "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
              "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing", "legacyDrawing",
              "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls", "webPublishItems", "tableParts",
              "extLst")


def entry_list_plan(book: "Book") -> tuple[pd.DataFrame, pd.DataFrame]:
    """What entry lists `book` gets, as two frames.

    names: one row per master list found in the book: list_name, sheet, letter, first_row (the first data row),
           one, many (its entries in words), refers_to (the defined name's formula)
    rules: one row per entry column found whose list (if it needs one) exists: sheet, letter, first_row,
           last_row, kind, list_name, header (as written), and the texts prompt_title, prompt, error_title, error
    """
    columns = _placed_columns(book)
    found = columns.drop_duplicates(["table", "column"])  # a table on two sheets: its first sheet lists it
    masters = pd.DataFrame([vars(m) for m in MASTER_LISTS]).rename(columns={"name": "list_name"})
    names = masters.merge(found, on=["table", "column"], how="inner")
    names["refers_to"] = [_growing_range(sheet, letter, row) for sheet, letter, row in
                          zip(names["sheet"], names["letter"], names["first_row"])]

    rules = pd.DataFrame([vars(r) for r in ENTRY_RULES]).merge(columns, on=["table", "column"], how="inner")
    listed = rules["list_name"].isin(names["list_name"]) | (rules["kind"] != "list")
    rules = rules[listed].merge(names[["list_name", "sheet", "letter", "one", "many"]].rename(
        columns={"sheet": "list_sheet", "letter": "list_letter"}), on="list_name", how="left")
    rules["last_row"] = (rules["last_data_row"] + ROOM).clip(lower=LAST_ROW, upper=MAX_ROW)
    texts = [_texts(r) for r in rules.itertuples(index=False)]
    for position, field in enumerate(("prompt_title", "prompt", "error_title", "error")):
        rules[field] = [t[position] for t in texts]
    # Sheet by sheet in the book's order, left to right: the order the elements are written in.
    sheet_order = {sheet: n for n, sheet in enumerate(pd.unique(columns["sheet"]))}
    rules = rules.assign(sheet_number=rules["sheet"].map(sheet_order), column_number=rules["letter"].map(
        column_index)).sort_values(["sheet_number", "column_number"], kind="stable")
    rules = rules[rules["first_row"] <= rules["last_row"]]
    return (names[["list_name", "sheet", "letter", "first_row", "one", "many", "refers_to"]].reset_index(drop=True),
            rules[["table", "column", "sheet", "letter", "first_row", "last_row", "kind", "list_name", "header",
                   "prompt_title", "prompt", "error_title", "error"]].reset_index(drop=True))


def add_entry_lists(edit: package.PackageEdit, book: "Book") -> bool:
    """Put entry lists on the entry sheets of the package being edited (the workbook `book` was read from) and
    the defined names they read into its workbook.xml; False when there was nothing to add (a book without
    entry columns, or one whose lists are all in place already). A cell some data validation already covers
    keeps it. writeback.with_entry_lists does this on package bytes."""
    names, rules = entry_list_plan(book)
    if rules.empty:
        return False
    workbook_path = package.main_part(edit.source)
    workbook = edit.read(workbook_path).decode("utf-8")
    rels = edit.read(package.rels_path(workbook_path)).decode("utf-8")
    parts = {entry.name: package.target_of_id(rels, entry.rel_id, workbook_path)
             for entry in package.sheets(workbook) if _rel_type(rels, entry.rel_id) == WORKSHEET_TYPE}
    added_any = False
    for sheet, sheet_rules in rules.groupby("sheet", sort=False):
        part = parts.get(sheet)
        if part is None or not edit.exists(part):
            continue
        xml = _with_validations(edit.read(part).decode("utf-8"), sheet_rules)
        if xml is not None:
            edit.put(part, xml.encode("utf-8"))
            added_any = True
    if not added_any and _names_in_place(workbook, names):
        return False
    if not names.empty:
        edit.put(workbook_path, _with_names(workbook, names).encode("utf-8"))
    return True


# --- the plan ---------------------------------------------------------------------------------------

def _placed_columns(book: "Book") -> pd.DataFrame:
    """Every recognised column of a worksheet with its table, sheet, letter, first data row and the last row
    its table was read to."""
    column_map = book.column_map
    layout = book.layout
    placed = column_map[(column_map["column"].fillna("") != "") & (column_map["sheet"].fillna("") != "")
                        & column_map["header_row"].notna()]
    rows = layout[layout["table"].fillna("") != ""][["source", "sheet", "table", "rows"]]
    placed = placed.merge(rows, on=["source", "sheet", "table"], how="left")
    header_row = placed["header_row"].astype("int64")
    return pd.DataFrame({
        "table": placed["table"].astype(str), "column": placed["column"].astype(str),
        "sheet": placed["sheet"].astype(str), "letter": placed["letter"].astype(str),
        "header": placed["header"].astype(str), "first_row": header_row + 1,
        "last_data_row": header_row + placed["rows"].fillna(0).astype("int64"),
    })


def _quoted(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _growing_range(sheet: str, letter: str, first_row: int) -> str:
    """The formula of a name that lists the column `letter` of `sheet` from `first_row` down, as many cells as it
    has filled ones: OFFSET over COUNTA, which Excel and LibreOffice both evaluate in a validation list, and which
    grows when a row is added at the bottom (never fewer than one cell: an empty list is one blank cell)."""
    start = f"{_quoted(sheet)}!${letter}${first_row}"
    column = f"{_quoted(sheet)}!${letter}${first_row}:${letter}${MAX_ROW}"
    return f"OFFSET({start},0,0,MAX(1,COUNTA({column})),1)"


def _texts(rule) -> tuple[str, str, str, str]:
    """(input title, input message, error title, error message) of one rule, in words."""
    header = rule.header
    if rule.kind == "list":
        where = f"the {rule.list_sheet} sheet, column {rule.list_letter}"
        texts = (header, f"Choose {rule.one} from the list: the {rule.many} in {where} (the name "
                 f"{rule.list_name}). A new one goes on {rule.list_sheet} first.",
                 "Not on the list",
                 f"'{header}' takes {rule.one} listed in {where}. Choose one from the list, or add it to "
                 f"{rule.list_sheet} first.")
    elif rule.kind == "date":
        texts = (header, f"Enter a date, such as {EXAMPLE_DATE}.", "Not a date",
                 f"'{header}' takes a date, such as {EXAMPLE_DATE}. Text (such as 'next week' or 'TBC') cannot be "
                 "planned with.")
    else:
        texts = (header, "Enter a quantity greater than 0.", "Not a quantity",
                 f"'{header}' takes a number greater than 0, such as 12.")
    title, prompt, error_title, error = texts
    return title[:TITLE_LIMIT], prompt[:PROMPT_LIMIT], error_title[:TITLE_LIMIT], error[:ERROR_LIMIT]


# --- the sheet --------------------------------------------------------------------------------------

def _rel_type(rels: str, rel_id: str) -> str:
    return next((rel.get("Type", "") for rel in package.relationships(rels) if rel.get("Id") == rel_id), "")


def _with_validations(xml: str, rules: pd.DataFrame) -> str | None:
    """The worksheet `xml` with a <dataValidation> per rule on the rows no validation covers yet; None when every
    cell of every rule is covered already. Only the part after <sheetData> is searched and rebuilt."""
    root = re.search(r"<(\w+:)?worksheet\b[^>]*>", xml)
    end = xml.rfind("sheetData>")
    if root is None or end < 0:
        return None
    prefix = root.group(1) or ""
    end += len("sheetData>")
    head, tail = xml[:end], xml[end:]
    covered = _covered(tail)
    entries = []
    for rule in rules.itertuples(index=False):
        spans = _uncovered(rule.first_row, rule.last_row, covered.get(column_index(rule.letter), []))
        if spans:
            sqref = " ".join(f"{rule.letter}{low}:{rule.letter}{high}" if high > low else f"{rule.letter}{low}"
                             for low, high in spans)
            entries.append(_validation(rule, sqref, prefix))
    if not entries:
        return None
    own = re.search(rf"<{re.escape(prefix)}dataValidations\b([^>]*?)(/?)>", tail)
    if own is not None:  # the sheet's own element: ours join the user's, and the count follows
        attributes = re.sub(r'\s*\bcount="\d*"', "", own.group(1))
        if own.group(2):  # <dataValidations/>: nothing in it yet
            kept, after = "", own.end()
        else:
            closing = tail.index(f"</{prefix}dataValidations>", own.end())
            kept, after = tail[own.end():closing], closing + len(f"</{prefix}dataValidations>")
        count = len(re.findall(rf"<{re.escape(prefix)}dataValidation\b", kept)) + len(entries)
        return (head + tail[:own.start()] + f'<{prefix}dataValidations count="{count}"{attributes}>' + kept
                + "".join(entries) + f"</{prefix}dataValidations>" + tail[after:])
    element = f'<{prefix}dataValidations count="{len(entries)}">' + "".join(entries) + f"</{prefix}dataValidations>"
    follower = re.search(rf"<(?:{re.escape(prefix)}(?:{'|'.join(_FOLLOWERS)})|mc:AlternateContent)\b|"
                         rf"</{re.escape(prefix)}worksheet>", tail)
    if follower is None:
        return None
    return head + tail[:follower.start()] + element + tail[follower.start():]


def _validation(rule, sqref: str, prefix: str) -> str:
    """One <dataValidation>: the check, blank allowed (a blank required cell is validate's to report), the
    input message and a stop alert."""
    if rule.kind == "list":
        check, formulas = 'type="list"', f"<{prefix}formula1>{rule.list_name}</{prefix}formula1>"
    elif rule.kind == "date":
        check = 'type="date" operator="between"'
        formulas = (f"<{prefix}formula1>{FIRST_DAY}</{prefix}formula1>"
                    f"<{prefix}formula2>{LAST_DAY}</{prefix}formula2>")
    else:
        check, formulas = 'type="decimal" operator="greaterThan"', f"<{prefix}formula1>0</{prefix}formula1>"
    return (f'<{prefix}dataValidation {check} allowBlank="1" showInputMessage="1" showErrorMessage="1" '
            f"errorTitle={quoteattr(rule.error_title)} error={quoteattr(rule.error)} "
            f"promptTitle={quoteattr(rule.prompt_title)} prompt={quoteattr(rule.prompt)} "
            f'sqref="{sqref}">{formulas}</{prefix}dataValidation>')


def _covered(tail: str) -> dict[int, list[tuple[int, int]]]:
    """{column index from 0: [(first row, last row), ...]} of the cells some data validation of the sheet covers:
    the main <dataValidations> and Excel 2010's in the extension list (<x14:dataValidations>, <xm:sqref>)."""
    covered: dict[int, list[tuple[int, int]]] = {}
    for block in re.finditer(r"<((?:\w+:)?)dataValidations\b[^>]*?(?:/>|>.*?</\1dataValidations>)", tail, re.S):
        text = block.group(0)
        refs = re.findall(r'\bsqref="([^"]*)"', text) + re.findall(r"<(?:\w+:)?sqref>([^<]*)</(?:\w+:)?sqref>", text)
        for ref in " ".join(refs).split():
            area = _area(ref)
            if area is not None:
                first_column, last_column, first_row, last_row = area
                for column in range(first_column, min(last_column, first_column + 16_384) + 1):
                    covered.setdefault(column, []).append((first_row, last_row))
    return covered


def _area(ref: str) -> tuple[int, int, int, int] | None:
    """(first column, last column, first row, last row) of a reference: 'B2', 'B2:D9', whole columns 'B:B',
    whole rows '3:5'."""
    ends = ref.replace("$", "").upper().split(":")
    parsed = [re.fullmatch(r"([A-Z]{0,3})(\d*)", end) for end in ends]
    if len(ends) > 2 or any(p is None or not (p.group(1) or p.group(2)) for p in parsed):
        return None
    first, last = parsed[0], parsed[-1]
    columns = (column_index(first.group(1)), column_index(last.group(1))) if first.group(1) else (0, 16_383)
    rows = (int(first.group(2)), int(last.group(2))) if first.group(2) else (1, MAX_ROW)
    return min(columns), max(columns), min(rows), max(rows)


def _uncovered(low: int, high: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The row spans of low..high outside every span of `covered`."""
    spans = [(low, high)]
    for first, last in covered:
        spans = [piece for start, end in spans
                 for piece in ((start, min(end, first - 1)), (max(start, last + 1), end)) if piece[0] <= piece[1]]
    return spans


# --- workbook.xml -----------------------------------------------------------------------------------

def _name_element(row) -> str:
    comment = f"omxl: the {row.many} on {row.sheet}, column {row.letter}, for the entry lists"
    return (f'<definedName name="{row.list_name}" comment={quoteattr(comment)}>{xml_escape(row.refers_to)}'
            "</definedName>")


def _names_in_place(workbook: str, names: pd.DataFrame) -> bool:
    return all(_name_element(row) in workbook for row in names.itertuples(index=False))


def _with_names(workbook: str, names: pd.DataFrame) -> str:
    """workbook.xml with omxl's list names, workbook-wide, each replacing one of that name set up before."""
    ours = set(names["list_name"])
    for text, attributes in package.defined_names(workbook):
        if attributes.get("name") in ours and "localSheetId" not in attributes:
            workbook = workbook.replace(text, "", 1)
    return package.add_defined_names(workbook, "".join(_name_element(row) for row in names.itertuples(index=False)))


__all__ = ["ENTRY_RULES", "MASTER_LISTS", "add_entry_lists", "entry_list_plan"]
