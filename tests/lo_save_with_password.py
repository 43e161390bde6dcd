"""Save a workbook as a password-protected legacy .xls with headless LibreOffice, through python-UNO.

No Python library writes an encrypted .xls, and `soffice --convert-to` takes no password, so the tests
drive LibreOffice itself: load the workbook, store it with the "MS Excel 97" filter and a `Password`
(LibreOffice then encrypts the records with RC4 CryptoAPI, as Excel does).

Run with the Python that has the `uno` module (Debian package python3-uno, usually /usr/bin/python3):
    python3 lo_save_with_password.py SOURCE TARGET.xls PASSWORD PROFILE_DIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from lo_office import office_desktop, props  # beside this script


def main(source: str, target: str, password: str, profile: str) -> None:
    with office_desktop(profile) as desktop:
        document = desktop.loadComponentFromURL(Path(source).resolve().as_uri(), "_blank", 0, props(Hidden=True))
        document.storeToURL(Path(target).resolve().as_uri(), props(FilterName="MS Excel 97", Password=password))
        document.close(True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
