"""The progress display (docs/progress.md): steps on stderr when it is a terminal, nothing otherwise, nothing
with --quiet, and stdout the same byte for byte either way.

The command-line tests run `omxl` in a subprocess whose stderr is a pseudo-terminal (pty), the way a person
runs it, with OMXL_PROGRESS_DELAY=0 so that even the sample's sub-second steps are shown."""

from __future__ import annotations

import functools
import io
import os
import pty
import re
import subprocess
import sys
import time

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

import omxl
from omxl import progress
from omxl.cli import cli

from conftest import NORTHWIND, ROOT, SAMPLE

NOT_A_TERMINAL_ANSWER = ("FORCE_COLOR", "TTY_COMPATIBLE")   # they tell rich what stderr is; the tests find out
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """What the display wrote, without the terminal's control sequences (colours, cursor moves)."""
    return ANSI.sub("", text).replace("\r", "")


def terminal() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(force_terminal=True, file=buffer, width=80), buffer


# --- the reporter -------------------------------------------------------------------------------------

def test_steps_on_a_terminal_list_each_step_ticked_with_its_seconds_and_leave_nothing_behind():
    console, buffer = terminal()
    with progress.steps(console=console, delay=0) as steps:
        assert isinstance(steps, progress.Steps)
        steps("Reading orders.xlsx")       # calling the reporter starts a step: the read_book callback
        steps.start("Validating")
    written = buffer.getvalue()
    shown = plain(written)
    assert "Reading orders.xlsx 0.0 s" in shown
    assert "✓ Reading orders.xlsx 0.0 s" in shown
    assert "✓ Validating          0.0 s" in shown            # the columns line up under each other
    assert shown.index("Reading orders.xlsx") < shown.index("Validating")
    assert steps.shown is True
    # transient: the last thing written moves up over the two lines and erases them, and shows the cursor again
    assert written.endswith("\x1b[?25h\r" + "\x1b[1A\x1b[2K" * 2)


def test_done_takes_the_display_off_so_that_later_steps_start_a_new_one():
    console, buffer = terminal()
    with progress.steps(console=console, delay=0) as steps:
        steps.start("Reconciling")
        steps.done()
        assert buffer.getvalue().endswith("\x1b[?25h\r\x1b[1A\x1b[2K")   # one line, erased
        buffer.truncate(0), buffer.seek(0)
        steps.start("Writing status.xlsx")
    shown = plain(buffer.getvalue())
    assert "✓ Writing status.xlsx 0.0 s" in shown
    assert "Reconciling" not in shown


def test_a_stretch_shorter_than_the_delay_prints_nothing():
    console, buffer = terminal()
    with progress.steps(console=console, delay=30) as steps:
        steps.start("Reading sample.xlsx")
        steps.start("Validating")
    assert buffer.getvalue() == ""
    assert steps.shown is False


def test_a_stretch_longer_than_the_delay_shows_every_step_of_it_since_its_start():
    console, buffer = terminal()
    with progress.steps(console=console, delay=0.2) as steps:
        steps.start("Reading a.csv")
        steps.start("Reading b.csv")
        deadline = time.monotonic() + 10
        while not steps.shown and time.monotonic() < deadline:
            time.sleep(0.05)
        assert steps.shown is True
    shown = plain(buffer.getvalue())
    assert "✓ Reading a.csv" in shown      # finished before the display appeared, still listed
    assert "✓ Reading b.csv" in shown


def test_only_the_last_eight_finished_steps_stay_on_screen():
    console, buffer = terminal()
    with progress.steps(console=console, delay=0) as steps:
        for day in range(1, 13):
            steps.start(f"Reading day-{day:02d}.csv")
        buffer.truncate(0), buffer.seek(0)
        steps.start("Validating")
    last = plain(buffer.getvalue()).split("Validating")[0]
    assert [f"day-{d:02d}" in last for d in range(1, 13)] == [False] * 4 + [True] * 8


@pytest.mark.parametrize("make", [
    lambda buffer: {"console": Console(file=buffer), "enabled": True},           # not a terminal
    lambda buffer: {"console": Console(file=buffer, force_terminal=True), "enabled": False},   # --quiet
])
def test_no_display_when_stderr_is_not_a_terminal_or_when_quiet(make):
    buffer = io.StringIO()
    with progress.steps(delay=0, **make(buffer)) as steps:
        assert type(steps) is progress.NoSteps
        steps.start("Reading sample.xlsx")
        steps("Validating")
    assert buffer.getvalue() == ""


def test_outside_a_run_the_current_reporter_shows_nothing():
    assert type(progress.current()) is progress.NoSteps
    console, _ = terminal()
    with progress.steps(console=console, delay=0) as steps:
        assert progress.current() is steps
    assert type(progress.current()) is progress.NoSteps


