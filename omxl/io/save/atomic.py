"""Atomic saves with backups: the only way omxl puts a file on disk.

    with atomic_save("report.xlsx", verify=verify_xlsx) as temp:
        write_the_file(temp)

The file is written to a temporary file beside the target, checked, flushed to
disk, the original (if any) copied to a timestamped backup (the last 5 kept), and
then moved into place with os.replace, which is atomic on one file system. A crash
at any moment leaves either the old file or the new one, never a mix; a file open
in Excel is refused before anything is written.

Every problem with the destination (a folder where a file name belongs, a folder
that does not exist or cannot be written, a full disk) becomes an OutputError whose
message names the path and says what to do; the user's files stay as they were.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import shutil
import tempfile
import zipfile
import zlib
from pathlib import Path
from typing import Callable, Iterator

import python_calamine as calamine

from ...errors import OutputError
from ..deflate import open_member


BACKUP_FOLDER = "omxl-backups"
KEEP_BACKUPS = 5
_EXAMPLE_SUFFIXES = (".xlsx", ".xlsm", ".csv", ".json")


class FileLockedError(OutputError):
    """The target is open in Excel (or otherwise not writable); nothing was changed."""


class WriteError(OutputError):
    """The file could not be written; the original is unchanged."""


def owner_files(path: Path) -> list[Path]:
    """Excel's lock files for `path`: '~$' + name, and for long names '~$' + name without its first two
    characters (Office shortens it that way)."""
    names = {f"~${path.name}"}
    if len(path.name) > 2:
        names.add(f"~${path.name[2:]}")
    return [path.with_name(n) for n in sorted(names)]


def check_destination(target: str | os.PathLike, example: str | None = None) -> Path:
    """`target` as a Path, once it is known to name a file in an existing folder. A folder (an existing one,
    or any path ending in a separator, which Path() would silently drop), a missing folder or a file standing
    where a folder should be raise OutputError; `example` is the file name suggested for a folder."""
    raw = os.fspath(target)
    path = Path(raw)
    separators = tuple(s for s in (os.sep, os.altsep, "/") if s)
    if not raw or raw.endswith(separators) or os.path.isdir(path):
        raise _folder_given(raw, example)
    if not os.path.isdir(path.parent):
        raise _missing_folder(path)
    return path


def _folder_given(raw: str, example: str | None = None) -> OutputError:
    suffix = Path(raw).suffix.lower()
    if example is None:
        example = f"result{suffix if suffix in _EXAMPLE_SUFFIXES else '.xlsx'}"
    separators = "".join(s for s in (os.sep, os.altsep, "/") if s)
    suggestion = os.path.join(raw.rstrip(separators) or raw or ".", example)
    what = "is a folder" if os.path.isdir(raw or ".") else "ends with a slash, so it names a folder"
    return OutputError(f"{raw or '.'} {what}; give a file name such as {suggestion}. Nothing was written.")


def check_folder(target: str | os.PathLike) -> Path:
    """`target` as a Path, once it is known to be a writable folder or one that can be made (its parent
    exists); OutputError saying what to do otherwise. Nothing is created."""
    folder = Path(os.fspath(target))
    if os.path.isdir(folder):
        if not _can_write_into(folder):
            raise OutputError(f"{folder}: cannot write into this folder (permission denied); choose another "
                              "folder or ask for write access to it. Nothing was written.")
    elif os.path.lexists(folder):
        raise _file_not_folder(folder)
    elif not os.path.isdir(folder.parent):
        raise _missing_folder(folder)
    elif not _can_write_into(folder.parent):
        raise output_error(folder, PermissionError(errno.EACCES, "Permission denied", str(folder.parent)))
    return folder


def ensure_folder(target: str | os.PathLike) -> Path:
    """The folder `target` (check_folder), created when it does not exist yet."""
    folder = check_folder(target)
    try:
        folder.mkdir()
    except FileExistsError:
        if not os.path.isdir(folder):
            raise _file_not_folder(folder) from None
    except OSError as exc:
        raise output_error(folder, exc) from exc
    return folder


def _file_not_folder(folder: Path) -> OutputError:
    return OutputError(f"{folder} is a file, not a folder; give a folder name (a new folder is created). "
                       "Nothing was written.")


def output_error(path: Path, exc: OSError) -> OutputError:
    """The OutputError for an OSError met while writing `path` (or its temporary file beside it)."""
    folder, nothing = _folder_label(path.parent), _nothing_changed(path)
    code = exc.errno
    if code == errno.EISDIR:
        return _folder_given(str(path))
    if code in (errno.EACCES, errno.EPERM):
        remedy = ("ask for write access to it, or work on a copy in a folder you can write to" if os.path.isfile(path)
                  else "choose another folder or ask for write access to it")
        return OutputError(f"{path}: cannot write into the folder {folder} (permission denied); {remedy}. "
                           f"{nothing}")
    if code == errno.EROFS:
        return OutputError(f"{path}: cannot write into the folder {folder} (the drive is read-only); choose "
                           f"another folder. {nothing}")
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return OutputError(f"{path}: there is no space left on the drive; free some space or choose another "
                           f"folder. {nothing}")
    if code in (errno.ENOENT, errno.ENOTDIR):
        return _missing_folder(path)
    if code == errno.ENAMETOOLONG:
        return OutputError(f"{path}: the name is too long for the file system; choose a shorter one. {nothing}")
    reason = exc.strerror or str(exc)
    return OutputError(f"{path}: cannot be written ({reason[:1].lower() + reason[1:]}); choose another file "
                       f"name or folder. {nothing}")


def _missing_folder(path: Path) -> OutputError:
    """A file standing where a folder should be, or else the folder that does not exist."""
    for ancestor in path.parents:
        if os.path.lexists(ancestor):
            if not os.path.isdir(ancestor):
                return OutputError(f"{path}: {ancestor} is a file, not a folder; choose a path in an existing "
                                   "folder. Nothing was written.")
            break
    return OutputError(f"{path}: the folder {path.parent} does not exist; create it or choose an existing "
                       "folder. Nothing was written.")


def _folder_label(folder: Path) -> str:
    return "the current folder" if str(folder) in ("", ".") else str(folder)


def _nothing_changed(path: Path) -> str:
    return f"{path.name} was not changed." if os.path.isfile(path) else "Nothing was written."


def _can_write_into(folder: Path) -> bool:
    """Judged for the user omxl runs as (effective ids where the platform has them)."""
    if os.access in os.supports_effective_ids:
        return os.access(folder, os.W_OK | os.X_OK, effective_ids=True)
    return os.access(folder, os.W_OK)


def check_not_locked(path: Path) -> None:
    """Raise FileLockedError when Excel holds `path` (its lock file is beside it) or, for an existing file,
    when it cannot be opened for writing (on Windows, a file another program has open). A missing file
    passes: whoever reads or writes it says so. Called at write time by every save, and by the command line
    before anything is read when --write-back will write into `path`, so that a refused write-back leaves
    no other output behind."""
    for owner in owner_files(path):
        if owner.exists():
            raise FileLockedError(
                f"{path.name} is open in Excel (lock file {owner.name}). Close it in Excel and run again; "
                f"nothing was changed.")
    if os.path.isfile(path):
        try:
            with open(path, "r+b"):
                pass
        except PermissionError:
            raise FileLockedError(
                f"{path.name} cannot be written (permission denied: it may be open in another program or "
                f"read-only). Close it or check its permissions and run again; nothing was changed.") from None


def check_writable(path: Path) -> None:
    """Raise FileLockedError when Excel holds the file or it cannot be replaced, OutputError when its folder
    is missing or not writable."""
    check_not_locked(path)
    if os.path.isdir(path):
        raise _folder_given(str(path))
    folder = path.parent
    if not os.path.isdir(folder):
        raise _missing_folder(path)
    if not _can_write_into(folder):
        raise output_error(path, PermissionError(errno.EACCES, "Permission denied", str(folder)))


@contextlib.contextmanager
def atomic_save(target: str | os.PathLike, *, verify: Callable[[Path], None] | None = None,
                backup: bool = True, keep: int = KEEP_BACKUPS) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces `target` (see module doc)."""
    path = check_destination(target)
    check_writable(path)
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".~omxl-{path.stem[:40]}-", suffix=path.suffix or ".tmp",
                                             dir=path.parent)
    except OSError as exc:
        raise output_error(path, exc) from exc
    os.close(handle)
    temp = Path(temp_name)
    try:
        try:
            yield temp
            if verify is not None:
                verify(temp)
            _keep_permissions(path, temp)
            _fsync(temp)
        except OSError as exc:  # writing the temporary file: a full disk, a folder gone meanwhile
            raise output_error(path, exc) from exc
        check_writable(path)  # Excel may have opened it while we were writing
        if backup and path.exists():
            _backup_before_replacing(path, keep)
        try:
            os.replace(temp, path)
        except PermissionError as exc:
            if path.exists():
                raise FileLockedError(
                    f"{path.name} cannot be replaced (permission denied: it may be open in another program or "
                    "read-only). Close it or check its permissions and run again; nothing was changed.") from exc
            raise output_error(path, exc) from exc
        except OSError as exc:
            raise output_error(path, exc) from exc
        _fsync_folder(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _backup_before_replacing(path: Path, keep: int) -> None:
    try:
        make_backup(path, keep)
    except OSError as exc:
        folder = path.parent / BACKUP_FOLDER
        if os.path.lexists(folder) and not os.path.isdir(folder):
            problem, remedy = f"{folder} is a file, not a folder", "move that file away"
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            problem, remedy = "permission denied", "make that folder writable or choose another folder"
        elif exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
            problem, remedy = "no space left on the drive", "free some space"
        else:
            problem, remedy = exc.strerror or str(exc), "check that folder"
        raise OutputError(f"{path}: cannot keep its backup in {folder} ({problem}), so it was not replaced; "
                          f"{remedy} and run again. {path.name} was not changed.") from exc


def make_backup(path: Path, keep: int = KEEP_BACKUPS) -> Path:
    """Copy `path` to omxl-backups/<stem>.<timestamp><suffix> beside it; keep the newest `keep`."""
    folder = path.parent / BACKUP_FOLDER
    folder.mkdir(exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    backup = folder / f"{path.stem}.{stamp}{path.suffix}"
    partial = backup.with_name(backup.name + ".partial")
    try:
        shutil.copy2(path, partial)
        _fsync(partial)
        os.replace(partial, backup)
    except BaseException:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise
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
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if check_members is None or info.filename in check_members:
                    with open_member(archive, info) as member:  # reading to the end checks the CRC
                        while member.read(1 << 20):
                            pass
        with calamine.CalamineWorkbook.from_path(str(path)) as book:
            book.sheet_names  # noqa: B018 - opening and listing is the check
    except (zipfile.BadZipFile, zlib.error, calamine.CalamineError, OSError, EOFError) as exc:
        raise WriteError(f"{path.name}: the written file does not open ({exc}); the original is unchanged.") \
            from None


def verify_text(path: Path) -> None:
    path.read_bytes().decode("utf-8-sig")


def same_file(one: Path, other: Path) -> bool:
    """Whether two paths name the same file (also through links); never raises."""
    try:
        return one.resolve() == other.resolve() or (one.exists() and other.exists() and os.path.samefile(one, other))
    except OSError:
        return False
