"""What the command line says is what it does: an output path that cannot be used is one line and exit 2
(never a traceback, never an internal error, nothing the user had changed), the help describes the commands
that exist, and nothing imports xlwings."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLE
from omxl.cli import cli
from one_of_each import AS_OF, FIXTURES

BOOK = FIXTURES / "one-of-each.xlsx"      # small: a run that gets as far as writing takes a moment
COMMANDS = {"validate": "issues.xlsx", "reconcile": "status.xlsx", "reorder": "plan.xlsx"}  # and the example name
NOBODY = 65534


def run(*args):
    return CliRunner(env={"COLUMNS": "200"}).invoke(cli, [*map(str, args)])


def one_line(result) -> str:
    """The single stderr line of a refused run, checked to be exactly one line and no traceback."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert result.stderr.endswith("\n") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.rstrip("\n")


# --- --out: extensions ---------------------------------------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", ["report.txt", "report.xlsm", "report"])
def test_out_refuses_other_extensions_in_one_line(command, name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(command, BOOK, "--as-of", AS_OF, "--out", name)
    assert result.exit_code == 2
    refused = f", not {Path(name).suffix}" if Path(name).suffix else ""
    assert one_line(result) == (f"omxl: {name}: --out writes a .xlsx, .csv or .json file, chosen by its extension"
                                f"{refused}; give a name such as report.xlsx or report.csv. Nothing was written.")
    assert result.stdout == ""                       # refused before anything was read or printed
    assert list(tmp_path.iterdir()) == []


# --- output problems: exit 2, one line, nothing changed ----------------------------------------------------

@pytest.mark.parametrize("command", COMMANDS)
def test_out_naming_a_folder_is_exit_2(command, tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for given in (str(folder), f"{folder}/"):
        result = run(command, BOOK, "--as-of", AS_OF, "--out", given)
        assert result.exit_code == 2
        assert one_line(result) == (f"omxl: {given} is a folder; give a file name such as "
                                    f"{folder / COMMANDS[command]}. Nothing was written.")
    assert list(folder.iterdir()) == []


def test_a_trailing_slash_names_a_folder_even_when_it_does_not_exist(tmp_path):
    given = f"{tmp_path}/status/"
    result = run("reconcile", BOOK, "--as-of", AS_OF, "--out", given)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {given} ends with a slash, so it names a folder; give a file name such "
                                f"as {tmp_path / 'status' / 'status.xlsx'}. Nothing was written.")
    assert list(tmp_path.iterdir()) == []            # not a file called "status"


@pytest.mark.parametrize("command", COMMANDS)
def test_out_in_a_missing_folder_or_under_a_file_is_exit_2(command, tmp_path):
    out = tmp_path / "missing" / "result.csv"
    result = run(command, BOOK, "--as-of", AS_OF, "--out", out)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {out}: the folder {out.parent} does not exist; create it or choose an "
                                "existing folder. Nothing was written.")
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    out = notes / "result.json"
    result = run(command, BOOK, "--as-of", AS_OF, "--out", out)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {out}: {notes} is a file, not a folder; choose a path in an existing "
                                "folder. Nothing was written.")
    assert notes.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_out_never_replaces_a_file_the_run_reads(tmp_path):
    book = tmp_path / "orders.xlsx"
    shutil.copy(BOOK, book)
    before = book.read_bytes()
    result = run("reconcile", book, "--as-of", AS_OF, "--out", book)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {book} is one of the files this run reads, and --out writes a new file; "
                                "choose another name (--write-back adds the result sheets to the workbook itself). "
                                "Nothing was written.")
    assert book.read_bytes() == before


def test_mark_and_po_dir_problems_are_exit_2(tmp_path):
    folder = tmp_path / "checked"
    folder.mkdir()
    result = run("validate", BOOK, "--as-of", AS_OF, "--mark", f"{folder}/")
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {folder}/ is a folder; give a file name such as {folder / 'checked.xlsx'}. "
                                "Nothing was written.")
    out = tmp_path / "missing" / "checked.xlsx"
    result = run("validate", BOOK, "--as-of", AS_OF, "--mark", out)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {out}: the folder {out.parent} does not exist; create it or choose an "
                                "existing folder. Nothing was written.")
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    result = run("reorder", BOOK, "--as-of", AS_OF, "--po-dir", notes)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {notes} is a file, not a folder; give a folder name (a new folder is "
                                "created). Nothing was written.")
    drafts = tmp_path / "missing" / "drafts"
    result = run("reorder", BOOK, "--as-of", AS_OF, "--po-dir", drafts)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {drafts}: the folder {drafts.parent} does not exist; create it or choose "
                                "an existing folder. Nothing was written.")
    assert notes.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checked", "notes.txt"]
    assert list(folder.iterdir()) == []


