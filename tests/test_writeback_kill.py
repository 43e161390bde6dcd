"""A write-back killed at any moment leaves the original intact and readable, with a backup whenever
the original was replaced."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import sys

import python_calamine as calamine

import omxl
from conftest import SAMPLE
from omxl.io.save.atomic import backups_of

CHILD = r"""
import sys
import pandas as pd
import omxl

path = sys.argv[1]
frames = [pd.DataFrame({"n": range(k, k + 3000), "text": ["result line"] * 3000}) for k in range(3)]
print("ready", flush=True)
i = 0
while True:
    omxl.write_back(path, {"Issues": frames[i % 3]})
    i += 1
    print(i, flush=True)
"""


def test_sigkill_at_random_moments_never_damages_the_workbook(tmp_path):
    original = SAMPLE.read_bytes()
    rng = random.Random(20261127)
    replaced_runs = 0
    for attempt in range(20):
        folder = tmp_path / f"try{attempt}"
        folder.mkdir()
        path = folder / "sample.xlsx"
        shutil.copy(SAMPLE, path)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        try:
            # One random moment in each 50 ms slice of the first second of writing (a write takes ~0.1 s).
            child.wait(timeout=rng.uniform(attempt * 0.05, (attempt + 1) * 0.05))
        except subprocess.TimeoutExpired:
            child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        assert child.returncode == -signal.SIGKILL

        with calamine.CalamineWorkbook.from_path(str(path)) as book:
            names = book.sheet_names
            if "omxl Issues" in names:
                assert len(book.get_sheet_by_name("omxl Issues").to_python()) == 3001
        assert len(omxl.read_book(path).orders) == 3000
        if path.read_bytes() != original:
            replaced_runs += 1
            backups = backups_of(path)
            assert backups, f"try {attempt}: the original was replaced but no backup exists"
            # The original is kept until five newer backups exist (a kill between writing a backup and
            # pruning the oldest can leave six for a moment; the next run prunes).
            assert backups[0].read_bytes() == original or len(backups) >= 5
        leftovers = {p.name for p in folder.iterdir()} - {"sample.xlsx", "omxl-backups"}
        assert all(name.startswith(".~omxl-sample-") for name in leftovers), leftovers
    # The random moments must have caught the writer both before and after a replace.
    assert 0 < replaced_runs < 20
