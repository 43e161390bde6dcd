"""Find tables on sheets: by sheet name, by Excel table name, or by a header row.

Contract section 2.2. Names are compared folded (case, spaces, `_`, `-`, `.`
ignored) against the model's aliases plus those the configuration adds.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import PurePath

from ...config import Config
from ...model import SPLITS, TABLE_BY_NAME, TABLES, ContextAlias, Table, fold
from .sources import RawSheet

HEADER_SEARCH_ROWS = 30
KNOWN_HEADERS = 100_000   # texts whose folded form is remembered (Matcher.folded): memory bounded over many files


@dataclass(frozen=True)
class Matcher:
    """Alias lookups compiled once per read from the model and the configuration."""

    table_by_alias: dict[str, str]
    column_by_alias: dict[str, dict[str, str]]   # table -> folded header -> canonical
    explicit: dict[str, dict[str, str]]          # table -> folded header -> canonical (config [columns])
    # table -> model ContextAlias: headers that name a column only next to certain others.
    in_context: dict[str, tuple[ContextAlias, ...]]
    # Folded file or sheet name -> folded header -> canonical: the [columns] maps keyed by a source, not a table.
    by_source: dict[str, dict[str, str]] = field(default_factory=dict)
    # Header text -> its folded form: the same headers (and the same cells of the top rows, searched for a header
    # row table by table) come back in every file of a folder, and folding is most of matching them. Only text is
    # kept: 1, 1.0 and True are equal keys but fold differently.
    folded: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    # Table -> every folded header that can name one of its columns (known_keys).
    known: dict[str, frozenset[str]] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def build(cls, config: Config) -> "Matcher":
        table_by_alias: dict[str, str] = {}
        column_by_alias: dict[str, dict[str, str]] = {}
        for table in TABLES:
            for alias in (table.name, *table.aliases, *config.aliases.get(table.name, ())):
                table_by_alias.setdefault(fold(alias), table.name)
            lookup: dict[str, str] = {}
            for column in table.columns:
                extra = config.aliases.get(f"{table.name}.{column.name}", ())
                for alias in (column.name, *column.aliases, *extra):
                    lookup.setdefault(fold(alias), column.name)
            column_by_alias[table.name] = lookup
        explicit = {t: {fold(h): c for h, c in m.items()} for t, m in config.columns.items() if t in TABLE_BY_NAME}
        by_source = {fold(key): {fold(h): c for h, c in m.items()} for key, m in config.columns.items()
                     if key not in TABLE_BY_NAME}
        in_context = {t.name: t.context_aliases for t in TABLES if t.context_aliases}
        return cls(table_by_alias, column_by_alias, explicit, in_context, by_source)

    def for_source(self, source: str, sheet: str) -> "Matcher":
        """This matcher for one file or sheet: the [columns] maps keyed by its file name (with or without the
        extension) or its sheet name come first, before its table's map and the aliases. Northwind 2007's
        purchase_orders.csv calls po_id `id`, while purchase_order_details.csv has an `id` of its own."""
        if not self.by_source:
            return self
        names = {fold(source), fold(PurePath(source).stem), fold(sheet)} - {""}
        own: dict[str, str] = {}
        for name in names:
            own.update(self.by_source.get(name, {}))
        if not own:
            return self
        explicit = {}
        for table in TABLES:
            mine = {h: c for h, c in own.items() if c in table.column_names}
            explicit[table.name] = {**self.explicit.get(table.name, {}), **mine}
        return replace(self, explicit=explicit, by_source={})

    def table_for_name(self, name: str) -> str | None:
        return self.table_by_alias.get(fold(name))

    def canonical(self, table: str, header: object) -> str | None:
        key = self.fold(header)
        if not key:
            return None
        return self.explicit.get(table, {}).get(key) or self.column_by_alias[table].get(key)

    def fold(self, header: object) -> str:
        """model.fold, remembered for text."""
        if type(header) is not str:
            return fold(header)
        key = self.folded.get(header)
        if key is None:
            if len(self.folded) >= KNOWN_HEADERS:
                self.folded.clear()
            key = self.folded[header] = fold(header)
        return key

    def columns(self, table: str, headers: list[object]) -> list[str | None]:
        """The canonical column of each header of one header row (None: unknown). A header that names a column
        only beside certain others (model.ContextAlias: `Quantity` is on_hand next to a location) takes it when
        the row's other headers name one of them and no header already names the column."""
        found = self._plain(table, headers)
        for alias in self.in_context.get(table, ()):
            if alias.column in found or not set(alias.beside) & set(found):
                continue
            if any(c in self.mapped_plain(t, headers) for t, c in alias.unless):
                continue
            folded = {fold(a) for a in alias.aliases}
            for position, header in enumerate(headers):
                if found[position] is None and self.fold(header) in folded:
                    found[position] = alias.column
                    break   # the first such header; a second is unknown, as any other repeat would be
        return found

    def mapped_plain(self, table: str, headers: list[object]) -> set[str]:
        """The columns the headers name by their aliases alone, without context."""
        return {c for c in self._plain(table, headers) if c}

    def _plain(self, table: str, headers: list[object]) -> list[str | None]:
        """canonical() of each header: the search for a header row asks it of the top 30 rows, table by table."""
        explicit, aliases = self.explicit.get(table, {}), self.column_by_alias[table]
        return [(explicit.get(key) or aliases.get(key)) if key else None for key in map(self.fold, headers)]

    def mapped(self, table: str, headers: list[object]) -> set[str]:
        return {c for c in self.columns(table, headers) if c}

    def known_keys(self, table: str) -> frozenset[str]:
        """Every folded header that names one of the table's columns, alone or beside others: a row whose folded
        cells hold fewer of these than the table has required columns cannot be its header row."""
        keys = self.known.get(table)
        if keys is None:
            keys = self.known[table] = frozenset(
                {*self.explicit.get(table, {}), *self.column_by_alias[table],
                 *(fold(a) for alias in self.in_context.get(table, ()) for a in alias.aliases)})
        return keys


