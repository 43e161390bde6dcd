"""Save a workbook as a password-protected legacy .xls with headless LibreOffice, through python-UNO.

No Python library writes an encrypted .xls, and `soffice --convert-to` takes no password, so the tests
drive LibreOffice itself: load the workbook, store it with the "MS Excel 97" filter and a `Password`
(LibreOffice then encrypts the records with RC4 CryptoAPI, as Excel does).

Run with the Python that has the `uno` module (Debian package python3-uno, usually /usr/bin/python3):
    python3 lo_save_with_password.py SOURCE TARGET.xls PASSWORD PROFILE_DIR
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def props(**values) -> tuple:
    out = []
    for key, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = key, value
        out.append(prop)
    return tuple(out)


def main(source: str, target: str, password: str, profile: str) -> None:
    pipe = f"omxl{uuid.uuid4().hex}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={Path(profile).resolve().as_uri()}", "--headless", "--invisible",
         "--nologo", "--nodefault", "--norestore", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 90
        while True:
            try:
                context = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except NoConnectException:
                if time.monotonic() > deadline or office.poll() is not None:
                    raise SystemExit("LibreOffice did not start")
                time.sleep(0.3)
        desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
        document = desktop.loadComponentFromURL(Path(source).resolve().as_uri(), "_blank", 0, props(Hidden=True))
        document.storeToURL(Path(target).resolve().as_uri(), props(FilterName="MS Excel 97", Password=password))
        document.close(True)
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge closes as the office exits
            pass
        office.wait(timeout=60)
    finally:
        if office.poll() is None:
            office.kill()
            office.wait()


if __name__ == "__main__":
    main(*sys.argv[1:5])