def test_an_error_inside_a_run_takes_the_display_off_the_screen():
    console, buffer = terminal()
    with pytest.raises(ValueError), progress.steps(console=console, delay=0):
        progress.current().start("Reading broken.xlsx")
        raise ValueError("broken")
    assert buffer.getvalue().endswith("\x1b[?25h\r\x1b[1A\x1b[2K")
    assert type(progress.current()) is progress.NoSteps


@pytest.mark.parametrize("value, seconds", [(None, 1.0), ("0", 0.0), ("2.5", 2.5), ("soon", 1.0), ("-3", 0.0)])
def test_the_delay_is_one_second_unless_omxl_progress_delay_says_otherwise(monkeypatch, value, seconds):
    monkeypatch.delenv(progress.DELAY_VARIABLE, raising=False)
    if value is not None:
        monkeypatch.setenv(progress.DELAY_VARIABLE, value)
    assert progress.delay_setting() == seconds


# --- read_book reports each source ---------------------------------------------------------------------

def test_read_book_reports_each_file_it_reads_in_order_and_reads_the_same_book():
    said: list[str] = []
    files = [NORTHWIND / "orders.csv", NORTHWIND / "order-details.csv", NORTHWIND / "products.csv"]
    book = omxl.read_book(*files, progress=said.append)
    assert said == ["Reading orders.csv", "Reading order-details.csv", "Reading products.csv"]
    quiet = omxl.read_book(*files)
    for name in ("orders", "inventory"):
        pd.testing.assert_frame_equal(book.tables[name], quiet.tables[name])
    assert len(book.orders) == 2155     # Northwind's order-details lines, joined to their headers


def test_read_book_names_open_files_and_dataframes_too():
    said: list[str] = []
    with open(SAMPLE, "rb") as handle:
        omxl.read_book(handle, progress=said.append)
    frames = omxl.read_book(SAMPLE).tables
    omxl.read_book({"orders": frames["orders"]}, progress=said.append)
    assert said == ["Reading sample.xlsx", "Reading the tables given as DataFrames"]


# --- the command line ----------------------------------------------------------------------------------

