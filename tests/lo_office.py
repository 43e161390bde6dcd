"""Headless LibreOffice driven through python-UNO, for the test scripts that need more than `--convert-to`
(tests/lo_save_with_password.py, tests/lo_list_buttons.py). Imported by those scripts, which run with the
Python that has the `uno` module (python3-uno, usually /usr/bin/python3), never by pytest itself."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException


def props(**values) -> tuple:
    """UNO PropertyValues from keyword arguments."""
    out = []
    for key, value in values.items():
        prop = PropertyValue()
        prop.Name, prop.Value = key, value
        out.append(prop)
    return tuple(out)


def office_environment() -> dict:
    """The environment LibreOffice starts with: this one, with this Python's folder first on PATH. LibreOffice's
    embedded Python finds its standard library from the first python3 on PATH; another Python's there (pytest's
    pyenv or venv Python) gives it a standard library of another build, and every Python script then fails
    (as std::bad_alloc)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    return env


@contextlib.contextmanager
def office_desktop(profile: str):
    """A LibreOffice started headless with its own profile folder, listening on a private pipe; yields its
    Desktop (which loads documents) and shuts the office down afterwards, killing it if it does not exit."""
    pipe = f"omxl{uuid.uuid4().hex}"
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation={Path(profile).resolve().as_uri()}", "--headless", "--invisible",
         "--nologo", "--nodefault", "--norestore", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=office_environment())
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
        yield desktop
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge closes as the office exits
            pass
        office.wait(timeout=60)
    finally:
        # `soffice` is a launcher that starts soffice.bin: the whole process group goes, or the office would live
        # on (and keep lock files on the documents it had open).
        try:
            os.killpg(office.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        office.wait()
