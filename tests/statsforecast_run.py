"""Runs statsforecast's CrostonClassic, CrostonSBA and TSB on series given as a .npy file: the independent
implementation tests/test_demand_statsforecast.py compares omxl.reorder's methods with.

Run by that test in statsforecast's own environment (.venv-statsforecast/, made by scripts/test.sh: statsforecast
needs pandas < 3, which omxl's environments do not have). Usage: python statsforecast_run.py SERIES.npy OUT.npz,
SERIES a float64 array of one series per row; OUT gets `forecast` (series x 3 models: the forecast of the next
period) and `fitted` (series x 3 x periods: the one-step-ahead forecasts, NaN where there is none), and `version`."""

import sys

import numpy as np
import statsforecast
from statsforecast.models import TSB, CrostonClassic, CrostonSBA

series = np.load(sys.argv[1])
if series.dtype != np.float64 or series.ndim != 2:
    sys.exit(f"expected a 2-D float64 array, got {series.dtype} of shape {series.shape}")
models = (CrostonClassic(), CrostonSBA(), TSB(alpha_d=0.1, alpha_p=0.1))
forecast = np.empty((series.shape[0], len(models)), dtype=np.float64)
fitted = np.empty((series.shape[0], len(models), series.shape[1]), dtype=np.float64)
for row, values in enumerate(series):
    for column, model in enumerate(models):
        result = model.forecast(values, h=1, fitted=True)
        forecast[row, column] = result["mean"][0]
        fitted[row, column] = result["fitted"]
np.savez(sys.argv[2], forecast=forecast, fitted=fitted, version=np.array(statsforecast.__version__))