def test_demo_writes_xlsx_only(tmp_path):
    result = run("demo", "--out", tmp_path / "sample.csv")
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {tmp_path / 'sample.csv'}: the sample is an Excel workbook; give a name "
                                f"ending in .xlsx, such as {tmp_path / 'sample.xlsx'}. Nothing was written.")
    result = run("demo", "--out", tmp_path)
    assert result.exit_code == 2
    assert one_line(result) == (f"omxl: {tmp_path} is a folder; give a file name such as "
                                f"{tmp_path / 'sample.xlsx'}. Nothing was written.")
    assert list(tmp_path.iterdir()) == []


# --- a folder that cannot be written -------------------------------------------------------------------------

@contextlib.contextmanager
def read_only_folder(*books: Path):
    """A folder (holding copies of `books`, writable files) that its user cannot write into. Made with
    tempfile rather than in tmp_path, whose parents are owner-only, so that another user can reach it."""
    folder = Path(tempfile.mkdtemp(prefix="omxl-read-only-"))
    try:
        for book in books:
            shutil.copy(book, folder / book.name)
            os.chmod(folder / book.name, 0o666)
        os.chmod(folder, 0o555)
        yield folder
    finally:
        os.chmod(folder, 0o755)
        shutil.rmtree(folder)


@contextlib.contextmanager
def as_a_user_without_write_access(folder: Path):
    """Root ignores permissions, so as root the block runs with nobody's effective user id (taken back
    after, whatever happens); as anyone else the folder's mode already applies."""
    if os.geteuid() == 0:
        try:
            os.seteuid(NOBODY)
        except PermissionError:  # pragma: no cover - a root without CAP_SETUID
            pytest.skip("running as root without the right to change the effective user id")
    try:
        with pytest.raises(PermissionError):     # the premise of the test: this user cannot write there
            (folder / "probe").touch()
        yield
    finally:
        if os.geteuid() != os.getuid():
            os.seteuid(os.getuid())


def run_without_write_access(tmp_path, folder: Path, *args):
    """The same run first into a folder that can be written (it succeeds, and every module it needs is
    loaded: another user may not be able to read the interpreter's files), then into `folder`."""
    warm = run(*[tmp_path / Path(str(a)).relative_to(folder) if str(a).startswith(str(folder)) else a for a in args])
    assert warm.exit_code in (0, 1), warm.output
    with as_a_user_without_write_access(folder):
        return run(*args)


needs_posix = pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")


@needs_posix
@pytest.mark.parametrize("command, name", [("validate", "issues.csv"), ("reconcile", "status.xlsx"),
                                           ("reorder", "plan.json")])
def test_out_into_a_read_only_folder_is_exit_2(command, name, tmp_path):
    with read_only_folder() as folder:
        result = run_without_write_access(tmp_path, folder, command, BOOK, "--as-of", AS_OF, "--out", folder / name)
        assert result.exit_code == 2
        assert one_line(result) == (f"omxl: {folder / name}: cannot write into the folder {folder} (permission "
                                    "denied); choose another folder or ask for write access to it. Nothing was "
                                    "written.")
        assert result.stdout == ""                   # checked before the run, not after it
        assert list(folder.iterdir()) == []
    assert (tmp_path / name).stat().st_size > 0      # the same run where it may write works


@needs_posix
def test_the_saving_layer_itself_turns_a_refused_write_into_the_message(tmp_path, monkeypatch):
    """With the early permission check out of the way, the real OSError of the save (the temporary file
    cannot be made) becomes the same message in omxl/io/atomic.py."""
    import omxl.io.save.atomic

    monkeypatch.setattr(omxl.io.save.atomic, "_can_write_into", lambda folder: True)
    with read_only_folder() as folder:
        out = folder / "status.csv"
        result = run_without_write_access(tmp_path, folder, "reconcile", BOOK, "--as-of", AS_OF, "--out", out)
        assert result.exit_code == 2
        assert one_line(result) == (f"omxl: {out}: cannot write into the folder {folder} (permission denied); "
                                    "choose another folder or ask for write access to it. Nothing was written.")
        assert "Late lines:" in result.stdout           # this time the run got as far as saving
        assert list(folder.iterdir()) == []


