"""Renamed public names keep working for one release under their old name, and say so once per process."""

from __future__ import annotations

import warnings

_WARNED: set[str] = set()


def warn_renamed(old: str, new: str) -> None:
    """A DeprecationWarning that `old` is now `new`, the first time `old` is used in this process only."""
    if old in _WARNED:
        return
    _WARNED.add(old)
    warnings.warn(f"{old} is now {new}; the old name goes in the next release", DeprecationWarning, stacklevel=3)
