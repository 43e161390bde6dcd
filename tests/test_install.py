"""A package that installs: a wheel built from this source, installed into a fresh environment (not editable),
runs `omxl weekly` on the sample from a folder that has nothing of the source beside it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE


def without_source_path() -> dict[str, str]:
    """This process's environment without PYTHONPATH (the tests run with PYTHONPATH=<the source folder>), so that a
    new environment's Python imports omxl from its own site-packages, never from the source."""
    return {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "--no-deps",
                    "-w", str(out), str(ROOT)], check=True, timeout=600)
    (built,) = out.glob("omxl-*.whl")
    return built


def test_the_wheel_carries_the_shipped_templates(wheel: Path):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"omxl/shipped/weekly_status.xlsx", "omxl/shipped/late_lines.xlsx", "omxl/shipped/email/weekly.txt",
            "omxl/shipped/email/supplier-po.html", "omxl/shipped/libreoffice/omxl_buttons.py.in",
            "omxl/py.typed", "omxl/company_rules/grammar.lark"} <= names
    assert not any(name.startswith(("tests/", "templates/", "scripts/")) for name in names)
    requires = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    runtime = [line for line in requires.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert not any(tool in line for line in runtime for tool in ("nbclient", "nbformat", "ipykernel", "pypdf",
                                                                  "pytest"))


def test_installed_from_the_wheel_omxl_weekly_runs_anywhere(wheel: Path, tmp_path: Path):
    # The new environment sees this one's packages (the dependencies; nothing is downloaded) but gets omxl only
    # from the wheel, installed as a user's pip would: not editable, no source folder anywhere near.
    env = tmp_path / "env"
    venv.create(env, system_site_packages=True, with_pip=True)
    python = env / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                    "--ignore-installed", str(wheel)], check=True, timeout=300, env=without_source_path())
    where = subprocess.run([str(python), "-c", "import omxl; print(omxl.__file__)"], capture_output=True, text=True,
                           cwd=tmp_path, check=True, env=without_source_path()).stdout.strip()
    assert Path(where).is_relative_to(env)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SAMPLE, work / "sample.xlsx")
    done = subprocess.run([str(env / "bin" / "omxl"), "weekly", "sample.xlsx", "--as-of", "2026-11-27", "-q"],
                          cwd=work, capture_output=True, text=True, timeout=300, env=without_source_path())
    assert done.returncode == 1, done.stderr       # the sample's deliberate errors; 2 or 3 would be a failure
    assert "Wrote weekly-status-2026-W48.xlsx." in done.stderr
    assert (work / "weekly-status-2026-W48.xlsx").stat().st_size > 20_000
    assert "OTIF line rate" in done.stdout


