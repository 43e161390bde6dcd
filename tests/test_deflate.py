"""Zip members inflated and deflated with ISA-L (omxl/io/deflate.py): the same bytes as zlib's, the same
checks (size, CRC, a damaged stream), and zlib wherever python-isal is missing."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import Path

import pandas as pd
import pytest
from isal import isal_zlib

import omxl
from conftest import SAMPLE
from omxl.errors import SourceError
from omxl.io import deflate
from omxl.io.deflate import open_member, read_member
from omxl.io.xlsx.writeback import Streamed, write_zip

pytestmark = pytest.mark.core

ORDERS = "xl/worksheets/sheet1.xml"


def _raw(data: bytes, name: str) -> tuple[int, zipfile.ZipInfo]:
    """(offset of the member's compressed bytes in `data`, its info)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    header = struct.unpack(zipfile.structFileHeader, data[info.header_offset:info.header_offset + 30])
    return info.header_offset + 30 + header[zipfile._FH_FILENAME_LENGTH] + header[zipfile._FH_EXTRA_FIELD_LENGTH], info


def _with_member(name: str, xml: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, xml)
    return out.getvalue()


@pytest.fixture
def zlib_only(monkeypatch):
    """omxl as it runs where python-isal is not installed."""
    monkeypatch.setattr(deflate, "_codec", zlib)
    monkeypatch.setattr(deflate, "FAST", False)
    monkeypatch.setattr(deflate, "_CODEC_ERRORS", ())


def test_isal_is_what_inflates_and_deflates_here():
    assert deflate.FAST and deflate._codec is isal_zlib


@pytest.mark.parametrize("codec", ["isal", "zlib"])
def test_every_member_of_the_sample_reads_as_zipfile_reads_it(codec, request):
    if codec == "zlib":
        request.getfixturevalue("zlib_only")
    with zipfile.ZipFile(SAMPLE) as archive:
        names = archive.namelist()
        assert ORDERS in names and len(names) == 18
        for name in names:
            assert read_member(archive, name) == archive.read(name), name


class _BadBlockHalfway:
    """Deflates as zlib does, but puts a block of the reserved type (0xff: last block, type 11) at a block
    boundary halfway through: the first half inflates, then the stream is invalid."""

    def __init__(self):
        self._zlib = zlib.compressobj(6, zlib.DEFLATED, -15)

    def compress(self, data: bytes) -> bytes:
        half = len(data) // 2
        return (self._zlib.compress(data[:half]) + self._zlib.flush(zlib.Z_FULL_FLUSH) + b"\xff"
                + self._zlib.compress(data[half:]))

    def flush(self) -> bytes:
        return self._zlib.flush()


def _with_bad_orders_stream() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(SAMPLE) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != ORDERS:
                target.writestr(info.filename, source.read(info))
                continue
            member = zipfile.ZipInfo(ORDERS)
            member.compress_type = zipfile.ZIP_DEFLATED
            with target.open(member, "w") as stream:
                stream._compressor = _BadBlockHalfway()
                stream.write(source.read(info))
    return out.getvalue()


def test_a_stream_that_inflates_wrong_is_a_zlib_error_and_a_damaged_workbook(tmp_path):
    data = _with_bad_orders_stream()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.getinfo(ORDERS).compress_type == zipfile.ZIP_DEFLATED
        with pytest.raises(zlib.error, match="Error while decompressing data") as raised:
            read_member(archive, ORDERS)
        assert type(raised.value) is zlib.error
        with pytest.raises(zlib.error, match="invalid block type"):
            archive.read(ORDERS)                    # zipfile's own zlib, for comparison
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(data)
    with pytest.raises(SourceError) as refused:
        omxl.read_book(broken)
    assert str(refused.value) == ("broken.xlsx: the file is damaged (Error while decompressing data: Error -1 Invalid "
                                  "deflate block found). Copy or export it again; if Excel can open it, save it again "
                                  "as .xlsx.")


def test_without_isal_a_damaged_stream_is_zlibs_message(tmp_path, zlib_only):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(_with_bad_orders_stream())
    with pytest.raises(SourceError, match=r"^broken.xlsx: the file is damaged \(Error -3 while decompressing data: "
                                          r"invalid block type\)\. Copy or export it again"):
        omxl.read_book(broken)


def test_a_wrong_crc_is_refused_as_zipfile_refuses_it():
    data = bytearray(_with_member("a.xml", b"<a>" + b"x" * 5000 + b"</a>"))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("a.xml")
    # the CRC in the local header and in the central directory
    for at in (info.header_offset + 14, bytes(data).rfind(b"PK\x01\x02") + 16):
        data[at:at + 4] = struct.pack("<I", info.CRC ^ 1)
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32 for file 'a.xml'"):
            read_member(archive, "a.xml")


def test_a_member_larger_than_it_says_is_refused():
    """A zip bomb's member that declares a small size: zipfile stops at that size and its CRC fails."""
    xml = b"<a>" + b"x" * 1_000_000 + b"</a>"
    data = bytearray(_with_member("a.xml", xml))
    central = bytes(data).rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = struct.pack("<I", 1000)   # the uncompressed size zipfile goes by
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        assert archive.getinfo("a.xml").file_size == 1000
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32 for file 'a.xml'"):
            read_member(archive, "a.xml")
        with pytest.raises(zipfile.BadZipFile, match="Bad CRC-32 for file 'a.xml'"):
            with open_member(archive, "a.xml") as member:
                member.read(5000)


def _streamed_member(tmp_path: Path, pieces: list[bytes]) -> tuple[bytes, bytes]:
    """A package with one streamed member of `pieces`, written by write_zip: (the member read back by zipfile,
    its compressed bytes)."""
    with zipfile.ZipFile(SAMPLE) as source:
        data = write_zip(source, {}, {"xl/worksheets/big.xml": Streamed(lambda: iter(pieces), 1000)})
    start, info = _raw(data, "xl/worksheets/big.xml")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/big.xml"), data[start:start + info.compress_size]


PIECES = [b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i * 7) * 50 for i in range(1, 400)]


