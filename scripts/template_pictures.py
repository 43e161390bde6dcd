"""Pictures of the example template before and after rendering, for docs/templates.md.

    python3 scripts/template_pictures.py

Renders omxl/shipped/late_lines.xlsx with the worked example's context, prints both workbooks to PDF with headless
LibreOffice and turns each page into a PNG (pdftoppm) in docs/images/: templates-before-N.png, templates-after-N.png.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's omxl, not an installed one

import omxl  # noqa: E402
IMAGES = ROOT / "docs" / "images"


def example_context() -> dict:
    late = pd.DataFrame({
        "order_id": ["SO-1", "SO-2", "SO-3"],
        "customer_name": ["Acme", '=HYPERLINK("http://x","y")', "Initech"],
        "sku": ["A-1", "B-2", "C-3"],
        "open_qty": [5, 7, 9],
        "promised_date": pd.to_datetime(["2026-11-01", "2026-11-10", "2026-11-20"]),
        "days_late": [26, 17, 7],
        "open_value": [10.5, 20.25, 30.0],
    })
    return {"as_of": dt.date(2026, 11, 27), "company": "Fabrikam & Sons", "late_lines": late,
            "kpis": {"otif_line_rate": 0.873, "open_value": 60.75, "worst_customer": "Acme"}}


def pictures(workbook: Path, stem: str, folder: Path) -> list[Path]:
    subprocess.run(["soffice", f"-env:UserInstallation=file://{folder}/profile", "--headless", "--convert-to", "pdf",
                    "--outdir", str(folder), str(workbook)], check=True, capture_output=True, timeout=180)
    pdf = folder / f"{workbook.stem}.pdf"
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf), str(IMAGES / stem)], check=True, timeout=60)
    return sorted(IMAGES.glob(f"{stem}-*.png"))


def main() -> None:
    IMAGES.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        template = ROOT / "omxl" / "shipped" / "late_lines.xlsx"
        filled = omxl.render_template(template, example_context(), folder / "late_lines-filled.xlsx")
        for path in pictures(template, "templates-before", folder) + pictures(filled, "templates-after", folder):
            print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
