"""Write tests/constraints-lowest.txt: the lowest versions pyproject.toml allows, which scripts/test.sh tests in.

    python3 scripts/lowest_versions.py          # resolve again (after changing a lower bound) and write the file
    python3 scripts/lowest_versions.py --check  # exit 1 when the file was made from other requirements

The runtime dependencies and the test extras are resolved with `uv pip compile --resolution lowest-direct`:
each of them at its lower bound, what they need in turn at its newest version that fits. The result is
committed rather than resolved on every test run, so the lowest-versions run tests the same packages until a
lower bound changes, not whatever a package released since; the file's first lines name the requirements it
was made from, so --check (run by scripts/test.sh) notices a bound changed without the file being made again.
Needs uv (python3 -m pip install uv).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "constraints-lowest.txt"
PYTHON = "3.11"   # the lowest Python of requires-python
MARK = "# from: "


def requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return list(dict.fromkeys(project["dependencies"] + _extra(project, "test")))


def _extra(project: dict, name: str) -> list[str]:
    """An extra's requirements, with the extras it names of omxl itself ("omxl[notebook]") put in their place."""
    found = []
    for requirement in project["optional-dependencies"][name]:
        if requirement.startswith(f"{project['name']}["):
            for other in requirement[len(project["name"]) + 1:-1].split(","):
                found += _extra(project, other.strip())
        else:
            found.append(requirement)
    return found


def header(wanted: list[str]) -> str:
    return ("# The lowest versions pyproject.toml allows (runtime dependencies and test extras), resolved by\n"
            "# `python3 scripts/lowest_versions.py`; scripts/test.sh runs the core tests with them. Do not edit.\n"
            + "".join(f"{MARK}{r}\n" for r in wanted))


def resolve(wanted: list[str]) -> str:
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "requirements.in"
        source.write_text("\n".join(wanted) + "\n", encoding="utf-8")
        return subprocess.run(
            [sys.executable, "-m", "uv", "pip", "compile", "--quiet", "--resolution", "lowest-direct",
             "--python-version", PYTHON, "--no-header", "--no-annotate", str(source)],
            check=True, capture_output=True, text=True).stdout


def main(argv: list[str]) -> int:
    wanted = requirements()
    if argv == ["--check"]:
        made_from = [line[len(MARK):] for line in OUT.read_text(encoding="utf-8").splitlines()
                     if line.startswith(MARK)] if OUT.exists() else None
        if made_from != wanted:
            print(f"error: {OUT.relative_to(ROOT)} was not made from the requirements of pyproject.toml; "
                  "run `python3 scripts/lowest_versions.py` and commit the file", file=sys.stderr)
            return 1
        return 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    OUT.write_text(header(wanted) + resolve(wanted), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