def test_installed_from_the_wheel_the_libreoffice_buttons_find_omxl(wheel: Path, tmp_path: Path):
    """docs/libreoffice.md's path with an installed wheel: the environment's `omxl libreoffice-setup` writes the
    .ods (its script shipped as package data), and a button pressed in LibreOffice imports omxl from that
    environment's site-packages, not from the source."""
    import json

    from conftest import python_with_uno

    env = tmp_path / "env"
    venv.create(env, system_site_packages=True, with_pip=True)
    subprocess.run([str(env / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--no-deps", "--ignore-installed", str(wheel)], check=True, timeout=300, env=without_source_path())
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SAMPLE, work / "orders.xlsx")
    done = subprocess.run([str(env / "bin" / "omxl"), "libreoffice-setup", "orders.xlsx"], cwd=work,
                          capture_output=True, text=True, timeout=300, env=without_source_path())
    assert done.returncode == 0, done.stderr
    with zipfile.ZipFile(work / "orders.ods") as package:
        script = package.read("Scripts/python/omxl_buttons.py").decode()
    folders = re.search(r"^SITE_DIRS = (.*)$", script, flags=re.M).group(1)
    assert str(env / "lib") in folders and str(ROOT) not in folders
    plan = tmp_path / "plan.json"
    serial = 46353   # 2026-11-27
    plan.write_text(json.dumps({"document": str(work / "orders.ods"), "profile": str(tmp_path / "profile"),
                                "steps": [{"set": ["omxl", "B3", serial]}, {"press": "Validate"}]}))
    pressed = subprocess.run([python_with_uno(), str(ROOT / "tests" / "lo_buttons.py"), str(plan)],
                             capture_output=True, text=True, timeout=600, cwd=ROOT / "tests",
                             env=without_source_path())
    assert pressed.returncode == 0, pressed.stderr[-2000:]
    status = json.loads(pressed.stdout.splitlines()[-1])["status"]
    assert status.startswith("Checked as of 2026-11-27: 14 errors and 9 warnings. 23 cells marked")


# --- docs/excel.md's commands, run as a user on macOS (or Linux) runs them ----------------------------------

EXCEL_PAGE = ROOT / "docs" / "excel.md"
WORKBOOK = ROOT / "workbooks" / "omxl.xlsm"
# Fenced blocks for Windows only (cmd, PowerShell): shown, never run here. `bash` blocks are run; no other
# language may hold commands, so that a command cannot slip past both the test and the Windows mark.
WINDOWS_ONLY = ("bat", "powershell")
# macOS only (zsh, its Terminal's shell): xlwings registers `runpython` on macOS alone; the test runs the function
# that command calls instead.
MACOS_ONLY = ("zsh",)
LANGUAGES = ("bash", "python", "text", *WINDOWS_ONLY, *MACOS_ONLY)   # text: shown, never run
SET_UP = "## Set up a computer once"
# The test's only changes to the page's commands: the new environment sees this one's packages, so that
# nothing is downloaded (omxl itself still comes from the wheel, checked below); so xlwings is not installed
# into it and its bin/ lacks the `xlwings` command, which is xlwings.cli's main(), run here as a module; and
# /tmp/ is the test's folder. `xlwings runpython install` (macOS only) runs as the function it calls.
VENV = ("python3 -m venv ", "python3 -m venv --system-site-packages ")
XLWINGS = ("~/omxl/.venv/bin/xlwings ", "~/omxl/.venv/bin/python -m xlwings.cli ")


def fenced_blocks(page: str) -> list[tuple[str, str, str]]:
    """(language, the `## ` section it is in, its text without the list item's indent) of every fenced block."""
    found = []
    for match in re.finditer(r"^( *)```(\w*)\n(.*?)^\1```", page, flags=re.M | re.S):
        indent, language, body = match.groups()
        headings = re.findall(r"^## .*$", page[:match.start()], flags=re.M)
        text = "".join(line[len(indent):] for line in body.splitlines(keepends=True))
        found.append((language, headings[-1] if headings else "", text))
    return found


def commands(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def source_copy(folder: Path) -> Path:
    """omxl's folder as a user gets it: the files git tracks (with their changes) and new ones it does not
    ignore; no build output, no environments, no .git."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, check=True).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def excel_page_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every bash command of docs/excel.md, run once in omxl's folder with a home folder of its own: the set-up
    section's first (it makes the environment the others' `omxl` comes from), then the rest in page order."""
    top = tmp_path_factory.mktemp("excel-page")
    clone = source_copy(top / "omxl")
    home, out = top / "home", top / "out"
    home.mkdir()
    out.mkdir()
    blocks = fenced_blocks(EXCEL_PAGE.read_text(encoding="utf-8"))
    shell = [text for language, section, text in blocks if language == "bash" and section == SET_UP]
    shell += [text for language, section, text in blocks if language == "bash" and section != SET_UP]
    (macos,) = [text for language, _, text in blocks if language in MACOS_ONLY]
    assert commands(macos) == ["~/omxl/.venv/bin/xlwings runpython install"]
    # The function xlwings' `runpython install` calls (cli.py binds it on macOS only); it copies the AppleScript.
    runpython = "~/omxl/.venv/bin/python -c 'import xlwings.cli as cli; cli.runpython_install(None)'"
    lines = [line.replace(*VENV).replace(*XLWINGS).replace("/tmp/", f"{out}/") for text in shell
             for line in commands(text)]
    lines.insert(lines.index("~/omxl/.venv/bin/pip install dist/omxl-*.whl") + 1, runpython)
    assert sum(VENV[1] in line for line in lines) == 1 and sum(XLWINGS[1] in line for line in lines) == 1
    env = without_source_path()
    env.update(HOME=str(home), PATH=f"{home}/omxl/.venv/bin{os.pathsep}{env['PATH']}")
    done = subprocess.run(["bash", "-euxo", "pipefail", "-c", "\n".join(lines)], cwd=clone, env=env,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    return {"clone": clone, "home": home, "out": out, "env": env, "lines": lines, "blocks": blocks}


def test_the_excel_page_marks_its_windows_commands_and_never_installs_omxl_from_the_index():
    page = EXCEL_PAGE.read_text(encoding="utf-8")
    blocks = fenced_blocks(page)
    assert page.count("```") == 2 * len(blocks)  # every fence is read
    assert {language for language, _, _ in blocks} <= set(LANGUAGES)
    assert [language for language, _, _ in blocks].count("bat") == 2
    for language, _, text in blocks:
        if language in WINDOWS_ONLY:
            # Shown only under a heading that says Windows, or after a line that says so.
            heading = re.findall(r"^#{2,3} .*$", page[:page.index(text.splitlines()[0])], flags=re.M)[-1]
            assert "Windows" in heading, heading
    import xlwings.cli

    # The macOS-only command is the one xlwings' command line binds to runpython_install, on macOS.
    cli_source = Path(xlwings.cli.__file__).read_text(encoding="utf-8")
    assert re.search(r'if sys\.platform\.startswith\("darwin"\):\s+runpython_parser = subparsers\.add_parser\(\s+'
                     r'"runpython"', cli_source)
    assert "runpython_install_parser.set_defaults(func=runpython_install)" in cli_source
    # `pip install omxl` appears only where the page and the README say not to use it.
    never = r"[^\n]{0,12}pip install (?:-U |--upgrade )?omxl(?![-\w])[^\n]{0,12}"
    assert re.findall(never, page) == ["age index: `pip install omxl` would inst"]
    assert re.findall(never, (ROOT / "README.md").read_text(encoding="utf-8")) == ["never with `pip install omxl`."]


def test_every_macos_command_of_the_excel_page_runs_from_a_built_wheel(excel_page_run: dict, tmp_path: Path):
    import xlwings

    clone, home, out, env = (excel_page_run[k] for k in ("clone", "home", "out", "env"))
    assert excel_page_run["lines"][:5] == [
        "python3 -m venv --system-site-packages ~/omxl/.venv", "~/omxl/.venv/bin/pip install build",
        "~/omxl/.venv/bin/python -m build --wheel", "~/omxl/.venv/bin/pip install dist/omxl-*.whl",
        "~/omxl/.venv/bin/python -c 'import xlwings.cli as cli; cli.runpython_install(None)'"]
    # One wheel, named as the Windows commands name it.
    (wheel,) = (clone / "dist").glob("omxl-*.whl")
    windows = "".join(text for language, _, text in excel_page_run["blocks"] if language == "bat")
    assert f"pip install dist\\{wheel.name}" in windows
    # omxl in the environment is the wheel's: in its site-packages, installed from dist/, not editable.
    python = home / "omxl" / ".venv" / "bin" / "python"
    probe = ("import importlib.metadata as m, json, omxl; print(omxl.__file__); "
             "print(json.loads(m.distribution('omxl').read_text('direct_url.json'))['url'])")
    where, url = subprocess.run([str(python), "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True,
                                check=True).stdout.split()
    assert Path(where).is_relative_to(home / "omxl" / ".venv" / "lib")
    assert url == (clone / "dist" / wheel.name).as_uri()
    # xlwings' AppleScript for Excel's sandbox, and the user's xlwings config naming the environment's Python.
    assert (home / "Library" / "Application Scripts" / "com.microsoft.Excel" /
            f"xlwings-{xlwings.__version__}.applescript").is_file()
    config = (home / ".xlwings" / "xlwings.conf").read_text(encoding="utf-8")
    assert config == f'"INTERPRETER_WIN","{home}/omxl/.venv/bin/python"\n'  # _WIN: xlwings' key off macOS
    # The workbooks the commands made: on Linux no interpreter is assumed, so they are the ready workbook.
    assert (out / "orders-with-buttons.xlsm").read_bytes() == WORKBOOK.read_bytes()
    assert (home / "orders-with-buttons.xlsm").read_bytes() == WORKBOOK.read_bytes()
    import openpyxl

    conf = openpyxl.load_workbook(out / "shared-orders.xlsm", keep_vba=True)["xlwings.conf"]
    assert [[cell.value for cell in row] for row in conf["A1:B4"]] == [
        ["UDF Modules", "omxl.excel.xlwings_adapter"],
        ["Interpreter_Win", r"%USERPROFILE%\omxl\.venv\Scripts\python.exe"],
        ["Interpreter_Mac", "$HOME/omxl/.venv/bin/python"], [None, None]]