@dataclass(frozen=True)
class SheetMatch:
    """Where one table sits on a sheet (0-based grid indexes)."""

    table: str
    matched_by: str        # "sheet name", "Excel table <name>", "header"
    header_row: int
    first_col: int = 0
    last_col: int | None = None
    last_row: int | None = None


def locate(sheet: RawSheet, matcher: Matcher, allowed: tuple[Table, ...] = TABLES) -> SheetMatch | None:
    """Decide which table a sheet holds and where its header row is; None if it holds none. `matcher` is the
    one for this sheet (Matcher.for_source)."""
    for table_name, (header_row, first_col, last_col, last_row) in sheet.tables.items():
        table = matcher.table_for_name(table_name)
        if table:
            return SheetMatch(table, f"Excel table '{table_name}'", header_row, first_col, last_col, last_row)
    by_name = matcher.table_for_name(sheet.sheet)
    if by_name:
        spec = next(t for t in allowed if t.name == by_name)
        return SheetMatch(by_name, "sheet name", best_header_row(sheet.grid, spec, matcher))
    best: tuple[tuple[int, int], SheetMatch] | None = None
    keys = folded_rows(sheet.grid, matcher)
    for spec in allowed:
        row = header_row_with(sheet.grid, spec, matcher, keys)
        if row is None:
            continue
        score = (len(spec.required), len(matcher.mapped(spec.name, sheet.grid[row])))
        if score[1] >= 2 and (best is None or score > best[0]):
            best = (score, SheetMatch(spec.name, "header", row))
    if best:
        return best[1]
    return split_part(sheet.grid, matcher) if allowed is TABLES else None


def split_part(grid: list[list[object]], matcher: Matcher) -> SheetMatch | None:
    """A header or line export of a table (contract 2.3, model.SPLITS), recognised by its columns alone: a row
    holding the key and every line column is a line table; the key and at least two header columns but no
    line column, a header table. Tried only when no table's required columns were found."""
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        for split in SPLITS.values():
            if not split.by_columns:
                continue
            mapped = matcher.mapped(split.table, row)
            if split.key not in mapped:
                continue
            if set(split.line) <= mapped:
                return SheetMatch(split.table, "header (line columns)", index)
            if not mapped & set(split.line) and len(mapped & set(split.header)) >= 2:
                return SheetMatch(split.table, "header (header columns)", index)
    return None


def folded_rows(grid: list[list[object]], matcher: Matcher) -> list[set[str]]:
    """The folded cells of each of the top rows, made once for the search table by table."""
    return [set(map(matcher.fold, row)) for row in grid[:HEADER_SEARCH_ROWS]]


def header_row_with(grid: list[list[object]], spec: Table, matcher: Matcher,
                    keys: list[set[str]] | None = None) -> int | None:
    """The first of the top rows holding all of the table's required columns (and one of its distinctive
    columns, when it has them). `keys`: folded_rows of the grid, when the caller made them already."""
    required, distinctive = set(spec.required), set(spec.distinctive)
    known = matcher.known_keys(spec.name)
    keys = folded_rows(grid, matcher) if keys is None else keys
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if len(known.intersection(keys[index])) < len(required):
            continue   # not enough headers of this table's to name every required column
        mapped = matcher.mapped(spec.name, row)
        if required <= mapped and (not distinctive or mapped & distinctive):
            return index
    return None


def best_header_row(grid: list[list[object]], spec: Table, matcher: Matcher) -> int:
    """Header row of a sheet already matched by name: the required columns' row, else the row
    naming the most known columns (missing ones are then reported), else the first non-blank row."""
    found = header_row_with(grid, spec, matcher)
    if found is not None:
        return found
    counts = [len(matcher.mapped(spec.name, row)) for row in grid[:HEADER_SEARCH_ROWS]]
    if counts and max(counts) > 0:
        return counts.index(max(counts))
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        if any(str(v).strip() for v in row if v is not None):
            return index
    return 0
