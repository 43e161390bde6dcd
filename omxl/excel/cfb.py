"""A compound file writer (MS-CFB version 3): the container format of vbaProject.bin.

olefile reads compound files but only rewrites streams in place at their old size, so a VBA project with a
new module needs a new file. This writes one from a mapping of stream paths ('VBA/dir') to bytes: 512-byte
sectors, streams under 4096 bytes in the mini stream (64-byte sectors), the directory of each storage as a
balanced binary tree coloured as a valid red-black tree, no timestamps (so the same streams always give the
same bytes). Small files only: the FAT sectors must fit the header's 109 slots (about 7 MB), far more than
any VBA project.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Mapping

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END, FAT_SECTOR = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NO_STREAM = 0xFFFFFFFF
HEADER_FAT_SLOTS = 109
STORAGE, STREAM, ROOT = 1, 2, 5
RED, BLACK = 0, 1


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: dict[str, "_Entry"] = field(default_factory=dict)
    index: int = 0
    left: int = NO_STREAM
    right: int = NO_STREAM
    child: int = NO_STREAM
    color: int = BLACK
    start: int = END
    size: int = 0


def _sort_key(name: str) -> tuple[int, str]:
    """The directory's order (MS-CFB 2.6.4): shorter names first, then by upper-cased name."""
    return len(name.encode("utf-16-le")), name.upper()


def write_compound(streams: Mapping[str, bytes]) -> bytes:
    """A compound file holding `streams` ({'VBA/dir': bytes, 'PROJECT': bytes, ...}); storages are made
    for the folders in the paths."""
    root = _Entry("Root Entry", ROOT)
    for path, data in streams.items():
        *folders, name = path.split("/")
        node = root
        for folder in folders:
            node = node.children.setdefault(folder, _Entry(folder, STORAGE, start=0))
        node.children[name] = _Entry(name, STREAM, bytes(data))
    entries: list[_Entry] = []
    _number(root, entries)
    for entry in entries:
        if entry.children:
            ordered = sorted(entry.children.values(), key=lambda e: _sort_key(e.name))
            entry.child = _tree(ordered, 0, _depth_of_full(len(ordered)))

    mini = bytearray()
    mini_fat: list[int] = []
    big = [e for e in entries if e.kind == STREAM and len(e.data) >= MINI_CUTOFF]
    for entry in entries:
        if entry.kind == STREAM and len(entry.data) < MINI_CUTOFF:
            entry.size = len(entry.data)
            if entry.data:
                entry.start = len(mini) // MINI_SECTOR
                count = -(-len(entry.data) // MINI_SECTOR)
                mini_fat += [entry.start + i + 1 for i in range(count - 1)] + [END]
                mini += entry.data.ljust(count * MINI_SECTOR, b"\0")
    mini_fat_bytes = b"".join(struct.pack("<I", n) for n in mini_fat)
    mini_fat_bytes = mini_fat_bytes.ljust(-(-len(mini_fat_bytes) // SECTOR) * SECTOR, b"\xff")

    # Sectors in file order: big streams, the mini stream, the mini FAT, the directory, then the FAT.
    chains: list[tuple[str, bytes]] = [(f"stream:{i}", e.data) for i, e in enumerate(big)]
    chains.append(("mini", bytes(mini)))
    chains.append(("minifat", mini_fat_bytes))
    directory_count = -(-len(entries) // (SECTOR // 128))
    fat: list[int] = []
    starts: dict[str, int] = {}
    for key, data in chains:
        count = -(-len(data) // SECTOR)
        starts[key] = len(fat) if count else END
        fat += [len(fat) + i + 1 for i in range(count - 1)] + ([END] if count else [])
    starts["dir"] = len(fat)
    fat += [len(fat) + i + 1 for i in range(directory_count - 1)] + [END]
    fat_count = 1
    while fat_count * (SECTOR // 4) < len(fat) + fat_count:
        fat_count += 1
    if fat_count > HEADER_FAT_SLOTS:
        raise ValueError("the streams are too large for this simple compound file writer")
    fat_start = len(fat)
    fat += [FAT_SECTOR] * fat_count
    fat += [FREE] * (fat_count * (SECTOR // 4) - len(fat))

    for i, entry in enumerate(big):
        entry.start, entry.size = starts[f"stream:{i}"], len(entry.data)
    root.start, root.size = (starts["mini"], len(mini)) if mini else (END, 0)

    body = bytearray()
    for key, data in chains:
        body += data.ljust(-(-len(data) // SECTOR) * SECTOR, b"\0")
    directory = b"".join(_entry_bytes(e) for e in entries)
    unused = _entry_bytes(_Entry("", 0))
    directory += unused * (directory_count * (SECTOR // 128) - len(entries))
    body += directory
    body += b"".join(struct.pack("<I", n) for n in fat)

    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16)
    header += struct.pack("<HHHHH", 0x003E, 3, 0xFFFE, 9, 6) + b"\0" * 6
    header += struct.pack("<IIIIIIIII", 0, fat_count, starts["dir"], 0, MINI_CUTOFF,
                          starts["minifat"] if mini_fat else END, len(mini_fat_bytes) // SECTOR, END, 0)
    slots = [fat_start + i for i in range(fat_count)] + [FREE] * (HEADER_FAT_SLOTS - fat_count)
    header += b"".join(struct.pack("<I", n) for n in slots)
    return bytes(header) + bytes(body)


def _number(entry: _Entry, entries: list[_Entry]) -> None:
    entry.index = len(entries)
    entries.append(entry)
    for child in sorted(entry.children.values(), key=lambda e: _sort_key(e.name)):
        _number(child, entries)


def _depth_of_full(count: int) -> int:
    """The depth below which a balanced tree of `count` nodes is complete (levels 0..depth-1 are full)."""
    return (count + 1).bit_length() - 1


def _tree(ordered: list[_Entry], depth: int, full_depth: int) -> int:
    """The root index of a balanced search tree over `ordered`. Nodes on the one partly filled level are
    red and every other node black: every path from the root then meets the same number of black nodes."""
    if not ordered:
        return NO_STREAM
    middle = len(ordered) // 2
    node = ordered[middle]
    node.color = RED if depth >= full_depth else BLACK
    node.left = _tree(ordered[:middle], depth + 1, full_depth)
    node.right = _tree(ordered[middle + 1:], depth + 1, full_depth)
    return node.index


def _entry_bytes(entry: _Entry) -> bytes:
    if not entry.kind:
        return b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NO_STREAM, NO_STREAM, NO_STREAM) + b"\0" * 36 + \
            struct.pack("<IQ", 0, 0)
    name = entry.name.encode("utf-16-le") + b"\0\0"
    if len(name) > 64:
        raise ValueError(f"compound file names have at most 31 characters: {entry.name}")
    return (name.ljust(64, b"\0") + struct.pack("<HBBIII", len(name), entry.kind, entry.color, entry.left,
                                                entry.right, entry.child)
            + b"\0" * 16 + struct.pack("<IQQ", 0, 0, 0) + struct.pack("<IQ", entry.start, entry.size))
