"""LibreOffice started headless and reached through python-UNO, for `omxl libreoffice-setup` (and the tests that
press the buttons of the document it writes). docs/libreoffice.md.

python-UNO is LibreOffice's own bridge (Debian: python3-uno). It is a compiled module for the Python that
LibreOffice runs, so it imports into another Python of the same minor version only; `uno_module()` finds it
where the packages put it without adding that folder to the search path for anything else (a distribution's
folder of packages would otherwise shadow the environment's own pandas or numpy).
"""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

from ..errors import OmxlError

# Where python-UNO lives: Debian and Ubuntu's python3-uno, Fedora's libreoffice-pyuno, LibreOffice's own
# packages and builds (the program folder).
UNO_FOLDERS = ("/usr/lib/python3/dist-packages", f"/usr/lib64/python{sys.version_info[0]}.{sys.version_info[1]}"
               "/site-packages", "/usr/lib/libreoffice/program", "/opt/libreoffice/program",
               "/usr/lib64/libreoffice/program")
PYTHON_PROVIDER = "com.sun.star.script.provider.ScriptProviderForPython"
INSTALL_HINT = ("On Debian or Ubuntu: sudo apt-get install libreoffice-calc libreoffice-script-provider-python "
                "python3-uno (docs/libreoffice.md).")
START_SECONDS = 90


class OfficeError(OmxlError):
    """LibreOffice, its Python bridge or its Python script provider is missing or would not start; the message
    says what to install."""


def soffice() -> str:
    """The LibreOffice program (`soffice`), or OfficeError with the install hint."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise OfficeError("LibreOffice is not installed here (no 'soffice' program on the PATH), and "
                          f"libreoffice-setup needs it to write the .ods. {INSTALL_HINT}")
    return found


def uno_module() -> ModuleType:
    """python-UNO's `uno` module, imported from where LibreOffice's packages put it."""
    try:
        return importlib.import_module("uno")
    except ImportError:
        pass
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    for folder in UNO_FOLDERS:
        if not (Path(folder) / "uno.py").is_file():
            continue
        sys.path.insert(0, folder)
        try:
            module = importlib.import_module("uno")
            importlib.import_module("unohelper")
            return module
        except ImportError:
            continue
        finally:
            sys.path.remove(folder)
    raise OfficeError(f"LibreOffice's Python bridge (python-UNO) does not import into this Python {version} "
                      f"({sys.executable}). {INSTALL_HINT} It imports only into a Python of the version LibreOffice "
                      "runs (on Debian 12: /usr/bin/python3, 3.11): make omxl's environment with that Python, "
                      "e.g. /usr/bin/python3 -m venv ~/omxl/.venv.")


def props(**values: Any) -> tuple:
    """UNO PropertyValues from keyword arguments (the arguments of loadComponentFromURL, storeToURL, ...)."""
    uno = uno_module()
    found = []
    for key, value in values.items():
        prop = uno.createUnoStruct("com.sun.star.beans.PropertyValue")
        prop.Name, prop.Value = key, value
        found.append(prop)
    return tuple(found)


class Office:
    """A LibreOffice started headless with a profile of its own, listening on a private pipe.

        with Office.started() as office:
            document = office.load(path)

    The profile is a fresh folder (the user's own LibreOffice and its settings are never touched) unless one is
    given; the office is shut down when the block ends, killed if it does not exit."""

    def __init__(self, process: subprocess.Popen, context: Any):
        self.process = process
        self.context = context
        self.desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)

    @classmethod
    def started(cls, profile: str | os.PathLike | None = None) -> "_Started":
        return _Started(cls, profile)

    def load(self, path: str | os.PathLike, *, macros: bool = False, hidden: bool = True) -> Any:
        """Open a document. `macros`: let its scripts run (MacroExecutionMode ALWAYS_EXECUTE_NO_WARN, as a
        trusted location does), else never (NEVER_EXECUTE)."""
        url = Path(path).resolve().as_uri()
        document = self.desktop.loadComponentFromURL(url, "_blank", 0, props(
            Hidden=hidden, MacroExecutionMode=4 if macros else 0, UpdateDocMode=0))
        if document is None:
            raise OfficeError(f"{Path(path).name}: LibreOffice could not open it (a damaged file, a password, or a "
                              "format LibreOffice does not read). Open it in LibreOffice Calc to see why, save it as "
                              ".xlsx or .ods, and run again.")
        return document

    def has_python_scripts(self) -> bool:
        """Whether this LibreOffice can run Python scripts (its Python script provider is installed)."""
        manager = self.context.ServiceManager
        return PYTHON_PROVIDER in manager.getAvailableServiceNames()

    def close(self) -> None:
        """Ask the office to exit and give it a minute; what is left is killed when the `with` block ends."""
        try:
            self.desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge closes as the office exits
            pass
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass


class _Started:
    """`with Office.started() as office:` a class, not a generator: contextlib re-raises an exception by setting its
    __traceback__, which UNO's exceptions refuse (a failed call in the block would surface as a confusing
    'Couldn't convert <traceback>')."""

    def __init__(self, office_class: type[Office], profile: str | os.PathLike | None):
        self.office_class = office_class
        self.profile = profile
        self.folder: tempfile.TemporaryDirectory | None = None
        self.process: subprocess.Popen | None = None
        self.office: Office | None = None

    def __enter__(self) -> Office:
        uno = uno_module()
        if self.profile is None:
            self.folder = tempfile.TemporaryDirectory(prefix="omxl-office-")
        folder = Path(self.profile if self.profile is not None else self.folder.name)  # type: ignore[union-attr]
        pipe = f"omxl{uuid.uuid4().hex}"
        self.process = subprocess.Popen(
            [soffice(), f"-env:UserInstallation={folder.resolve().as_uri()}", "--headless", "--invisible",
             "--nologo", "--nodefault", "--norestore", "--nolockcheck", f"--accept=pipe,name={pipe};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            self.office = self.office_class(self.process, _connect(uno, pipe, self.process))
        except BaseException:
            self._clean_up()
            raise
        return self.office

    def __exit__(self, *exc: object) -> None:
        try:
            if self.office is not None:
                self.office.close()
        finally:
            self._clean_up()

    def _clean_up(self) -> None:
        if self.process is not None:
            _stop(self.process)
        if self.folder is not None:
            self.folder.cleanup()


def _stop(process: subprocess.Popen) -> None:
    """Kill what is left of the office: `soffice` is a launcher that starts soffice.bin, so the whole process
    group it leads goes (the office would otherwise keep running, and keep lock files on the documents it had
    open)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.kill()
    process.wait()


def _connect(uno: ModuleType, pipe: str, process: subprocess.Popen) -> Any:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    no_connection = uno.getClass("com.sun.star.connection.NoConnectException")
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except no_connection:
            if process.poll() is not None:
                raise OfficeError(f"LibreOffice ({soffice()}) stopped before it could be reached (exit code "
                                  f"{process.returncode}). {INSTALL_HINT}") from None
            if time.monotonic() > deadline:
                raise OfficeError(f"LibreOffice did not answer within {START_SECONDS} s.") from None
            time.sleep(0.2)
