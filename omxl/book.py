"""Book: the tables read from a user's sources, with where each came from."""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from .config import Config
from .deprecation import warn_renamed
from .model import TABLE_NAMES
from .presentation.sheets import fill_rows, result_sheet


@dataclass(frozen=True)
class Book:
    """Canonical tables plus reading provenance.

    tables      table name -> DataFrame with the model's columns, unknown columns, then source/sheet/row
    findings    what reading found or fixed (codes of docs/finding-codes.md); validate() adds the rest
    layout      one row per sheet seen: which table it held, how it was matched, header row, rows
    column_map  one row per source header: the canonical column it maps to ('' = unknown) and its letter
    """

    tables: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    layout: pd.DataFrame
    column_map: pd.DataFrame
    config: Config
    sources: tuple[str, ...]

    @property
    def orders(self) -> pd.DataFrame:
        return self.tables["orders"]

    @property
    def inventory(self) -> pd.DataFrame:
        return self.tables["inventory"]

    @property
    def suppliers(self) -> pd.DataFrame:
        return self.tables["suppliers"]

    @property
    def customers(self) -> pd.DataFrame:
        return self.tables["customers"]

    @property
    def shipments(self) -> pd.DataFrame:
        return self.tables["shipments"]

    @property
    def purchase_orders(self) -> pd.DataFrame:
        return self.tables["purchase_orders"]

    @property
    def returns(self) -> pd.DataFrame:
        return self.tables["returns"]

    @property
    def carriers(self) -> pd.DataFrame:
        return self.tables["carriers"]

    @property
    def invoices(self) -> pd.DataFrame:
        return self.tables["invoices"]

    @property
    def payments(self) -> pd.DataFrame:
        return self.tables["payments"]

    def where(self, table: str) -> str:
        """'sample.xlsx!Orders (header row 4)' for each sheet the table was read from."""
        rows = self.layout[self.layout["table"] == table]
        if rows.empty:
            return "derived from orders" if table == "shipments" and len(self.shipments) else "not found"
        places = [f"{r.source}" + (f"!{r.sheet}" if r.sheet and r.kind != "csv" else "") +
                  f" (header row {r.header_row})" for r in rows.itertuples()]
        if len(places) > 3:
            return f"{places[0]}; ... {len(places) - 2} more ...; {places[-1]} ({len(places)} sheets)"
        return "; ".join(places)

    def summary(self) -> pd.DataFrame:
        """Deprecated name of tables_read() (it said nothing about what it sums up); goes in the next release."""
        warn_renamed("Book.summary()", "Book.tables_read()")
        return self.tables_read()

    def tables_read(self) -> pd.DataFrame:
        """One row per table: rows, where it was read from, columns mapped and unknown."""
        records = []
        for name in TABLE_NAMES:
            mapped = self.column_map[self.column_map["table"] == name]
            records.append({
                "table": name,
                "rows": len(self.tables[name]),
                "read_from": self.where(name),
                "columns": ", ".join(dict.fromkeys(mapped.loc[mapped["column"] != "", "column"])),
                "unknown_columns": ", ".join(dict.fromkeys(mapped.loc[mapped["column"] == "", "header"])),
            })
        return pd.DataFrame(records)

    def result_sheets(self) -> dict[str, object]:
        """What `omxl read --write-back` writes into the workbook: tables, sheets, column mapping, findings."""
        labels = self.config.labels
        findings = self.findings
        frames = {"Tables": self.tables_read(), "Sheets": self.layout, "Columns": self.column_map}
        sheets = {name: result_sheet(frame, name, labels=labels) for name, frame in frames.items()}
        sheets["Reading findings"] = result_sheet(
            findings, "Reading findings", labels=labels,
            row_fill=fill_rows(findings, error=findings["severity"].eq("error"),
                               warning=findings["severity"].eq("warning")))
        return sheets

    def _counts(self) -> str:
        counts = self.findings.groupby("severity")["count"].size() if len(self.findings) else {}
        parts = [f"{counts.get(s, 0)} {s}{'s' if counts.get(s, 0) != 1 and s != 'info' else ''}"
                 for s in ("error", "warning", "info")]
        return ", ".join(parts)

    def __repr__(self) -> str:
        lines = [f"<omxl.Book from {', '.join(self.sources)}>"]
        for row in self.tables_read().itertuples():
            lines.append(f"  {row.table:<16}{row.rows:>9,} rows  {row.read_from}")
        lines.append(f"  reading findings: {self._counts()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in (r.table, f"{r.rows:,}", r.read_from,
                                                                          r.columns, r.unknown_columns)) + "</tr>"
            for r in self.tables_read().itertuples())
        head = "".join(f"<th>{h}</th>" for h in ("table", "rows", "read from", "columns mapped", "not recognised"))
        return (f"<div><strong>omxl.Book</strong> from {html.escape(', '.join(self.sources))}"
                f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<p>Reading findings: {html.escape(self._counts())}</p></div>")
