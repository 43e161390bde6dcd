"""Files of one layout typed together: one pass over all their rows instead of one per file.

A data set exported as one CSV file a day (305 files of 1,800 lines) costs more in pandas' fixed cost per call
than in the cells themselves when each file's columns are typed on their own. read_book stacks the rows of
consecutive files that share a layout (the same table, headers, columns and number format), types them once,
and hands each file back its own rows and findings, exactly as if it had been typed alone: every finding names
its file, and the findings that sum a column up ("12 values in column 'Quantity' were ...") do so per file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# The findings' column that tells, while files are typed together, which file a finding is about.
FILE = "_file"


@dataclass(frozen=True, eq=False)
class Files:
    """Which file each row of the stacked columns comes from (files in reading order, rows in file order)."""

    of_row: np.ndarray        # int64 per row: the file's index, never decreasing
    sources: np.ndarray       # object, per file
    sheets: np.ndarray        # object, per file
    starts: np.ndarray        # int64: the first row of each file, then the row count

    @classmethod
    def of(cls, lengths: list[int], sources: list[str], sheets: list[str]) -> "Files":
        starts = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return cls(np.repeat(np.arange(len(lengths), dtype=np.int64), lengths),
                   np.array(sources, dtype=object), np.array(sheets, dtype=object), starts)

    def __len__(self) -> int:
        return len(self.sources)

    def groups(self, positions: np.ndarray) -> list[np.ndarray]:
        """Sorted row positions cut into one array per file that has any."""
        cuts = np.searchsorted(positions, self.starts[1:-1])
        return [group for group in np.split(positions, cuts) if len(group)]

    def any_per_file(self, mask: np.ndarray) -> np.ndarray:
        """Per file (rows x columns mask): whether any of its rows is set, file by file (a file of no rows:
        none, wherever it stands)."""
        running = np.concatenate([np.zeros((1,) + mask.shape[1:], dtype=np.int64),
                                  np.cumsum(mask, axis=0, dtype=np.int64)])
        return running[self.starts[1:]] > running[self.starts[:-1]]


def first_of_each(files: Files | None, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted row positions: the index (into `positions`) of each file's first one, and how many each file
    has (the one file when `files` is None)."""
    if files is None:
        return np.array([0]), np.array([len(positions)])
    _, first, counts = np.unique(files.of_row[positions], return_index=True, return_counts=True)
    return first, counts


def tagged(frame: pd.DataFrame, files: Files, of_finding: np.ndarray) -> pd.DataFrame:
    """`frame`'s findings named after their files: source, sheet and the file's index in FILE."""
    frame["source"] = files.sources[of_finding]
    frame["sheet"] = files.sheets[of_finding]
    frame[FILE] = of_finding
    return frame


def for_each_file(frame: pd.DataFrame, files: Files) -> pd.DataFrame:
    """One file's findings about the layout itself (a missing or unknown column), repeated for every file."""
    n = len(frame)
    every = pd.concat([frame] * len(files), ignore_index=True)
    return tagged(every, files, np.repeat(np.arange(len(files), dtype=np.int64), n))


def deal(findings: list[pd.DataFrame], n_files: int) -> list[list[pd.DataFrame]]:
    """Findings frames (each with FILE) dealt out to their files, each file's in the order they were made."""
    per_file: list[list[pd.DataFrame]] = [[] for _ in range(n_files)]
    for frame in findings:
        of_finding = frame[FILE].to_numpy(dtype=np.int64)
        frame = frame.drop(columns=FILE)
        order = np.argsort(of_finding, kind="stable")
        if (order != np.arange(len(order))).any():
            frame, of_finding = frame.iloc[order], of_finding[order]
        bounds = np.searchsorted(of_finding, np.arange(n_files + 1))
        for file in np.flatnonzero(bounds[1:] > bounds[:-1]):
            per_file[file].append(frame.iloc[bounds[file]:bounds[file + 1]])
    return per_file


def split_rows(frame: pd.DataFrame, files: Files, written: list[str]) -> list[pd.DataFrame]:
    """The typed rows back to their files. A file none of whose cells was a `[values]` code has no column of
    codes as written (`written`), as when it is typed alone."""
    filled = files.any_per_file(frame[written].notna().to_numpy()) if written else None
    frames = []
    for file in range(len(files)):
        part = frame.iloc[files.starts[file]:files.starts[file + 1]].reset_index(drop=True)
        if written:
            unused = [c for c, used in zip(written, filled[file]) if not used]
            if unused:
                part = part.drop(columns=unused)
        frames.append(part)
    return frames