def test_a_streamed_sheet_is_deflated_by_isal_at_its_fastest_level(tmp_path):
    read_back, compressed = _streamed_member(tmp_path, PIECES)
    assert read_back == b"".join(PIECES)
    by_isal = isal_zlib.compressobj(1, zlib.DEFLATED, -15)
    assert compressed == b"".join(by_isal.compress(piece) for piece in PIECES) + by_isal.flush()


def test_without_isal_a_streamed_sheet_is_deflated_by_zlib(tmp_path, zlib_only):
    read_back, compressed = _streamed_member(tmp_path, PIECES)
    assert read_back == b"".join(PIECES)
    by_zlib = zlib.compressobj(1, zlib.DEFLATED, -15)
    assert compressed == b"".join(by_zlib.compress(piece) for piece in PIECES) + by_zlib.flush()


def test_a_large_rewritten_member_is_deflated_by_isal(tmp_path):
    xml = b"".join(PIECES)
    with zipfile.ZipFile(SAMPLE) as source:
        data = write_zip(source, {ORDERS: xml}, {}, fast_from=1000)
    start, info = _raw(data, ORDERS)
    assert info.compress_type == zipfile.ZIP_DEFLATED
    by_isal = isal_zlib.compressobj(1, zlib.DEFLATED, -15)
    assert data[start:start + info.compress_size] == by_isal.compress(xml) + by_isal.flush()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read(ORDERS) == xml


@pytest.mark.parametrize("codec", ["isal", "zlib"])
def test_the_sample_reads_and_writes_back_the_same_with_either(codec, request, tmp_path):
    if codec == "zlib":
        request.getfixturevalue("zlib_only")
    book = omxl.read_book(SAMPLE)
    assert len(book.orders) == 3000 and book.orders["qty"].sum() == 163_337
    target = tmp_path / "sample.xlsx"
    target.write_bytes(SAMPLE.read_bytes())
    frame = pd.DataFrame({"order_id": [f"SO-{i}" for i in range(2000)], "qty": range(2000)})
    omxl.write_back(target, {"Order Status": frame}, backup=False)
    back = pd.read_excel(target, sheet_name="omxl Order Status", engine="calamine")
    assert back["order_id"].iloc[1999] == "SO-1999" and back["qty"].sum() == 1_999_000


def test_the_sheets_of_a_workbook_read_are_inflated_by_isal(monkeypatch):
    inflated = []

    class Counting:
        error = isal_zlib.error
        ISAL_DEFAULT_COMPRESSION = isal_zlib.ISAL_DEFAULT_COMPRESSION

        @staticmethod
        def decompressobj(wbits):
            inflated.append(wbits)
            return isal_zlib.decompressobj(wbits)

    monkeypatch.setattr(deflate, "_codec", Counting)
    omxl.read_book(SAMPLE)
    # the seven sheets and the shared strings
    assert inflated == [-15] * 8


def test_a_large_rewritten_member_gets_zip64_sizes_when_writestr_would_give_them(monkeypatch):
    """The bound is zipfile's: a part declared within 5 % of ZIP64_LIMIT is written with zip64 sizes."""
    monkeypatch.setattr(zipfile, "ZIP64_LIMIT", 20_000)
    xml = b"".join(PIECES[:15])
    assert 20_000 / 1.05 < len(xml) < 20_000 * 2
    with zipfile.ZipFile(SAMPLE) as source:
        data = write_zip(source, {ORDERS: xml}, {}, fast_from=1000)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(ORDERS)
        assert archive.read(ORDERS) == xml
    header = data[info.header_offset:info.header_offset + 30]
    assert struct.unpack("<HH", header[26:30])[1] == 20    # the zip64 extra field in the local header
