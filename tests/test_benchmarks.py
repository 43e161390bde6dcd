"""The benchmark harness runs end to end (its figures are measured by hand, not here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_pipeline_benchmark_runs_every_stage_on_a_small_book():
    result = subprocess.run([sys.executable, "-m", "benchmarks.pipeline", "--lines", "1000", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    stages = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(stages) == ["read", "validate", "reconcile", "reorder", "write_back", "prepared", "write_status",
                            "reconcile_out", "weekly", "weekly_out"]
    assert all(entry["seconds"] > 0 and entry["peak_rss_mb"] > 0 for entry in stages.values())


def test_online_retail_benchmark_says_when_its_data_is_missing(tmp_path):
    result = subprocess.run([sys.executable, "-m", "benchmarks.online_retail", "--data", str(tmp_path / "none")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"online_retail: no daily CSV files in {tmp_path / 'none'} (the Online Retail data set is not there; "
        "pass --data DIR)"]


def test_online_retail_benchmark_checks_its_defect_counts_against_pandas():
    """On the excerpt in tests/data: every count omxl's validation gives agrees with plain pandas."""
    result = subprocess.run([sys.executable, "-m", "benchmarks.online_retail", "--data",
                             str(ROOT / "tests" / "data" / "online_retail")], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    checks = [line.split() for line in result.stdout.splitlines() if line.rstrip().endswith((" ok", "DIFFERS"))]
    assert len(checks) == 6 and all(check[-1] == "ok" for check in checks)
    lines = next(check for check in checks if check[0] == "lines")
    assert lines[-4:] == ["5,910", "pandas", "5,910", "ok"]
    cancellations = next(check for check in checks if "(cancellation)" in check)
    assert cancellations[-4:] == ["38", "pandas", "38", "ok"]


def test_template_benchmark_renders_a_small_table():
    result = subprocess.run([sys.executable, "-m", "benchmarks.templates", "--rows", "500", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    stages = json.loads(result.stdout.strip().splitlines()[-1])
    assert list(stages) == ["frame", "render"]
    assert "500 rows x 10 columns" in result.stdout
