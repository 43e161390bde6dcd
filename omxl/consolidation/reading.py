"""Reading many workbooks, each in its own task (serial here; the parallel engine replaces this module)."""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from ..book import Book
from ..errors import SourceError


@dataclass(frozen=True)
class WorkbookRead:
    path: Path
    book: Book | None
    reason: str = ""


def expand_sources(paths_or_globs: Any) -> list[Path]:
    items = [paths_or_globs] if isinstance(paths_or_globs, (str, os.PathLike)) else list(paths_or_globs)
    paths: list[Path] = []
    for item in items:
        text = os.fspath(item)
        found = sorted(glob.glob(text, recursive=True)) if glob.has_magic(text) else [text]
        if not found:
            raise SourceError(text, "matches no file.", "Check the pattern and the folder.")
        for f in found:
            if Path(f) not in paths:
                paths.append(Path(f))
    return paths


def read_workbooks(paths: Iterable[Path], *, workers=None, client=None, scheduler=None, send="paths", config=None,
                   password=None, progress: Callable[[str], object] | None = None) -> list[WorkbookRead]:
    from ..io.read.tables import read_book
    out = []
    for path in paths:
        try:
            out.append(WorkbookRead(Path(path), read_book(path, config=config, password=password)))
        except SourceError as error:
            out.append(WorkbookRead(Path(path), None, f"{error.problem} {error.remedy}".strip()))
    return out
