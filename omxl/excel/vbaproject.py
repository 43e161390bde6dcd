"""omxl's VBA project: the xlwings quickstart project with omxl's button module in place of its sample.

`xlwings quickstart NAME --standalone` copies the workbook xlwings ships (quickstart_standalone.xlsm in the
installed package). Its vbaProject.bin holds the `xlwings` module (RunPython and friends, for the very
xlwings version installed), a `Dictionary` class, the document modules ThisWorkbook, Sheet1 and Sheet2, and
`Module1` with a sample `SampleCall`. The project is "version independent" (its _VBA_PROJECT stream holds no
compiled code), so Excel compiles it from source when it opens the workbook.

omxl_project() keeps the xlwings module, the Dictionary class and ThisWorkbook as they are, drops Module1 and
the two empty sheet modules (the workbook omxl builds has other sheets; Excel makes a sheet's module itself),
and adds the module `omxl` whose subs call RunPython (buttons()). Editing means rewriting three streams (MS-OVBA
2.3): `VBA/dir` (the module records, compressed: ovba), `PROJECT` (a text list of modules) and `PROJECTwm`
(module names in two encodings), and writing a new compound file (cfb). See docs/excel.md.
"""

from __future__ import annotations

import importlib.util
import io
import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import OmxlError
from ..steps import with_buttons
from . import ovba
from .cfb import write_compound


MODULE_NAME = "omxl"
VBA_PART = "xl/vbaProject.bin"
DROPPED_MODULES = ("Module1", "Sheet1", "Sheet2")
CODE_PAGE = "cp1252"


@dataclass(frozen=True)
class Button:
    """One action: the VBA sub a button runs, the omxl.macros function it calls, the button's caption."""

    sub: str
    function: str
    caption: str


# The last button runs the action chosen in the Control sheet's B2.
RUN_CHOSEN = Button("omxl_run", "main", "Run the chosen action")


def buttons() -> tuple[Button, ...]:
    """One button per step with a button in omxl.steps.REGISTRY (its sub `omxl_<step>` calls
    `omxl.macros.<step>()`), in registry order, then RUN_CHOSEN."""
    return (*(Button(f"omxl_{step.name}", step.name, step.button) for step in with_buttons()), RUN_CHOSEN)


class VbaProjectError(OmxlError):
    """The xlwings VBA project cannot be found or read; the message says what to do."""


def module_source() -> str:
    """The VBA source of the `omxl` module: one sub per button, each a RunPython call."""
    lines = [f'Attribute VB_Name = "{MODULE_NAME}"',
             "' The omxl buttons. Each runs one action of the Python package omxl through xlwings' RunPython;",
             "' the result, or a problem in plain words, appears on the omxl sheet in cell B4.",
             "Option Explicit", ""]
    for button in buttons():
        lines += [f"Sub {button.sub}()",
                  f'    RunPython "import omxl.macros; omxl.macros.{button.function}()"',
                  "End Sub", ""]
    return "\r\n".join(lines)


def quickstart_workbook() -> Path:
    """The standalone quickstart workbook of the installed xlwings, found without importing xlwings."""
    spec = importlib.util.find_spec("xlwings")
    if spec is None or spec.origin is None:
        raise VbaProjectError("xlwings is not installed, and the omxl buttons run through it. Install it "
                              "(pip install xlwings) and run again.")
    path = Path(spec.origin).parent / "quickstart_standalone.xlsm"
    if not path.is_file():
        raise VbaProjectError(f"{path}: the xlwings installation lacks its quickstart workbook. Reinstall "
                              "xlwings (pip install --force-reinstall xlwings) and run again.")
    return path


def quickstart_project(workbook: Path | None = None) -> bytes:
    """The vbaProject.bin of `workbook` (an .xlsm made by `xlwings quickstart --standalone`; by default the
    installed xlwings' own quickstart workbook, which that command copies)."""
    path = workbook or quickstart_workbook()
    try:
        with zipfile.ZipFile(path) as archive:
            return archive.read(VBA_PART)
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise VbaProjectError(f"{path}: no VBA project can be read from it ({exc}). Reinstall xlwings "
                              "and run again.") from None


