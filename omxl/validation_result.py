"""The validate step: `omxl.validate` (the issues frame, contract 3) and `validation`, the registry's validate
step, whose `Validation` holds that frame with what the Summary and the buttons need beside it, so that
validate answers the results protocol like every step. Both take a Book or a Position; the checks themselves
are omxl/validation.py.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, ClassVar

import pandas as pd

from .book import Book
from .position import Position, as_timestamp, judged, settings_for
from .presentation.notebook import result_html
from .presentation.summary_sheet import SUMMARY, summary_sheet, validate_figures
from .validation import issues_sheet


if TYPE_CHECKING:
    from .config import Config


@dataclasses.dataclass(frozen=True, repr=False)
class Validation:
    """What validate found.

    issues    one row per finding (docs/finding-codes.md): what `omxl.validate` returns
    book      the book as read (with the rows that have errors); a Position's clean book when made from one
    left_out  rows each table leaves out of every other step: rows_left_out because of errors, after_as_of
              because they are dated after as_of
    as_of     the day the rules were judged on
    config    the settings it was judged with
    clean     True when `book` no longer holds the rows left out (it came from a Position)
    """

    issues: pd.DataFrame
    book: Book
    left_out: pd.DataFrame
    as_of: pd.Timestamp
    config: "Config"
    clean: bool = False
    step: ClassVar[str] = "validate"   # its entry in omxl.steps.REGISTRY

    @property
    def figures(self) -> pd.DataFrame:
        """Findings by severity, rows left out, the codes with most findings (omxl.steps.Result)."""
        return validate_figures(self.issues, self.left_out)

    @property
    def findings(self) -> pd.DataFrame:
        return self.issues

    def result_sheets(self, *, links: bool = True) -> dict[str, object]:
        """The Summary and the Issues sheet, each issue's cell a link to it in the source workbook. links=False
        for a new workbook (validate --out), which has no source sheets to link to."""
        sheets = {"Issues": issues_sheet(self.issues, labels=self.config.labels, links=links)}
        summary = summary_sheet(self.step, as_of=self.as_of, book=self.book, left_out=self.left_out,
                                issues=self.issues, figures=self.figures, sheets=list(sheets), clean=self.clean)
        return {SUMMARY: summary, **sheets}

    def __repr__(self) -> str:
        counts = self.issues["severity"].value_counts()
        return (f"<omxl.Validation as of {self.as_of:%Y-%m-%d}: {int(counts.get('error', 0)):,} errors, "
                f"{int(counts.get('warning', 0)):,} warnings, {int(counts.get('info', 0)):,} info; "
                f"{int(self.left_out['rows_left_out'].sum()):,} rows left out>")

    def _repr_html_(self) -> str:
        return result_html(self, "Issues", self.issues, "Issues, errors first")


def validate(book: "Book | Position", *, as_of: object = None,
             config: "Config | dict | str | None" = None) -> pd.DataFrame:
    """The issues of `book`: one row per finding (docs/finding-codes.md, docs/validation-rules.md).

    Given a Position, its issues (it was validated when prepared)."""
    if isinstance(book, Position):
        return book.matching(as_of, config).issues
    return judged(book, as_timestamp(as_of), settings_for(book, config))[0]


def validation(book: "Book | Position", *, as_of: object = None,
               config: "Config | dict | str | None" = None) -> Validation:
    """The validate step: `omxl.validate`'s issues as a Validation (a result like every step's)."""
    if isinstance(book, Position):
        position = book.matching(as_of, config)
        return Validation(issues=position.issues, book=position.book, left_out=position.left_out,
                          as_of=position.as_of, config=position.config, clean=True)
    day, settings = as_timestamp(as_of), settings_for(book, config)
    issues, _, left_out = judged(book, day, settings)
    return Validation(issues=issues, book=book, left_out=left_out, as_of=day, config=settings)
