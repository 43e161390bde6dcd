#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh machine, then run it in three environments (runs 1 and 3 one
# after the other, then a few slow files of run 2, side by side with the rest of run 2; their output follows):
#   1. the core tests (marker `core`: reading, validation, reconciliation, planning) with python3 as it is,
#      without pyarrow, where pandas stores text in Python objects;
#   2. the whole suite in .venv-arrow/ (made here, git-ignored, reused on later runs): the same python3 and
#      packages plus pyarrow, where pandas stores text in Arrow;
#   3. the core tests in .venv-lowest/ (made here with uv, git-ignored, reused): every dependency at the lowest
#      version pyproject.toml allows (tests/constraints-lowest.txt: pandas 2, numpy 1), without pyarrow, so a
#      lower bound that no longer works fails here rather than on a user's machine.
# A fourth venv, .venv-statsforecast/ (made here with uv, git-ignored, reused), holds statsforecast for one test
# of the whole suite to run it in (tests/test_demand_statsforecast.py).
# All must pass. Extra arguments go to every pytest run (e.g. `-x`, `-k northwind`, a test file).
# PYTHON=/path/to/python picks the interpreter of run 1 (default python3); it must not have pyarrow.
# Used as-is by the README and by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
VENV=.venv-arrow
LOWEST=.venv-lowest
REFERENCE=.venv-statsforecast

if ! command -v soffice >/dev/null 2>&1; then
    echo "Installing LibreOffice (headless Calc), the independent spreadsheet program the tests open files with..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null
fi

# poppler's pdftoppm draws a printed report's pages as PNG pictures to look at (LibreOffice Calc exports no PNG).
if ! command -v pdftoppm >/dev/null 2>&1; then
    echo "Installing poppler-utils (pdftoppm: PDF pages as pictures, kept as test artifacts)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends poppler-utils >/dev/null
fi

# Carlito is Calibri's metric twin: with it LibreOffice lays text out as Excel does (the default font of the
# workbooks omxl writes), so a printed page breaks and wraps where it would in Excel.
if ! fc-list 2>/dev/null | grep -qi carlito; then
    echo "Installing the Carlito font (Calibri's metrics, for printing workbooks as Excel lays them out)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends fonts-crosextra-carlito >/dev/null
fi

# python-UNO drives LibreOffice where --convert-to cannot (a password-protected .xls, the buttons of an .ods);
# Debian's package gives it to the system Python (/usr/bin/python3), which the tests call in a subprocess.
if ! /usr/bin/python3 -c 'import uno' >/dev/null 2>&1 && ! "$PY" -c 'import uno' >/dev/null 2>&1; then
    echo "Installing python3-uno (LibreOffice's Python bridge, used to save a password-protected .xls)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends python3-uno >/dev/null
fi

# LibreOffice's Python script provider runs the Python scripts a document carries: the buttons of the .ods that
# `omxl libreoffice-setup` writes, which the tests press in LibreOffice.
if [ ! -f "$(dirname "$(readlink -f "$(command -v soffice)")")/pythonscript.py" ]; then
    echo "Installing libreoffice-script-provider-python (LibreOffice runs the .ods buttons' Python with it)..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends libreoffice-script-provider-python >/dev/null
fi

# The test tools at their newest, as a fresh machine gets them (a machine image may carry an older pytest), then
# omxl with the extras the tests need (omxl[test] holds omxl[notebook]).
"$PY" -m pip install -q --disable-pip-version-check --upgrade pytest
"$PY" -m pip install -q --disable-pip-version-check -e '.[test]'
if "$PY" -c 'import pyarrow' >/dev/null 2>&1; then
    echo "error: $("$PY" -c 'import sys; print(sys.executable)') has pyarrow installed, but the core tests must" \
         "also run without it. Uninstall it there, or name an interpreter without it: PYTHON=... bash scripts/test.sh" >&2
    exit 1
fi

# The second environment shares the first one's packages (--system-site-packages) and adds pyarrow, so the two
# runs differ in nothing else.
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "Creating $VENV (the packages of $PY, plus pyarrow)..."
    rm -rf "$VENV"
    "$PY" -m venv --system-site-packages "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[test,arrow]'

# The third environment is made by uv, which installs exact versions (pip would not go below what is there).
# It is a venv of its own: the lowest versions must not mix with the newest ones of $PY.
if ! "$PY" -m uv --version >/dev/null 2>&1; then
    echo "Installing uv (it installs the lowest allowed versions)..."
    "$PY" -m pip install -q --disable-pip-version-check uv
fi
"$PY" scripts/lowest_versions.py --check
if ! "$LOWEST/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "Creating $LOWEST (the lowest versions pyproject.toml allows)..."
    rm -rf "$LOWEST"
    "$PY" -m uv venv -q --python "$PY" "$LOWEST"
fi
# sync also removes what the constraints do not list (a pyarrow installed by hand, say).
"$PY" -m uv pip sync -q --python "$LOWEST/bin/python" tests/constraints-lowest.txt
"$PY" -m uv pip install -q --python "$LOWEST/bin/python" --no-deps -e .

