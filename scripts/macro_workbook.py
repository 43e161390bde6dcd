"""Build workbooks/omxl.xlsm, the ready macro workbook (contract 5.4; docs/excel.md).

    python3 scripts/macro_workbook.py [PATH]

1. `xlwings quickstart omxl_quickstart --standalone` in a temporary folder: the installed xlwings writes an
   .xlsm whose VBA project holds its `xlwings` module (RunPython), for exactly that xlwings version.
2. Its vbaProject.bin becomes omxl's project: the sample `Module1` is replaced by the module `omxl` with one
   sub per button (omxl.excel.vbaproject).
3. workbooks/sample.xlsx gets the Control sheet `omxl`, the buttons, the `xlwings.conf` sheet and that
   project, exactly as `omxl excel-setup` does for a user's workbook (omxl.excel.macrobook): the sample
   sheets stay as they are, with the entry lists excel-setup adds (docs/excel.md, Entry lists).

The same xlwings version gives the same bytes; the tests build it afresh and check the committed file matches.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from omxl.io.save.atomic import atomic_save, verify_xlsx  # noqa: E402 - after the path is set
from omxl.excel.macrobook import add_front_door, verify_control_sheet, entry_lists_from  # noqa: E402
from omxl.excel.vbaproject import omxl_project, quickstart_project  # noqa: E402

WORKBOOK = ROOT / "workbooks" / "omxl.xlsm"
SAMPLE = ROOT / "workbooks" / "sample.xlsx"
QUICKSTART_NAME = "omxl_quickstart"


def quickstart(folder: Path) -> Path:
    """Run `xlwings quickstart NAME --standalone` in `folder` with this Python's xlwings; the .xlsm it wrote."""
    subprocess.run([sys.executable, "-c", "from xlwings.cli import main; main()", "quickstart", QUICKSTART_NAME,
                    "--standalone"], cwd=folder, check=True, capture_output=True, timeout=120)
    return folder / QUICKSTART_NAME / f"{QUICKSTART_NAME}.xlsm"


def build(path: Path = WORKBOOK) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        project = omxl_project(quickstart_project(quickstart(Path(folder))))
    data = entry_lists_from(add_front_door(SAMPLE.read_bytes(), project, SAMPLE.name), SAMPLE)

    def verify(temp: Path) -> None:
        verify_xlsx(temp)
        verify_control_sheet(temp)

    with atomic_save(path, verify=verify, backup=False) as temp:
        temp.write_bytes(data)
    return path


if __name__ == "__main__":
    print(build(Path(sys.argv[1]) if len(sys.argv) > 1 else WORKBOOK))
