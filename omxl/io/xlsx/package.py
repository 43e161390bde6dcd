"""The parts of an .xlsx/.xlsm package as text: relationships, sheets, defined names, content types.

Shared by the reader (error cells, omxl's own result sheets), write_back and the marked copy. Plain
regular expressions over the few small XML parts involved: no re-serialisation, so whatever omxl does
not touch (namespace prefixes that mc:Ignorable names, unknown extensions) survives as it was.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import Iterable
from xml.sax.saxutils import quoteattr, unescape

from ..safety import xml_escape

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "[Content_Types].xml"
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
    """The relationship target for `part` seen from `base_part`, relative to its folder as Excel writes
    it ('worksheets/sheet2.xml', '../comments1.xml'); resolve() turns it back into `part`."""
    return posixpath.relpath(part, base_part.rpartition("/")[0] or ".")


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


def sheet_element(workbook: str, name: str, sheet_id: int, rel_id: str) -> str:
    """A <sheet> entry for `workbook`'s <sheets>, its relationship id in the workbook's own prefix. openpyxl
    3.1.5 declares that prefix on each <sheet> rather than on <workbook>: then the new entry declares it too,
    or workbook.xml would not be well-formed XML."""
    prefix = rel_prefix(workbook)
    root = re.search(r"<(?:\w+:)?workbook\b[^>]*>", workbook)
    declared = root is not None and f'xmlns:{prefix}="{REL_NS}"' in root.group(0)
    namespace = "" if declared else f' xmlns:{prefix}="{REL_NS}"'
    return f'<sheet{namespace} name={quoteattr(name)} sheetId="{sheet_id}" {prefix}:id="{rel_id}"/>'


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


# CT_Workbook: the elements that follow <definedNames>; a new one goes before the first of them.
_DEFINED_NAMES_FOLLOWERS = ("<calcPr", "<oleSize", "<customWorkbookViews", "<pivotCaches", "<smartTagPr",
                            "<smartTagTypes", "<webPublishing", "<fileRecoveryPr", "<webPublishObjects", "<extLst",
                            "</workbook>")


def add_defined_names(workbook: str, names: str) -> str:
    """workbook.xml with the <definedName> elements `names` added at the end of <definedNames>, which is made in
    its place in the element order when the workbook has none."""
    if "<definedNames>" in workbook:
        return workbook.replace("</definedNames>", names + "</definedNames>", 1)
    if "<definedNames/>" in workbook:
        return workbook.replace("<definedNames/>", f"<definedNames>{names}</definedNames>", 1)
    end_of_sheets = workbook.index("</sheets>") + len("</sheets>")
    positions = [workbook.find(tag, end_of_sheets) for tag in _DEFINED_NAMES_FOLLOWERS]
    at = min(p for p in positions if p >= 0)
    return workbook[:at] + f"<definedNames>{names}</definedNames>" + workbook[at:]


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


# --- editing: new parts, relationships and content types ----------------------------------------------

def free_part_name(taken: Iterable[str], folder: str, stem: str, suffix: str) -> str:
    """The first `folder/stemN.suffix` (N = 1, 2, ...) not in `taken`. Part names are compared ignoring
    case, because the package format treats names differing only in case as the same part."""
    used = {name.casefold() for name in taken}
    n = 1
    while f"{folder}/{stem}{n}{suffix}".casefold() in used:
        n += 1
    return f"{folder}/{stem}{n}{suffix}"


def free_rel_id(rels: str) -> str:
    """A relationship id ('rIdN') not used in the relationships part `rels`."""
    taken = {rel.get("Id") for rel in relationships(rels)}
    n = len(taken) + 1
    while f"rId{n}" in taken:
        n += 1
    return f"rId{n}"


def empty_relationships() -> str:
    """A relationships part with no relationship yet, for a part that had none."""
    return f'{XML_DECLARATION}<Relationships xmlns="{PACKAGE_RELS_NS}"></Relationships>'


def add_relationship(rels: str, rel_id: str, rel_type: str, target: str) -> str:
    """`rels` with one more relationship (an internal target, as relative() gives)."""
    entry = f'<Relationship Id="{rel_id}" Type="{rel_type}" Target="{xml_escape(target)}"/>'
    if "</Relationships>" in rels:
        return rels.replace("</Relationships>", entry + "</Relationships>", 1)
    return re.sub(r"<Relationships\b([^>]*?)\s*/>", lambda m: f"<Relationships{m.group(1)}>{entry}</Relationships>",
                  rels, count=1)


def add_override(types: str, part: str, content_type: str) -> str:
    """[Content_Types].xml text declaring `part`'s content type (unchanged when it already is)."""
    if f'PartName="/{part}"' in types:
        return types
    return types.replace("</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>', 1)


def add_default(types: str, extension: str, content_type: str) -> str:
    """[Content_Types].xml text with a default content type for `extension` (kept if one is declared)."""
    if re.search(rf'<Default\b[^>]*\bExtension="{extension}"', types, flags=re.I):
        return types
    return re.sub(r"(<Types\b[^>]*>)", rf'\1<Default Extension="{extension}" ContentType="{content_type}"/>', types,
                  count=1)


class PackageEdit:
    """A package being edited in memory: reads see the edits made so far; `rewritten` (members replaced),
    `added` (new members) and `types` (the content types) are what writeback.write_zip then writes."""

    def __init__(self, source: zipfile.ZipFile):
        self.source = source
        self.members = set(source.namelist())
        self.rewritten: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.types = source.read(CONTENT_TYPES).decode("utf-8")

    def read(self, name: str) -> bytes:
        if name in self.rewritten:
            return self.rewritten[name]
        if name in self.added:
            return self.added[name]
        return self.source.read(name)

    def exists(self, name: str) -> bool:
        return name in self.members or name in self.added

    def names(self) -> set[str]:
        """Every member name, old and new: what a new part's name must differ from."""
        return self.members | set(self.added)

    def put(self, name: str, data: bytes) -> None:
        if name in self.members:
            self.rewritten[name] = data
        else:
            self.added[name] = data