@needs_posix
def test_mark_and_po_dir_into_a_read_only_folder_are_exit_2(tmp_path):
    with read_only_folder() as folder:
        result = run_without_write_access(tmp_path, folder, "validate", BOOK, "--as-of", AS_OF,
                                          "--mark", folder / "checked.xlsx")
        assert result.exit_code == 2
        assert one_line(result) == (f"omxl: {folder / 'checked.xlsx'}: cannot write into the folder {folder} "
                                    "(permission denied); choose another folder or ask for write access to it. "
                                    "Nothing was written.")
        for drafts in (folder, folder / "drafts"):
            result = run_without_write_access(tmp_path, folder, "reorder", BOOK, "--as-of", AS_OF,
                                              "--po-dir", drafts)
            assert result.exit_code == 2
            message = (f"omxl: {folder}: cannot write into this folder (permission denied); choose another folder "
                       "or ask for write access to it. Nothing was written." if drafts == folder else
                       f"omxl: {drafts}: cannot write into the folder {folder} (permission denied); choose another "
                       "folder or ask for write access to it. Nothing was written.")
            assert one_line(result) == message
        assert list(folder.iterdir()) == []


@needs_posix
def test_write_back_into_a_workbook_in_a_read_only_folder_is_exit_2(tmp_path):
    shutil.copy(BOOK, tmp_path / BOOK.name)
    with read_only_folder(BOOK) as folder:
        book = folder / BOOK.name
        before = book.read_bytes()
        result = run_without_write_access(tmp_path, folder, "validate", book, "--as-of", AS_OF, "--write-back")
        assert result.exit_code == 2
        assert one_line(result) == (f"omxl: {book}: cannot write into the folder {folder} (permission denied); ask "
                                    "for write access to it, or work on a copy in a folder you can write to. "
                                    f"{BOOK.name} was not changed.")
        assert book.read_bytes() == before
        assert sorted(p.name for p in folder.iterdir()) == [BOOK.name]


# --- help and docs say what exists -----------------------------------------------------------------------------

PROMISE = re.compile(r"\b(later steps?|in a later|arrives? with|will arrive|coming soon|not yet available|"
                     r"and later the)\b", re.I)


def test_help_lists_the_commands_that_exist_and_promises_nothing():
    result = CliRunner().invoke(cli, ["--help"], terminal_width=120)
    assert result.exit_code == 0
    assert "later" not in result.output.lower() and not PROMISE.search(result.output)
    listed = re.findall(r"^  (\w[\w-]*)  ", result.output.split("Commands:")[1], flags=re.M)
    assert listed == sorted(cli.commands) == [
        "backtest", "demo", "dispatch", "excel-setup", "improvements", "libreoffice-setup", "notify", "read", "reconcile", "reorder", "validate",
        "weekly"]
    for name in cli.commands:
        text = CliRunner().invoke(cli, [name, "--help"], terminal_width=120).output
        assert "later" not in text.lower() and not PROMISE.search(text), name


def test_readme_and_docs_promise_nothing_that_is_not_there():
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text(encoding="utf-8")
        assert not PROMISE.search(text), (page.name, PROMISE.search(text))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    excel = readme.split("### Excel", 1)[1].split("\n## ", 1)[0]
    assert "`workbooks/omxl.xlsm`" in excel and "`omxl excel-setup orders.xlsx`" in excel and "docs/excel.md" in excel
    assert (ROOT / "workbooks" / "omxl.xlsm").is_file() and "excel-setup" in cli.commands


# --- xlwings belongs to the Excel front door's adapter only ----------------------------------------------------

def test_only_the_excel_adapter_imports_xlwings():
    importing = [module.relative_to(ROOT).as_posix() for module in sorted((ROOT / "omxl").rglob("*.py"))
                 if re.search(r"^\s*(import|from)\s+xlwings\b", module.read_text(encoding="utf-8"), re.M)]
    assert importing == ["omxl/excel/xlwings_adapter.py"]
    code = ("import sys\n"
            "import omxl\n"
            "assert 'xlwings' not in sys.modules, 'import omxl'\n"
            "import omxl.macros\n"
            "assert 'xlwings' not in sys.modules, 'import omxl.macros'\n"
            "from click.testing import CliRunner\n"
            "from omxl.cli import cli\n"
            f"result = CliRunner().invoke(cli, ['reconcile', {str(SAMPLE)!r}, '--as-of', '2026-11-27'])\n"
            "assert result.exit_code == 1, result.output\n"
            "print(sorted(name for name in sys.modules if name.split('.')[0] == 'xlwings'))\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
