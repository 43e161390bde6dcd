"""The repository itself: no merge left half done (conflict markers) in any tracked text file."""

from __future__ import annotations

import re
import subprocess

from conftest import ROOT

MARKER = re.compile(r"^(<{7} |={7}$|>{7} )", re.M)


def test_no_conflict_markers_in_tracked_files():
    tracked = subprocess.run(["git", "ls-files", "*.py", "*.md", "*.toml", "*.sh", "*.txt", "*.in", "*.html", "*.j2"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    assert len(tracked) > 100
    marked = [name for name in tracked
              if (ROOT / name).is_file() and MARKER.search((ROOT / name).read_text(encoding="utf-8", errors="replace"))]
    assert marked == []
