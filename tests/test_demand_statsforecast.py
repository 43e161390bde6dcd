"""omxl.reorder's Croston, SBA and TSB equal an independent implementation, statsforecast's CrostonClassic,
CrostonSBA and TSB (alpha 0.1, float64), to 1e-9: on the weekly series of 20 Online Retail SKUs and on the series
tests/test_demand_methods.py computes by hand; the forecast and every one-step-ahead forecast. Issue "Planning by
demand class", docs/reorder-planning.md.

statsforecast needs pandas < 3 and, through fugue and triad, pyarrow, so it runs in an environment of its own,
.venv-statsforecast/, which scripts/test.sh makes (statsforecast pinned in tests/statsforecast-requirements.txt);
tests/statsforecast_run.py runs it there. STATSFORECAST_PYTHON names another interpreter that has it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from omxl import reorder

from conftest import ROOT
from online_retail_weekly import online_retail_weekly, twenty_skus

METHODS = ((reorder.croston, reorder.croston_fitted), (reorder.sba, reorder.sba_fitted),
           (reorder.tsb, reorder.tsb_fitted))
HAND_SERIES = [0.0, 3.0, 0.0, 0.0, 5.0, 0.0, 2.0]   # tests/test_demand_methods.py's, computed there by hand


def statsforecast_python() -> Path:
    named = os.environ.get("STATSFORECAST_PYTHON")
    python = Path(named) if named else ROOT / ".venv-statsforecast" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"statsforecast's environment is missing ({python}): `bash scripts/test.sh` makes it, or set "
                    "STATSFORECAST_PYTHON to a Python that has statsforecast (tests/statsforecast-requirements.txt)")
    return python


def run_statsforecast(series: np.ndarray, folder: Path) -> dict[str, np.ndarray]:
    np.save(folder / "series.npy", series)
    done = subprocess.run([str(statsforecast_python()), str(ROOT / "tests" / "statsforecast_run.py"),
                           str(folder / "series.npy"), str(folder / "statsforecast.npz")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with np.load(folder / "statsforecast.npz") as results:
        return {name: results[name] for name in results.files}


def ours(series: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    forecast = np.array([[method(values) for method, _ in METHODS] for values in series])
    fitted = np.array([[method(values) for _, method in METHODS] for values in series])
    return forecast, fitted


def test_equals_statsforecast_on_online_retail(tmp_path):
    weekly = online_retail_weekly()
    assert weekly.shape == (2057, 54)
    skus = twenty_skus(weekly)
    assert skus[:3] == ["20724", "20725", "20728"] and skus[-1] == "22379"
    assert ((weekly.loc[skus] == 0).sum(axis=1) == 50).all()
    series = weekly.loc[skus].to_numpy(np.float64)
    theirs = run_statsforecast(series, tmp_path)
    with open(ROOT / "tests" / "statsforecast-requirements.txt", encoding="utf-8") as pins:
        assert f"statsforecast=={theirs['version']}" in pins.read()

    forecast, fitted = ours(series)
    assert theirs["forecast"].shape == (20, 3) and theirs["fitted"].shape == (20, 3, 54)
    np.testing.assert_allclose(forecast, theirs["forecast"], rtol=1e-9, atol=1e-9)
    # Every one-step-ahead forecast, week by week; the first week has none in both (NaN in the same places).
    np.testing.assert_allclose(fitted, theirs["fitted"], rtol=1e-9, atol=1e-9, equal_nan=True)
    assert np.isnan(fitted[:, :, 0]).all() and not np.isnan(fitted[:, :, 1:]).any()
    # The SKU that sold in week 1 (40 units) and 1, 5 and 5 later: Croston 5.1154 a week, SBA 95% of it.
    assert forecast[-1].tolist() == pytest.approx([5.115384615384616, 4.859615384615385, 3.1806220315475096],
                                                  abs=1e-9)


def test_equals_statsforecast_on_the_hand_computed_series(tmp_path):
    series = np.array([HAND_SERIES], dtype=np.float64)
    theirs = run_statsforecast(series, tmp_path)
    # The hand computation (tests/test_demand_methods.py): Croston 3.08 / 2.09, SBA 0.95 of it, TSB 0.240049 * 3.08.
    assert theirs["forecast"][0].tolist() == pytest.approx([3.08 / 2.09, 0.95 * 3.08 / 2.09, 0.240049 * 3.08],
                                                           abs=1e-12)
    forecast, fitted = ours(series)
    np.testing.assert_allclose(forecast, theirs["forecast"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fitted, theirs["fitted"], rtol=1e-9, atol=1e-9, equal_nan=True)