# statsforecast, the independent implementation tests/test_demand_statsforecast.py compares omxl's Croston, SBA
# and TSB with, needs pandas < 3 (and pyarrow), so it gets a venv of its own that the test runs it in; omxl is not
# installed there.
if ! "$REFERENCE/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "Creating $REFERENCE (statsforecast, to compare the intermittent-demand methods with)..."
    rm -rf "$REFERENCE"
    "$PY" -m uv venv -q --python "$PY" "$REFERENCE"
fi
"$PY" -m uv pip install -q --python "$REFERENCE/bin/python" -r tests/statsforecast-requirements.txt

# Prints the environment, and fails unless pyarrow is there (or not) as this run means to test.
describe() {  # python, "with" or "without" pyarrow
    # (pandas 2.2.1 warns at import that pandas 3 will need pyarrow: not news here.)
    "$1" -W ignore::DeprecationWarning - "$2" <<'EOF'
import sys
import numpy as np
import pandas as pd
import pytest
try:
    import pyarrow
    arrow = f"pyarrow {pyarrow.__version__}"
except ImportError:
    pyarrow = None
    arrow = "no pyarrow"
text = pd.Series(["x"]).dtype
storage = getattr(text, "storage", None) or "NumPy objects"
print(f"   {sys.executable}: Python {sys.version.split()[0]}, pandas {pd.__version__}, numpy {np.__version__}, "
      f"{arrow}, pytest {pytest.__version__}; pandas makes new text {text} ({storage})")
if (pyarrow is not None) != (sys.argv[1] == "with"):
    sys.exit(f"error: this run is meant to be {sys.argv[1]} pyarrow")
EOF
}

# Runs pytest; exit code 5 (no tests collected) is a failure, except for the core run when the arguments select
# only non-core tests, which is said out loud.
run() {  # name, python, pytest arguments...
    local name=$1 python=$2 status=0
    shift 2
    "$python" -m pytest "$@" || status=$?
    if [ "$status" -eq 5 ] && [ "$name" = core ] && [ "$#" -gt 2 ]; then
        echo "== no core tests among the tests selected by: ${*:3} (nothing to run without pyarrow) =="
        status=0
    elif [ "$status" -eq 5 ]; then
        echo "error: the $name run collected no tests" >&2
    fi
    return "$status"
}

failed=()
# The two core runs go side by side with the whole suite (two cores: the suite waits on LibreOffice much of its
# time), each with its own temporary folder and its output kept until the suite is done, then printed in order.
# So that both cores finish at about the same time, a few slow files of the whole suite (they wait on LibreOffice
# or on processes they start) run on the core runs' side, after them, in the same pyarrow environment: the
# whole suite still runs, in two parts. Given arguments (a file, -k ...), the whole suite's run takes them all.
SECOND_PART=(tests/test_install.py tests/test_libreoffice.py tests/test_weekly_print.py tests/test_writeback_kill.py
             tests/test_pick_lists.py)
FIRST_PART=()
if [ "$#" -eq 0 ]; then
    for file in "${SECOND_PART[@]}"; do FIRST_PART+=("--ignore=$file"); done
fi
LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
(
    set +e
    {
        echo "== core tests without pyarrow =="
        describe "$PY" without && PYTEST_ADDOPTS="--basetemp=$LOGS/core-tmp -p no:cacheprovider" run core "$PY" -m core "$@"
    } >"$LOGS/core.log" 2>&1
    echo $? >"$LOGS/core.status"
    {
        echo "== core tests with the lowest allowed versions =="
        describe "$LOWEST/bin/python" without &&
            PYTEST_ADDOPTS="--basetemp=$LOGS/lowest-tmp -p no:cacheprovider" run core "$LOWEST/bin/python" -m core "$@"
    } >"$LOGS/lowest.log" 2>&1
    echo $? >"$LOGS/lowest.status"
    if [ "$#" -eq 0 ]; then
        {
            echo "== whole suite with pyarrow, second part: ${SECOND_PART[*]} =="
            PYTEST_ADDOPTS="--basetemp=$LOGS/second-tmp -p no:cacheprovider" \
                run whole "$VENV/bin/python" "${SECOND_PART[@]}"
        } >"$LOGS/second.log" 2>&1
        echo $? >"$LOGS/second.status"
    fi
) &
cores=$!

echo "== whole suite with pyarrow =="
describe "$VENV/bin/python" with
run whole "$VENV/bin/python" ${FIRST_PART[@]+"${FIRST_PART[@]}"} "$@" || failed+=("whole suite with pyarrow")

wait "$cores" || true
cat "$LOGS/core.log"
[ "$(cat "$LOGS/core.status" 2>/dev/null)" = 0 ] || failed+=("core tests without pyarrow")
cat "$LOGS/lowest.log"
[ "$(cat "$LOGS/lowest.status" 2>/dev/null)" = 0 ] || failed+=("core tests with the lowest allowed versions")
if [ "$#" -eq 0 ]; then
    cat "$LOGS/second.log"
    [ "$(cat "$LOGS/second.status" 2>/dev/null)" = 0 ] || failed+=("whole suite with pyarrow, second part")
fi

if [ "${#failed[@]}" -gt 0 ]; then
    printf 'FAILED: %s\n' "${failed[@]}" >&2
    exit 1
fi
echo "== all three environments passed =="
