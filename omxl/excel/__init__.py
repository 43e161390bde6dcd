"""The Excel front door's plumbing (docs/macros.md).

`interface` is what the macros (omxl/excel/macros.py) may ask of an open workbook; `xlwings_adapter` answers it in
Excel through xlwings (the only module of omxl that imports xlwings); `filebook` answers it on a workbook
file through openpyxl, converting values the way xlwings does, so every macro runs in tests. `grids` turns the
open workbook's sheets into a Book, `layout` turns result sheets into what is written, `functions` holds the
worksheet functions (OMXL_EOQ, ...)."""