def run(args: list[str], *, tty: bool, delay: str = "0", cwd=ROOT) -> tuple[int, bytes, bytes]:
    """Run `omxl ARGS` with stdout on a pipe and stderr on a pseudo-terminal (tty=True) or a pipe."""
    env = {**os.environ, "COLUMNS": "100", progress.DELAY_VARIABLE: delay,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    for variable in NOT_A_TERMINAL_ANSWER:
        env.pop(variable, None)
    command = [sys.executable, "-m", "omxl.cli", *args]
    if not tty:
        done = subprocess.run(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
        return done.returncode, done.stdout, done.stderr
    main, side = pty.openpty()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=side)
    os.close(side)
    err = b""
    while True:          # read the terminal until the child closes it (EIO on Linux, b"" elsewhere)
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        err += chunk
    out = child.stdout.read()
    child.stdout.close()
    os.close(main)
    return child.wait(timeout=300), out, err


def steps_in(err: bytes) -> list[str]:
    """The step words the display showed, each once, in the order they first appeared."""
    seen: list[str] = []
    for line in plain(err.decode("utf-8")).split("\n"):
        for text in re.findall(r"(?:[✓⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] )([A-Za-z][^\n]*?) +\d+\.\d s", line):
            if text not in seen:
                seen.append(text)
    return seen


def test_reconcile_on_a_terminal_shows_each_step_and_stdout_is_byte_identical(tmp_path):
    args = ["reconcile", str(SAMPLE), "--as-of", "2026-11-27", "--out", str(tmp_path / "status.xlsx")]
    code, out, err = run(args, tty=True)
    assert code == 1                                   # the sample has errors: those rows are left out
    assert steps_in(err) == ["Reading sample.xlsx", "Validating", "Reconciling", "Writing status.xlsx"]
    shown = plain(err.decode("utf-8"))
    assert "✓ Reconciling" in shown
    assert shown.endswith(f"Wrote {tmp_path / 'status.xlsx'}.\n")   # after the display left the screen
    piped_code, piped_out, piped_err = run([*args[:-1], str(tmp_path / "again.xlsx")], tty=False)
    assert piped_code == 1
    assert piped_err == f"Wrote {tmp_path / 'again.xlsx'}.\n".encode()
    assert out == piped_out
    assert b"Order lines as of 2026-11-27" in out


def test_validate_and_reorder_name_their_steps(tmp_path):
    code, out, err = run(["validate", str(SAMPLE), "--as-of", "2026-11-27"], tty=True)
    assert code == 1
    assert steps_in(err) == ["Reading sample.xlsx", "Validating"]
    assert out == run(["validate", str(SAMPLE), "--as-of", "2026-11-27"], tty=False)[1]
    args = ["reorder", str(SAMPLE), "--as-of", "2026-11-27", "--po-dir", str(tmp_path / "po")]
    code, out, err = run(args, tty=True)
    assert code == 1
    assert steps_in(err) == ["Reading sample.xlsx", "Validating", "Planning reorders", "Writing purchase-order drafts"]
    assert plain(err.decode("utf-8")).endswith(f"purchase-order drafts into {tmp_path / 'po'}.\n")
    assert out == run(args, tty=False)[1]


def test_weekly_names_its_steps_and_stdout_is_byte_identical(tmp_path):
    def args(name: str) -> list[str]:
        return ["weekly", str(SAMPLE), "--as-of", "2026-11-27", "--out", str(tmp_path / name), "--history",
                str(tmp_path / "history.sqlite")]

    code, out, err = run(args("weekly.xlsx"), tty=True)
    assert code == 1
    assert steps_in(err) == ["Reading sample.xlsx", "Validating", "Reconciling, planning and computing the KPIs",
                             "Writing weekly.xlsx"]
    piped_code, piped_out, piped_err = run(args("again.xlsx"), tty=False)  # the same week again: it replaces
    assert piped_code == 1
    assert piped_err == (f"Wrote {tmp_path / 'again.xlsx'}.\nRun recorded in {tmp_path / 'history.sqlite'}.\n"
                         .encode())
    assert out == piped_out
    assert b"Week 2026-W48: 2026-11-21 to 2026-11-27 (no previous run)" in out


def test_reading_several_files_reports_each(tmp_path):
    files = [str(NORTHWIND / name) for name in ("orders.csv", "order-details.csv", "products.csv")]
    code, out, err = run(["read", *files], tty=True)
    assert steps_in(err) == ["Reading orders.csv", "Reading order-details.csv", "Reading products.csv"]
    assert (code, out) == run(["read", *files], tty=False)[:2]


@functools.cache
def piped_reconcile_output() -> bytes:
    """What `omxl reconcile` of the sample prints with stdout and stderr on pipes: run once for the four spellings
    of --quiet below, which must all print the same."""
    return run(["reconcile", str(SAMPLE), "--as-of", "2026-11-27"], tty=False)[1]


@pytest.mark.parametrize("quiet", [["reconcile", "--quiet"], ["reconcile", "-q"], ["-q", "reconcile"], ["--quiet", "reconcile"]])
def test_quiet_leaves_stderr_empty_on_a_terminal_and_stdout_as_it_was(quiet):
    args = [*quiet, str(SAMPLE), "--as-of", "2026-11-27"]
    code, out, err = run(args, tty=True)
    assert (code, err) == (1, b"")
    assert out == piped_reconcile_output()


def test_a_run_quicker_than_the_delay_shows_nothing_on_a_terminal(tmp_path):
    code, out, err = run(["demo", "--out", str(tmp_path / "small.xlsx"), "--lines", "200"], tty=True, delay="30")
    assert (code, err) == (0, b"")
    assert out.startswith(f"Wrote {tmp_path / 'small.xlsx'} (200 order lines, seed 7".encode())


def test_demo_shows_its_one_step(tmp_path):
    code, out, err = run(["demo", "--out", str(tmp_path / "small.xlsx"), "--lines", "200"], tty=True)
    assert code == 0
    assert steps_in(err) == ["Writing small.xlsx"]


def test_stderr_is_empty_when_it_is_not_a_terminal(tmp_path):
    code, out, err = run(["demo", "--out", str(tmp_path / "small.xlsx"), "--lines", "200"], tty=False)
    assert (code, err) == (0, b"")
    result = CliRunner().invoke(cli, ["reconcile", str(SAMPLE), "--as-of", "2026-11-27"],
                                env={progress.DELAY_VARIABLE: "0", **dict.fromkeys(NOT_A_TERMINAL_ANSWER)})
    assert result.exit_code == 1
    assert result.stderr == ""
    assert "Order lines as of 2026-11-27" in result.stdout


def test_every_command_has_quiet():
    assert sorted(cli.commands) == ["backtest", "demo", "dispatch", "excel-setup", "improvements", "libreoffice-setup", "notify", "read",
                                    "reconcile", "reorder", "validate", "weekly"]
    for name in cli.commands:
        help_text = CliRunner().invoke(cli, [name, "--help"], terminal_width=100).output
        assert "-q, --quiet" in help_text, name
        assert "No progress display on stderr" in help_text, name