def omxl_project(quickstart: bytes | None = None) -> bytes:
    """The vbaProject.bin omxl puts in a workbook, made from `quickstart` (see the module doc)."""
    import olefile  # imported on use (start-up time): only excel-setup builds a VBA project

    data = quickstart if quickstart is not None else quickstart_project()
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path): ole.openstream(path).read() for path in ole.listdir()}
    except OSError as exc:
        raise VbaProjectError(f"the xlwings VBA project is not a compound file ({exc}). Reinstall xlwings "
                              "and run again.") from None
    missing = [name for name in ("VBA/dir", "PROJECT", "PROJECTwm", "VBA/xlwings") if name not in streams]
    if missing:
        raise VbaProjectError(f"the xlwings VBA project lacks {', '.join(missing)}. Reinstall xlwings and run "
                              "again.")
    head, modules, tail = _parse_dir(ovba.decompress(streams["VBA/dir"]))
    kept = [m for m in modules if _module_name(m) not in DROPPED_MODULES]
    kept.append(_procedural_module(MODULE_NAME))
    head = [(rid, struct.pack("<H", len(kept)) if rid == 0x000F else data) for rid, data in head]
    for name in DROPPED_MODULES:
        streams.pop(f"VBA/{name}", None)
    streams["VBA/dir"] = ovba.compress(_records(head + [r for m in kept for r in m] + tail))
    streams[f"VBA/{MODULE_NAME}"] = ovba.compress(module_source().encode(CODE_PAGE))
    streams["PROJECT"] = _project_text(streams["PROJECT"])
    names = [_module_name(m) for m in kept]
    streams["PROJECTwm"] = b"".join(n.encode(CODE_PAGE) + b"\0" + n.encode("utf-16-le") + b"\0\0"
                                    for n in names) + b"\0\0"
    return write_compound(streams)


# --- the dir stream (MS-OVBA 2.3.4.2): records of id (2 bytes), size (4 bytes), data ---------------------

Record = tuple[int, bytes]


def _parse_dir(data: bytes) -> tuple[list[Record], list[list[Record]], list[Record]]:
    """(project records up to the module count, each module's records, the closing records)."""
    records: list[Record] = []
    at = 0
    while at + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, at)
        if rid == 0x0009:  # PROJECTVERSION: its size field says 4, but 6 bytes follow (MS-OVBA 2.3.4.2.1.11)
            size = 6
        records.append((rid, data[at + 6:at + 6 + size]))
        at += 6 + size
    count_at = next(i for i, (rid, _) in enumerate(records) if rid == 0x000F)
    head = records[:count_at + 2]  # PROJECTMODULES and PROJECTCOOKIE
    modules: list[list[Record]] = []
    current: list[Record] = []
    rest = records[count_at + 2:]
    for index, record in enumerate(rest):
        if record[0] == 0x0010:  # the dir stream's terminator
            return head, modules, rest[index:]
        current.append(record)
        if record[0] == 0x002B:  # MODULETERMINATOR
            modules.append(current)
            current = []
    raise VbaProjectError("the xlwings VBA project's module list has no end. Reinstall xlwings and run again.")


def _records(records: list[Record]) -> bytes:
    out = bytearray()
    for rid, data in records:
        size = 4 if rid == 0x0009 else len(data)
        out += struct.pack("<HI", rid, size) + data
    return bytes(out)


def _module_name(module: list[Record]) -> str:
    return next(data.decode(CODE_PAGE) for rid, data in module if rid == 0x0019)


def _procedural_module(name: str) -> list[Record]:
    """The records of a standard module whose source starts at offset 0 of its stream (no compiled code)."""
    encoded, wide = name.encode(CODE_PAGE), name.encode("utf-16-le")
    return [(0x0019, encoded), (0x0047, wide), (0x001A, encoded), (0x0032, wide), (0x001C, b""), (0x0048, b""),
            (0x0031, struct.pack("<I", 0)), (0x001E, struct.pack("<I", 0)), (0x002C, struct.pack("<H", 0xFFFF)),
            (0x0021, b""), (0x002B, b"")]


def _project_text(project: bytes) -> bytes:
    """The PROJECT stream with the dropped modules' lines removed and a Module= line for omxl's."""
    text = project.decode(CODE_PAGE)
    dropped = "|".join(re.escape(n) for n in DROPPED_MODULES)
    text = re.sub(rf"^(?:Document|Module|Class)=(?:{dropped})(?:/&H[0-9A-Fa-f]+)?\r\n", "", text, flags=re.M)
    text = re.sub(rf"^(?:{dropped})=[^\r\n]*\r\n", "", text, flags=re.M)
    text = re.sub(r"^(Name=)", f"Module={MODULE_NAME}\r\n\\1", text, count=1, flags=re.M)
    return text.encode(CODE_PAGE)
