"""Reading: sources (files, file objects, DataFrames) into a Book.

sniff (file kind from its bytes) -> sources (raw grids, error cells) -> locate (which table, header row,
which column) -> normalize (canonical dtypes, with findings) -> tables (read_book: merge into a Book)."""

from .tables import read_book

__all__ = ["read_book"]
