"""A package that installs: a wheel built from this source, installed into a fresh environment (not editable),
runs `omxl weekly` on the sample from a folder that has nothing of the source beside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, SAMPLE


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
            "omxl/shipped/email/supplier-po.html", "omxl/py.typed"} <= names
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
                    "--ignore-installed", str(wheel)], check=True, timeout=300)
    where = subprocess.run([str(python), "-c", "import omxl; print(omxl.__file__)"], capture_output=True, text=True,
                           cwd=tmp_path, check=True).stdout.strip()
    assert Path(where).is_relative_to(env)
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(SAMPLE, work / "sample.xlsx")
    done = subprocess.run([str(env / "bin" / "omxl"), "weekly", "sample.xlsx", "--as-of", "2026-11-27", "-q"],
                          cwd=work, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr       # the sample's deliberate errors; 2 or 3 would be a failure
    assert "Wrote weekly-status-2026-W48.xlsx." in done.stderr
    assert (work / "weekly-status-2026-W48.xlsx").stat().st_size > 20_000
    assert "OTIF line rate" in done.stdout
