"""The presentation layer (contract 5.5): labels, kinds and number formats of every column omxl writes, row
fills, and the notebook Styler. Data in columns.py; used by every writer."""

from .columns import COLUMNS, KINDS, SHEET_LABELS, kind_of, label_of
from .sheets import FILLS, fill_rows, labels_for, number_format, result_sheet

__all__ = ["COLUMNS", "FILLS", "KINDS", "SHEET_LABELS", "fill_rows", "kind_of", "label_of", "labels_for",
           "number_format", "result_sheet"]
