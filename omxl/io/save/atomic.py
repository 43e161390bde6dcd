"""Atomic saves with backups: the only way omxl puts a file on disk.

    with atomic_save("report.xlsx", verify=verify_xlsx) as temp:
        write_the_file(temp)

The file is written to a temporary file beside the target, checked, flushed to
disk, the original (if any) copied to a timestamped backup (the last 5 kept), and
then moved into place with os.replace, which is atomic on one file system. A crash
at any moment leaves either the old file or the new one, never a mix; a file open
in Excel is refused before anything is written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Iterator

from ...errors import OmxlError

BACKUP_FOLDER = "omxl-backups"
KEEP_BACKUPS = 5


class FileLockedError(OmxlError):
    """The target is open in Excel (or otherwise not writable); nothing was changed."""


class WriteError(OmxlError):
    """The file could not be written; the original is unchanged."""


def owner_files(path: Path) -> list[Path]:
    """Excel's lock files for `path`: '~$' + name, and for long names '~$' + name without its first two
    characters (Office shortens it that way)."""
    names = {f"~${path.name}"}
    if len(path.name) > 2:
        names.add(f"~${path.name[2:]}")
    return [path.with_name(n) for n in sorted(names)]


def check_writable(path: Path) -> None:
    """Raise FileLockedError when Excel holds the file or it cannot be replaced."""
    for owner in owner_files(path):
        if owner.exists():
            raise FileLockedError(
                f"{path.name} is open in Excel (lock file {owner.name}). Close it in Excel and run again; "
                f"nothing was changed.")
    if path.exists():
        try:
            with open(path, "r+b"):
                pass
        except PermissionError:
            raise FileLockedError(
                f"{path.name} cannot be written (permission denied: it may be open in another program or "
                f"read-only). Close it or check its permissions and run again; nothing was changed.") from None
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(f"{path}: the folder {folder} does not exist. Create it or choose another output path.")
    if not os.access(folder, os.W_OK):
        raise FileLockedError(f"{path}: the folder {folder} is not writable. Choose another output path; "
                              "nothing was changed.")


@contextlib.contextmanager
def atomic_save(target: str | os.PathLike, *, verify: Callable[[Path], None] | None = None,
                backup: bool = True, keep: int = KEEP_BACKUPS) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target` (see module doc)."""
    path = Path(target)
    check_writable(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".~omxl-{path.stem[:40]}-", suffix=path.suffix or ".tmp",
                                         dir=path.parent if str(path.parent) else ".")
    os.close(handle)
    temp = Path(temp_name)
    try:
        yield temp
        if verify is not None:
            verify(temp)
        _keep_permissions(path, temp)
        _fsync(temp)
        check_writable(path)  # Excel may have opened it while we were writing
        if backup and path.exists():
            make_backup(path, keep)
        os.replace(temp, path)
        _fsync_folder(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def make_backup(path: Path, keep: int = KEEP_BACKUPS) -> Path:
    """Copy `path` to omxl-backups/<stem>.<timestamp><suffix> beside it; keep the newest `keep`."""
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = folder / f"{path.stem}.{stamp}{path.suffix}"
    partial = backup.with_name(backup.name + ".partial")
    shutil.copy2(path, partial)
    _fsync(partial)
    os.replace(partial, backup)
    _fsync_folder(folder)
    for old in backups_of(path)[:-keep] if keep > 0 else []:
        with contextlib.suppress(OSError):
            old.unlink()
    return backup


def backups_of(path: Path) -> list[Path]:
    """Backups of `path`, oldest first."""
    folder = path.parent / BACKUP_FOLDER
    if not folder.is_dir():
        return []
    stem_dot = f"{path.stem}."
    found = [p for p in folder.iterdir() if p.name.startswith(stem_dot) and p.suffix == path.suffix
             and p.name[len(stem_dot):-len(path.suffix) or None].replace("-", "").isdigit()]
    return sorted(found)


def _keep_permissions(path: Path, temp: Path) -> None:
    """mkstemp makes owner-only files; the result gets the original's mode, or the usual one."""
    if path.exists():
        shutil.copymode(path, temp)
    else:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(folder if str(folder) else ".", os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def verify_xlsx(path: Path, check_members: "set[str] | None" = None) -> None:
    """A written workbook must be a sound zip that a spreadsheet reader opens. `check_members` limits the
    CRC check to the parts just written (the rest were copied byte for byte); None checks every part."""
    import python_calamine as calamine

    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if check_members is None or info.filename in check_members:
                    with archive.open(info) as member:  # reading to the end checks the CRC
                        while member.read(1 << 20):
                            pass
        with calamine.CalamineWorkbook.from_path(str(path)) as book:
            book.sheet_names  # noqa: B018 - opening and listing is the check
    except (zipfile.BadZipFile, calamine.CalamineError, OSError, EOFError) as exc:
        raise WriteError(f"{path.name}: the written file does not open ({exc}); the original is unchanged.") \
            from None


def verify_text(path: Path) -> None:
    path.read_bytes().decode("utf-8-sig")
