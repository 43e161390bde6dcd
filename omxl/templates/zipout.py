"""Writing the rendered package: writeback.write_zip's way (untouched members copied as stored, byte for byte),
with big rewritten parts deflated at level 1. A 100,000-row sheet is some 40 MB of XML; the default level
takes four times as long for a file a third smaller, and rendering must stay within seconds."""

from __future__ import annotations

import io
import zipfile
from typing import Mapping

from ..io.xlsx.writeback import _copy_member, _like  # the byte-for-byte member copy write-back uses

FAST_FROM = 1 << 20  # parts from 1 MB on are compressed fast


def write_package(source: zipfile.ZipFile, rewritten: Mapping[str, bytes], dropped: "set[str]") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename in dropped:
                continue
            if info.filename in rewritten:
                data = rewritten[info.filename]
                member = _like(info)
                if len(data) >= FAST_FROM:
                    member.compress_type = zipfile.ZIP_DEFLATED
                    # ZipFile.writestr reads the level from the member: `_compresslevel` up to Python 3.12,
                    # `compress_level` from 3.13 on.
                    setattr(member, "compress_level" if hasattr(member, "compress_level") else "_compresslevel", 1)
                target.writestr(member, data)
            else:
                _copy_member(source, target, info)
    return out.getvalue()
