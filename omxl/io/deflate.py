"""Zip members inflated and deflated with ISA-L (python-isal) where it is installed, else with zlib.

A workbook's sheets are deflate streams: unzipping the 417 MB orders sheet of a million-line book takes zlib
2.2-2.9 s and ISA-L 0.8-1.0 s, and deflating it at the fastest level 2.7 s against 0.7 s, to about the same
size (62 MB against 65; Online Retail's 422 MB Order Status sheet, 46 MB against 44). The zip format stays
zipfile's: it reads and checks the headers, the sizes and the CRC, and writes them; only the object that
inflates or deflates the bytes is ISA-L's, which has zlib's interface. Where zipfile's objects do not have the
attribute that holds it (a later Python), zipfile's own zlib does the work.

ISA-L's errors are given as zlib.error, so every `except` that knows a damaged zip (guards.ZIP_DAMAGE) knows
them.
"""

from __future__ import annotations

import zipfile
import zlib
from contextlib import contextmanager
from typing import IO, Iterator

try:
    from isal import isal_zlib as _codec
except ImportError:   # a platform without a wheel of python-isal: zipfile's zlib, as fast as it is
    _codec = zlib

FAST = _codec is not zlib
_CODEC_ERRORS = (_codec.error,) if FAST else ()


@contextmanager
def open_member(archive: zipfile.ZipFile, name: str | zipfile.ZipInfo) -> Iterator[IO[bytes]]:
    """`archive.open(name)`, inflated by ISA-L; its errors come out as zlib.error."""
    try:
        with archive.open(name) as member:
            if FAST and getattr(member, "_compress_type", None) == zipfile.ZIP_DEFLATED \
                    and hasattr(member, "_decompressor"):
                member._decompressor = _codec.decompressobj(-zlib.MAX_WBITS)
            yield member
    except _CODEC_ERRORS as exc:
        raise zlib.error(f"Error while decompressing data: {exc}") from None


def read_member(archive: zipfile.ZipFile, name: str | zipfile.ZipInfo) -> bytes:
    """`archive.read(name)`, inflated by ISA-L (zipfile still checks the size and the CRC)."""
    with open_member(archive, name) as member:
        return member.read()


def deflate_with(stream: IO[bytes], level: int) -> None:
    """Have ISA-L deflate what is written to `stream`, a member `ZipFile.open(..., "w")` opened with
    ZIP_DEFLATED and nothing written to yet. `level` as zlib's: 1 (the fastest) is ISA-L's 1, any other
    but 0 (stored as it is, left to zlib) ISA-L's default, which deflates about as fast as its 1 (its slowest
    level, 3, is not used)."""
    if FAST and level != 0 and getattr(stream, "_compressor", None) is not None:
        isal_level = 1 if level == 1 else _codec.ISAL_DEFAULT_COMPRESSION
        stream._compressor = _codec.compressobj(isal_level, zlib.DEFLATED, -zlib.MAX_WBITS)
