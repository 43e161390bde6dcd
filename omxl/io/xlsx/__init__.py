"""Editing .xlsx packages as text, part by part, so that everything omxl does not touch stays byte-identical:
result sheets as XML (sheetxml), merged styles, write-back into a user's workbook, and the marked copy
(cell fills, comments)."""
