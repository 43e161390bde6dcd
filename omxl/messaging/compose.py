"""From the news tables to drafts: one per recipient and kind, its subject and both bodies rendered, its
attachments made, and whether the recipient can be reached (an address the `validate` rule accepts)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from ..io.save.po_drafts import draft_name, po_draft_bytes, split_currencies
from . import rendering
from .envelope import email_address, header_text
from .told import digest

KINDS = ("customer-delay", "customer-shipped", "customer-payment-reminder", "supplier-po")
# Who each kind goes to: the table the address comes from, and the words for a recipient missing from it.
AUDIENCE = {"customer-delay": "customers", "customer-shipped": "customers", "customer-payment-reminder": "customers",
            "supplier-po": "suppliers"}
ID_COLUMN = {"customers": "customer_id", "suppliers": "supplier_id"}


@dataclasses.dataclass(frozen=True)
class Draft:
    """One message before it has a sender: what it says and to whom."""

    kind: str
    recipient: str
    name: str | None
    to: str | None          # the usable address, or None (see `problem` in Messages.messages)
    subject: str
    text: str
    html: str
    attachments: tuple[tuple[str, bytes], ...]
    items: pd.DataFrame     # item, state: what the message tells (the no-repeat record)
    local_id: str           # the left part of its Message-ID

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.recipient}"


def recipients(position, table: str) -> pd.DataFrame:
    """recipient, name, email (as written), to (usable address or blank), problem (why there is none)."""
    frame = position.book.tables[table]
    rows = frame.drop_duplicates(ID_COLUMN[table])
    out = pd.DataFrame({"recipient": rows[ID_COLUMN[table]].astype("string[python]").to_numpy(),
                        "name": rows["name"].astype("string[python]").to_numpy(),
                        "email": rows["email"].astype("string[python]").to_numpy()})
    usable = [email_address(value) for value in out["email"].astype(object)]
    out["to"] = pd.array(usable, dtype="string[python]")
    written = out["email"].notna() & out["email"].str.strip().ne("")
    # The problem is worded with the address as written (control characters shown as spaces), so the summary
    # and the messages table can be shown anywhere.
    shown = pd.Series([header_text(v) for v in out["email"].astype(object)], index=out.index)
    out["problem"] = pd.array(np.where(out["to"].notna(), None, np.where(
        written, "'" + shown + "' is not a valid e-mail address", "no e-mail address")), dtype="string[python]")
    return out.set_index("recipient")


def drafts_for(kind: str, news: pd.DataFrame, people: pd.DataFrame, context_of, position, folder: str | None,
               attachments_of=None) -> list[Draft]:
    """One draft per recipient in `news` (sorted by recipient id)."""
    drafts = []
    # Template values are made once for the whole table (per recipient they would cost a frame conversion each).
    records = template_values(news)
    groups = news.groupby("recipient").indices
    for recipient in sorted(groups):
        index = groups[recipient]
        lines = news.iloc[index]
        rows = [records[i] for i in index]
        recipient = str(recipient)
        known = recipient in people.index
        person = people.loc[recipient] if known else None
        name = None if person is None or pd.isna(person["name"]) else str(person["name"])
        to = None if person is None or pd.isna(person["to"]) else str(person["to"])
        lines = lines.reset_index(drop=True)
        attachments = attachments_of(recipient, lines) if attachments_of is not None else ()
        context = {"kind": kind, "as_of": position.as_of.to_pydatetime(),
                   "recipient": {"id": recipient, "name": header_text(name) or recipient, "email": to},
                   **context_of(lines, rows)}
        subject, text, html = (rendering.render(kind, part, context, folder) for part in rendering.PARTS)
        items = lines[["item", "state"]]
        drafts.append(Draft(kind=kind, recipient=recipient, name=name, to=to, subject=header_text(subject),
                            text=text, html=html, attachments=attachments, items=items,
                            local_id=f"omxl.{position.as_of:%Y%m%d}.{digest(kind, recipient, position.as_of, items)}"))
    return drafts


def delay_context(lines: pd.DataFrame, rows: list[dict]) -> dict:
    return {"lines": rows, "orders": list(dict.fromkeys(lines["order_id"].astype(str))),
            "late": int((lines["delay"] == "late").sum())}


def shipped_context(lines: pd.DataFrame, rows: list[dict]) -> dict:
    return {"lines": rows, "orders": list(dict.fromkeys(lines["order_id"].astype(str)))}


def payment_context(lines: pd.DataFrame, rows: list[dict]) -> dict:
    """The invoices of a payment reminder and what is open in total per currency: amounts in two currencies are
    never added up. A blank currency is a total of its own (currency None)."""
    currency = lines["currency"].astype(object).where(lines["currency"].notna(), None)
    grouped = lines.assign(currency=currency).groupby("currency", sort=False, dropna=False)
    totals = grouped.agg(open_balance=("open_balance", "sum"), invoices=("invoice_id", "nunique")).reset_index()
    return {"lines": rows, "invoices": list(dict.fromkeys(lines["invoice_id"].astype(str))),
            "orders": list(dict.fromkeys(lines["order_id"].dropna().astype(str))),
            "totals": template_values(totals)}


def po_parts(plan) -> tuple:
    """(context_of, attachments_of) for supplier messages: one PO draft workbook per currency, named as
    `omxl reorder --po-dir` names the files."""
    drafts = plan.purchase_orders
    several = split_currencies(drafts)
    labels = plan.position.config.labels if plan.position is not None else None
    by_supplier: dict[str, list[tuple[dict, str]]] = {}
    for row, split in zip(drafts.to_dict(orient="records"), several):
        by_supplier.setdefault(str(row["supplier_id"]), []).append((row, draft_name(row, bool(split)) + ".xlsx"))

    def attachments_of(recipient: str, _lines: pd.DataFrame) -> tuple[tuple[str, bytes], ...]:
        return tuple((file, po_draft_bytes(row, plan.po_lines(row["supplier_id"], row["currency"], row.get("unit")),
                                           plan.as_of,
                                           labels=labels))
                     for row, file in by_supplier.get(recipient, ()))

    def context_of(lines: pd.DataFrame, rows: list[dict]) -> dict:
        recipient = str(lines["recipient"].iloc[0])
        orders = []
        for row, file in by_supplier.get(recipient, ()):
            same = lines["currency"].isna() if pd.isna(row["currency"]) else lines["currency"] == row["currency"]
            mine = same.fillna(False).to_numpy(dtype=bool)
            if isinstance(row.get("unit"), str) and "unit" in lines:   # one draft per unit and supplier
                mine = mine & lines["unit"].eq(row["unit"]).fillna(False).to_numpy(dtype=bool)
            orders.append({**template_values(pd.DataFrame([row]))[0], "attachment": file,
                           "lines": [line for line, keep in zip(rows, mine) if keep]})
        return {"drafts": orders, "lines": rows}

    return context_of, attachments_of


def template_values(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain Python values for a template: blanks as None (so `{% if line.carrier %}` reads naturally),
    timestamps as datetimes, numpy numbers as Python numbers."""
    records = frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
    for record in records:
        for name, value in record.items():
            if isinstance(value, pd.Timestamp):
                record[name] = value.to_pydatetime()
            elif isinstance(value, np.generic):
                record[name] = value.item()
    return records
