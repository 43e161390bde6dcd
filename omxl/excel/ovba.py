"""The compression of VBA projects (MS-OVBA 2.4.1): how module source and the `dir` stream are stored.

A compressed container is a signature byte 0x01 and chunks of at most 4096 decompressed bytes. Each chunk
has a two-byte header (its size less 3 in bits 0-11, the signature 0b011 in bits 12-14, bit 15 set when the
chunk is compressed) and then token groups: a flag byte and eight tokens, each a literal byte (flag bit 0)
or a two-byte copy token (flag bit 1) pointing back into the chunk. How the copy token's 16 bits are split
between offset and length depends on how far into the chunk it is (MS-OVBA 2.4.1.3.19.1).
"""

from __future__ import annotations

import struct

CHUNK = 4096


class CompressedDataError(ValueError):
    """The bytes are not an MS-OVBA compressed container."""


def _split(position: int) -> tuple[int, int]:
    """(bit count of the offset, largest length) for a copy token at `position` bytes into its chunk."""
    bits = max((position - 1).bit_length(), 4)
    return bits, (0xFFFF >> bits) + 3


def decompress(data: bytes) -> bytes:
    if not data or data[0] != 1:
        raise CompressedDataError("not a compressed VBA container (the first byte is not 0x01)")
    out = bytearray()
    at = 1
    while at < len(data):
        if at + 2 > len(data):
            raise CompressedDataError("a chunk header is cut short")
        header = struct.unpack_from("<H", data, at)[0]
        end = min(at + (header & 0x0FFF) + 3, len(data))
        at += 2
        start = len(out)
        if not header & 0x8000:  # a raw chunk: 4096 bytes as they are
            out += data[at:at + CHUNK]
            at += CHUNK
            continue
        while at < end:
            flags = data[at]
            at += 1
            for bit in range(8):
                if at >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[at])
                    at += 1
                    continue
                token = struct.unpack_from("<H", data, at)[0]
                at += 2
                bits, _ = _split(len(out) - start)
                offset = (token >> (16 - bits)) + 1
                length = (token & (0xFFFF >> bits)) + 3
                if offset > len(out) - start:
                    raise CompressedDataError("a copy token points before its chunk")
                for _ in range(length):  # byte by byte: a copy may overlap what it writes
                    out.append(out[-offset])
        at = end
    return bytes(out)


def compress(data: bytes) -> bytes:
    """`data` as a compressed container that Office's decompressor (and decompress above) reads back."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), CHUNK):  # empty data: the signature byte alone
        piece = data[start:start + CHUNK]
        body = _compress_chunk(piece)
        if len(body) > CHUNK and len(piece) == CHUNK:  # no gain: store the chunk raw (the spec's own choice)
            out += struct.pack("<H", 0x3000 | (CHUNK - 1)) + piece
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


def _compress_chunk(piece: bytes) -> bytes:
    """One chunk's token groups. Matches are found through the last positions of each three-byte prefix
    (VBA source is a few kilobytes: a simple greedy search is fast enough and compresses well)."""
    body = bytearray()
    seen: dict[bytes, list[int]] = {}
    at = 0
    while at < len(piece):
        flags = 0
        group = bytearray()
        for bit in range(8):
            if at >= len(piece):
                break
            bits, longest = _split(at)
            best_length, best_offset = 0, 0
            for candidate in reversed(seen.get(piece[at:at + 3], [])[-64:]):
                length = 0
                limit = min(longest, len(piece) - at)
                while length < limit and piece[candidate + length] == piece[at + length]:
                    length += 1
                if length > best_length:
                    best_length, best_offset = length, at - candidate
                    if length == limit:
                        break
            step = best_length if best_length >= 3 else 1
            if step >= 3:
                flags |= 1 << bit
                group += struct.pack("<H", ((best_offset - 1) << (16 - bits)) | (best_length - 3))
            else:
                group.append(piece[at])
            for position in range(at, at + step):
                seen.setdefault(piece[position:position + 3], []).append(position)
            at += step
        body.append(flags)
        body += group
    return bytes(body)
