"""What a command loads when it starts: the demo's generators, the mail and the file writers only when a run uses
them, so that `omxl weekly` (and every other command) does not pay for them at start-up."""

from __future__ import annotations

import os
import subprocess
import sys

from click.testing import CliRunner

from conftest import ROOT
from omxl.cli import DEMO_MAX_LINES, cli
from omxl.demo import MAX_LINES

# Loaded by a run that sends mail, writes --mark, --write-back, a .csv/.json or the demo workbook; not at start.
NOT_AT_START = ("omxl.demo", "omxl.messaging", "omxl.io.xlsx.mark", "omxl.io.xlsx.entry_lists",
                "omxl.io.xlsx.sheetrows", "omxl.io.save.write", "omxl.io.save.po_drafts", "omxl.consolidation",
                "omxl.reporting.units", "smtplib")


def test_the_demo_limit_the_command_states_is_the_demo_s():
    assert DEMO_MAX_LINES == MAX_LINES == 1_048_571
    result = CliRunner().invoke(cli, ["demo", "--lines", "1048572", "--out", "never-written.xlsx"])
    assert result.exit_code == 2
    assert "the Orders sheet holds at most 1,048,571" in result.output
    help_text = " ".join(CliRunner().invoke(cli, ["demo", "--help"]).output.split())
    assert "Order lines, at most 1,048,571 (they fill the Orders sheet)." in help_text


def test_starting_a_command_loads_no_writer_it_may_not_use():
    code = ("import sys\n"
            "import omxl.cli, omxl.reporting.weekly, omxl.render\n"
            f"print(sorted(name for name in sys.modules if name.startswith({NOT_AT_START!r})))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
