"""The one orchestration every front door uses (the command line, the Excel buttons): a read book, prepared
once when the step starts from a Position, then the step itself, each stage named on the progress display."""

from __future__ import annotations

from typing import Any

from . import progress as progress_display
from .book import Book
from .position import prepare
from .steps import Result, step


def run(name: str, book: Book, *, as_of: object = None, progress: "progress_display.NoSteps | None" = None,
        **options: Any) -> Result:
    """Run the step `name` on `book` (read with its settings) as of `as_of`; `options` are the step's own.
    A step that starts from a Position (all but validate) gets the book prepared first: "Validating", then
    the step's own progress line."""
    definition = step(name)
    shown = progress if progress is not None else progress_display.current()
    start: object = book
    if definition.prepares:
        shown.start("Validating")
        start = prepare(book, as_of=as_of)
    shown.start(definition.progress or definition.title)
    result = definition.run(start, as_of=as_of, **options)
    shown.done()
    return result
