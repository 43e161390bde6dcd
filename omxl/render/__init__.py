"""Report templates users restyle in Excel: a sandboxed Jinja2 engine for .xlsx (contract 5.1, docs/templates.md).

    environment.py  the sandbox and the filters (date, percent, money, qty, table)
    refs.py         A1 references in formula text moved for inserted rows and renamed sheets
    stylebook.py    the template's cell formats and the variants rendering adds
    cells.py        one rendered value as a typed cell
    table.py        a table marker's DataFrame as rows, column by column
    sheet.py        one worksheet part: scan (render, find markers), build (renumber, move references)
    parts.py        workbook.xml, charts, Excel tables, drawings, comments, pivot caches, app.xml
    render.py       render_template: the package in, the rendered package out through atomic_save
"""

from .errors import TemplateError
from .render import render_template

__all__ = ["TemplateError", "render_template"]
