"""Reading the parts of an .xlsx/.xlsm package as text: relationships, sheets, defined names.

Shared by the reader (error cells, omxl's own result sheets) and write_back. Plain
regular expressions over the few small XML parts involved: no re-serialisation.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import unescape

REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OFFICE_DOCUMENT_TYPE = REL_NS + "/officeDocument"
OWNER_NAME = "_omxl_result"


@dataclass
class SheetEntry:
    name: str
    sheet_id: int
    rel_id: str
    index: int


def attrs(tag: str) -> dict[str, str]:
    return {k: unescape(v, {"&quot;": '"', "&apos;": "'"}) for k, v in re.findall(r'([\w:.-]+)="([^"]*)"', tag)}


def main_part(archive: zipfile.ZipFile) -> str:
    root_rels = archive.read("_rels/.rels").decode("utf-8")
    return target_of_type(root_rels, OFFICE_DOCUMENT_TYPE, "") or "xl/workbook.xml"


def rels_path(part: str) -> str:
    folder, _, name = part.rpartition("/")
    return f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"


def relationships(rels: str) -> list[dict[str, str]]:
    return [attrs(m) for m in re.findall(r"<Relationship\b[^>]*>", rels)]


def resolve(target: str, base_part: str) -> str:
    """A relationship target as a zip member name."""
    if target.startswith("/"):
        return target.lstrip("/")
    folder = base_part.rpartition("/")[0]
    parts = (folder.split("/") if folder else []) + target.split("/")
    resolved: list[str] = []
    for piece in parts:
        if piece == "..":
            if resolved:
                resolved.pop()
        elif piece not in ("", "."):
            resolved.append(piece)
    return "/".join(resolved)


def relative(part: str, base_part: str) -> str:
    folder = base_part.rpartition("/")[0]
    return part[len(folder) + 1:] if folder and part.startswith(folder + "/") else "/" + part


def target_of_type(rels: str, rel_type: str, base_part: str) -> str | None:
    for rel in relationships(rels):
        if rel.get("Type") == rel_type and rel.get("TargetMode") != "External":
            return resolve(rel["Target"], base_part)
    return None


def target_of_id(rels: str, rel_id: str, base_part: str) -> str | None:
    for rel in relationships(rels):
        if rel.get("Id") == rel_id:
            return resolve(rel["Target"], base_part)
    return None


def rel_prefix(workbook: str) -> str:
    match = re.search(rf'xmlns:(\w+)="{re.escape(REL_NS)}"', workbook)
    return match.group(1) if match else "r"


def sheets(workbook: str) -> list[SheetEntry]:
    """The workbook's <sheet> entries in tab order."""
    prefix = rel_prefix(workbook)
    block = re.search(r"<sheets>(.*?)</sheets>", workbook, flags=re.S)
    entries = re.findall(r"<sheet\b[^>]*>", block.group(1)) if block else []
    result = []
    for index, tag in enumerate(entries):
        values = attrs(tag)
        result.append(SheetEntry(values["name"], int(values["sheetId"]), values.get(f"{prefix}:id", ""), index))
    return result


def defined_names(workbook: str) -> list[tuple[str, dict[str, str]]]:
    """(the element's text, its attributes) for each <definedName>."""
    found = []
    for m in re.finditer(r"<definedName\b([^>]*?)(?:/>|>.*?</definedName>)", workbook, re.S):
        found.append((m.group(0), attrs(m.group(1))))
    return found


def owned_indexes(workbook: str) -> set[int]:
    """Tab indexes of the sheets omxl wrote (marked with the hidden name _omxl_result)."""
    return {int(a["localSheetId"]) for _, a in defined_names(workbook)
            if a.get("name") == OWNER_NAME and a.get("localSheetId", "").isdigit()}


def sheet_parts(archive: zipfile.ZipFile) -> list[tuple[SheetEntry, str]]:
    """Each sheet entry with its worksheet part's member name."""
    workbook_path = main_part(archive)
    workbook = archive.read(workbook_path).decode("utf-8")
    rels = archive.read(rels_path(workbook_path)).decode("utf-8")
    return [(entry, target_of_id(rels, entry.rel_id, workbook_path) or "") for entry in sheets(workbook)]


def omxl_sheet_names(archive: zipfile.ZipFile) -> set[str]:
    workbook = archive.read(main_part(archive)).decode("utf-8")
    owned = owned_indexes(workbook)
    return {entry.name for entry in sheets(workbook) if entry.index in owned}
