"""Many workbooks, one book (contract 4.9, docs/scale.md): `consolidate` reads the workbooks of several units
(branches, regions, warehouses) side by side, each in its own task (`reading`: in this process, in local processes
or on a Dask cluster), and makes them one book with a `unit` column on every table (`units`: keys per unit, shared
master tables merged)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterable

from ..book import Book
from ..config import Config, load_config
from ..errors import ConfigError, NoTablesError
from .reading import expand_sources, read_workbooks, source_labels
from .units import UNIT_SEPARATOR, UnitBook, combine, has_units

UNIT_FROM = ("folder", "file")


def consolidate(paths_or_globs: str | os.PathLike | Iterable[str | os.PathLike], *,
                unit_from: str | Callable[[Path], str] = "folder", workers: int | None = None,
                client: Any = None, send: str = "paths", config: Config | dict | str | Path | None = None,
                password: str | None = None, scheduler: str | None = None,
                progress: Callable[[str], object] | None = None) -> Book:
    """Read many workbooks into one book with a `unit` column on every table (contract 4.9).

    `unit_from`: "folder" (the name of the folder each workbook is in), "file" (its name without the extension),
    or a function from the path to the unit's name. `workers`: read in that many local processes; `client`: a
    `dask.distributed.Client` (or `scheduler`, its address), so the same call runs on a Dask cluster; `send="bytes"`
    ships the files' contents to workers that do not share the file system. An unreadable workbook is an
    `unreadable-source` finding and the others are read. Keys are per unit (docs/scale.md)."""
    paths = expand_sources(paths_or_globs)
    first = paths[0] if paths else None
    settings = load_config(config, near=first)
    units = [_unit_name(path, unit_from) for path in paths]
    names = source_labels(paths)
    reads = read_workbooks(paths, workers=workers, client=client, scheduler=scheduler, send=send,
                           config=settings, password=password, progress=progress)
    parts = [UnitBook(unit, name, r.book, r.reason) for unit, name, r in zip(units, names, reads)]
    if not any(p.book is not None for p in parts):
        reasons = " ".join(f"{p.name}: {p.reason}" for p in parts)
        raise NoTablesError(", ".join(names), f"none of the {len(parts)} workbooks could be read. {reasons}",
                            "Fix or export the workbooks again and run again.")
    return combine(parts, settings)


def _unit_name(path: Path, unit_from: str | Callable[[Path], str]) -> str:
    if callable(unit_from):
        name = unit_from(path)
    elif unit_from == "folder":
        name = path.resolve().parent.name
    elif unit_from == "file":
        name = path.stem
    else:
        raise ConfigError(f"unit_from {unit_from!r} is not one of {', '.join(UNIT_FROM)} or a function of the path.")
    name = str(name).strip() if name is not None else ""
    if not name or UNIT_SEPARATOR in name:
        raise ConfigError(f"{path}: the unit name {name!r} cannot be used: a unit needs a name without "
                          f"'{UNIT_SEPARATOR}'. Put each unit's workbook in a folder named for it, or pass "
                          "unit_from a function that names it.")
    return name


__all__ = ["UNIT_FROM", "consolidate", "has_units"]
