"""Make docs/images/pick-list.png: the first printed page of the pick list of a small, realistic book (a dozen
items on shelves and bins in two locations, two carriers), printed by headless LibreOffice to PDF and rendered
at 70 dpi with pdftoppm.

    python scripts/pick_list_picture.py            # writes docs/images/pick-list.png
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import omxl  # noqa: E402
from omxl.dispatching import dispatch  # noqa: E402

ITEMS = [("BR-040", "Angle bracket 40 mm, zinc plated", "A", "01"), ("BT-860", "Bolt M8 x 60, box of 50", "A", "04"),
         ("CT-300", "Cable tie 300 mm, black, bag of 100", "B", "02"), ("DH-100", "Door hinge 100 mm, stainless", "B", "07"),
         ("GL-500", "Wood glue 500 ml", "C", "03"), ("HK-020", "Picture hook 20 kg, brass", "C", "05"),
         ("LD-040", "LED bulb E27 4 W, warm white", "D", "01"), ("MS-035", "Masking tape 36 mm x 50 m", "D", "06"),
         ("NL-050", "Nail 50 mm, galvanised, 1 kg", "E", "02"), ("SC-440", "Wood screw 4 x 40, box of 200", "E", "08"),
         ("TP-048", "Packing tape 48 mm, clear", "F", "01"), ("WS-010", "Washer M10, box of 100", "F", "04")]
CUSTOMERS = ["Harbour Hardware", "Mill Lane DIY", "Quayside Builders", "Northgate Tools", "Riverside Homes"]


def book():
    orders = []
    for number in range(14):
        customer = CUSTOMERS[number % len(CUSTOMERS)]
        for line in range(1, 2 + number % 3):
            sku = ITEMS[(number * 5 + line * 3) % len(ITEMS)][0]
            orders.append(dict(order_id=f"SO-26{number + 101}", line=line, order_date=pd.Timestamp("2026-11-20"),
                               customer_id=customer, sku=sku, qty=float(4 + (number * 7 + line * 3) % 23),
                               promised_date=pd.Timestamp("2026-11-30") + pd.Timedelta(days=number % 6),
                               priority=1 + number % 3, carrier=("DHL", "UPS")[number % 2]))
    inventory = []
    for sku, description, aisle, bin_ in ITEMS:
        inventory.append(dict(sku=sku, description=description, on_hand=40.0, location="MAIN",
                              shelf=f"{aisle}-{bin_[-1]}", bin=bin_))
        inventory.append(dict(sku=sku, description=description, on_hand=25.0, location="WEST",
                              shelf=f"W{aisle}", bin=bin_))
    return omxl.read_book({"orders": pd.DataFrame(orders), "inventory": pd.DataFrame(inventory)})


def main() -> None:
    target = ROOT / "docs" / "images" / "pick-list.png"
    with tempfile.TemporaryDirectory(prefix="omxl-pick-picture-") as folder:
        out = Path(folder)
        workbook = dispatch(book(), as_of="2026-11-27").save(out / "pick-list.xlsx")
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        subprocess.run([soffice, f"-env:UserInstallation=file://{out / 'profile'}", "--headless", "--convert-to",
                        "pdf", "--outdir", str(out), str(workbook)], check=True, capture_output=True, timeout=180)
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", str(out / "pick-list.pdf"),
                        str(out / "page")], check=True)
        page = next(out.glob("page*.png"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(page, target)
    print(target)


if __name__ == "__main__":
    main()
