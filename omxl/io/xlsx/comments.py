"""Notes (legacy comments) on worksheet cells, added to a package being edited.

Excel keeps a sheet's notes in two parts: the comments part (the text, with the author list) and a VML
drawing (each note's box: where it shows and that it is hidden until hovered), which the sheet points
to with <legacyDrawing>. Both are created when the sheet has no notes yet, and extended otherwise, so
the user's own notes stay as they were. A cell that already carries a note gets no second one.
"""

from __future__ import annotations

import re

from ..address import cell_position, column_letter
from . import package
from .package import PackageEdit
from ..safety import xml_escape

COMMENTS_TYPE = package.REL_NS + "/comments"
VML_TYPE = package.REL_NS + "/vmlDrawing"
COMMENTS_CONTENT = "application/vnd.openxmlformats-officedocument.spreadsheetml.comments+xml"
VML_CONTENT = "application/vnd.openxmlformats-officedocument.vmlDrawing"
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
AUTHOR = "omxl"

# CT_Worksheet children that come after <legacyDrawing> (searched after the last conditional format,
# whose rules may hold an extLst of their own); mc:AlternateContent wraps oleObjects and controls.
_LEGACY_DRAWING_FOLLOWERS = ("legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
                             "webPublishItems", "tableParts", "extLst")
_SHAPE_ID = re.compile(r"_x0000_s([0-9]+)")
_IDMAP = re.compile(r'(<o:idmap\b[^>]*?\bdata=")([^"]*)(")')
_RUN_PROPERTIES = '<sz val="9"/><color indexed="81"/><rFont val="Tahoma"/><family val="2"/>'
_SHAPE_TYPE = ('<v:shapetype id="_x0000_t202" coordsize="21600,21600" o:spt="202" '
               'path="m,l,21600r21600,l21600,xe"><v:stroke joinstyle="miter"/>'
               '<v:path gradientshapeok="t" o:connecttype="rect"/></v:shapetype>')

Notes = dict[tuple[int, int], str]  # (row, column), both from 1 -> the note's text


class NoteWriter:
    """Adds notes to the worksheets of one package. One writer serves the whole package, because shape
    ids of all its VML drawings must stay apart (see _ShapeIds)."""

    def __init__(self, book: PackageEdit):
        self.book = book
        self._vml_blocks: set[int] | None = None

    def add(self, part: str, root_tag: str, prefix: str, tail: str, texts: Notes) -> str:
        """Add a note with `texts`' text to each of its cells in worksheet `part` that has none yet.

        `root_tag` is the sheet's <worksheet ...> tag and `prefix` its namespace prefix ('' or 'x:');
        `tail` is the sheet's XML from </sheetData> on, where <legacyDrawing> lives. Returns the tail
        as it must now be; the comments part, drawing, relationships and content types are put in
        the package."""
        book = self.book
        rels_path = package.rels_path(part)
        rels = book.read(rels_path).decode("utf-8") if book.exists(rels_path) else package.empty_relationships()
        rels_changed = False
        comments_part = package.target_of_type(rels, COMMENTS_TYPE, part)
        if comments_part is not None and not book.exists(comments_part):
            comments_part = None
        existing_comments = book.read(comments_part).decode("utf-8") if comments_part else None
        commented = _commented_cells(existing_comments) if existing_comments else set()
        notes = {key: text for key, text in sorted(texts.items()) if key not in commented}
        if not notes:
            return tail
        if comments_part is None:
            comments_part = package.free_part_name(book.names(), "xl", "comments", ".xml")
            rels = package.add_relationship(rels, package.free_rel_id(rels), COMMENTS_TYPE,
                                            package.relative(comments_part, part))
            rels_changed = True
            book.types = package.add_override(book.types, comments_part, COMMENTS_CONTENT)
        book.put(comments_part, _comments_xml(existing_comments, notes).encode("utf-8"))

        legacy = re.compile(rf"<{prefix}legacyDrawing\b[^>]*>").search(tail)
        vml_part = None
        if legacy is not None:
            rel_id = next((v for k, v in package.attrs(legacy.group(0)).items() if k.endswith(":id")), "")
            vml_part = package.target_of_id(rels, rel_id, part)
            if vml_part is not None and not book.exists(vml_part):
                vml_part = None
        if vml_part is not None:
            vml = book.read(vml_part).decode("latin-1")
            book.put(vml_part, _extend_vml(vml, notes, self._used_vml_blocks()).encode("latin-1"))
        else:
            vml_part = package.free_part_name(book.names(), "xl/drawings", "vmlDrawing", ".vml")
            rel_id = package.free_rel_id(rels)
            rels = package.add_relationship(rels, rel_id, VML_TYPE, package.relative(vml_part, part))
            rels_changed = True
            book.types = package.add_default(book.types, "vml", VML_CONTENT)
            book.put(vml_part, _new_vml(notes, self._used_vml_blocks()).encode("latin-1"))
            tag = _legacy_drawing_tag(root_tag, prefix, rel_id)
            if legacy is not None:  # a legacyDrawing pointing nowhere: point it at the new drawing
                tail = tail[:legacy.start()] + tag + tail[legacy.end():]
            else:
                tail = _insert_legacy_drawing(tail, prefix, tag)
        if rels_changed:
            book.put(rels_path, rels.encode("utf-8"))
        return tail

    def _used_vml_blocks(self) -> set[int]:
        """Shape-id blocks (of 1024) used by any VML drawing of the package; shared and updated as
        drawings take new blocks. Read once, and only when a sheet gets notes."""
        if self._vml_blocks is None:
            blocks: set[int] = set()
            for name in self.book.members:
                if name.lower().endswith(".vml"):
                    text = self.book.source.read(name).decode("latin-1")
                    blocks |= _idmap_blocks(text)
                    blocks |= {int(i) // 1024 for i in _SHAPE_ID.findall(text)}
            self._vml_blocks = blocks
        return self._vml_blocks


# --- legacyDrawing in the worksheet ---------------------------------------------------------------

def _legacy_drawing_tag(root_tag: str, prefix: str, rel_id: str) -> str:
    found = re.search(rf'xmlns:(\w+)="{re.escape(package.REL_NS)}"', root_tag)
    if found:
        return f'<{prefix}legacyDrawing {found.group(1)}:id="{rel_id}"/>'
    return f'<{prefix}legacyDrawing xmlns:r="{package.REL_NS}" r:id="{rel_id}"/>'


def _insert_legacy_drawing(tail: str, prefix: str, tag: str) -> str:
    """<legacyDrawing> goes before the first element the schema puts after it, else before </worksheet>.
    `tail` is the sheet from </sheetData> on; the search starts after the last conditional format, whose
    rules may hold an extLst of their own."""
    start = max(tail.rfind(f"</{prefix}conditionalFormatting>"), 0)
    names = "|".join(_LEGACY_DRAWING_FOLLOWERS)
    follower = re.compile(rf"<(?:{prefix}(?:{names})|\w+:AlternateContent)(?=[\s/>])|</{prefix}worksheet>")
    found = follower.search(tail, start)
    at = found.start() if found else len(tail)
    return tail[:at] + tag + tail[at:]


# --- comments part --------------------------------------------------------------------------------

def _commented_cells(comments: str) -> set[tuple[int, int]]:
    found = set()
    for ref in re.findall(r'<(?:\w+:)?comment\b[^>]*?\bref="([^"]+)"', comments):
        cell = cell_position(ref.upper())
        if cell:
            found.add(cell)
    return found


def _comment_xml(prefix: str, row: int, column: int, author: int, text: str) -> str:
    # Excel shows a note's first run as its author line: a bold "omxl:" says who wrote the note.
    p = prefix
    return (f'<{p}comment ref="{column_letter(column - 1)}{row}" authorId="{author}"><{p}text>'
            f"<{p}r><{p}rPr><{p}b/>{_prefixed(_RUN_PROPERTIES, p)}</{p}rPr><{p}t>{AUTHOR}:</{p}t></{p}r>"
            f"<{p}r><{p}rPr>{_prefixed(_RUN_PROPERTIES, p)}</{p}rPr><{p}t xml:space=\"preserve\">\n"
            f"{xml_escape(text)}</{p}t></{p}r></{p}text></{p}comment>")


def _prefixed(xml: str, prefix: str) -> str:
    return xml.replace("<", f"<{prefix}") if prefix else xml


def _comments_xml(existing: str | None, notes: Notes) -> str:
    if existing is None:
        body = "".join(_comment_xml("", row, column, 0, text) for (row, column), text in notes.items())
        return (f'{package.XML_DECLARATION}<comments xmlns="{MAIN_NS}"><authors><author>{AUTHOR}</author>'
                f"</authors><commentList>{body}</commentList></comments>")
    root = re.search(r"<(\w+:)?comments\b", existing)
    p = (root.group(1) or "") if root else ""
    authors = re.search(rf"<{p}authors\b[^>]*?(?:/>|>(.*?)</{p}authors>)", existing, flags=re.S)
    names = re.findall(rf"<{p}author\b[^>]*?(?:/>|>(.*?)</{p}author>)", authors.group(1) or "", flags=re.S) \
        if authors else []
    if AUTHOR in names:
        author = names.index(AUTHOR)
    else:
        author = len(names)
        entry = f"<{p}author>{AUTHOR}</{p}author>"
        if authors is None:
            existing = re.sub(rf"(<{p}comments\b[^>]*>)", rf"\1<{p}authors>{entry}</{p}authors>", existing, count=1)
        elif authors.group(0).endswith("/>"):
            existing = existing[:authors.start()] + f"<{p}authors>{entry}</{p}authors>" + existing[authors.end():]
        else:
            close = authors.end() - len(f"</{p}authors>")
            existing = existing[:close] + entry + existing[close:]
    body = "".join(_comment_xml(p, row, column, author, text) for (row, column), text in notes.items())
    if f"</{p}commentList>" in existing:
        return existing.replace(f"</{p}commentList>", body + f"</{p}commentList>", 1)
    empty = re.search(rf"<{p}commentList\s*/>", existing)
    if empty:
        return existing[:empty.start()] + f"<{p}commentList>{body}</{p}commentList>" + existing[empty.end():]
    return existing.replace(f"</{p}comments>", f"<{p}commentList>{body}</{p}commentList></{p}comments>", 1)


# --- VML drawing (where Excel keeps each note's box) ----------------------------------------------

def _idmap_blocks(vml: str) -> set[int]:
    blocks = set()
    for _, data, _ in _IDMAP.findall(vml):
        blocks |= {int(b) for b in re.findall(r"[0-9]+", data)}
    return blocks


class _ShapeIds:
    """Shape ids for new notes: ids live in blocks of 1024 that each drawing lists in its o:idmap, and no two
    drawings of a workbook share a block."""

    def __init__(self, own: list[int], start: int, used: set[int]):
        self.own = sorted(own)
        self.used = used
        self.next = start

    def take(self) -> int:
        while True:
            block, offset = divmod(self.next, 1024)
            if block in self.own and offset > 0:
                self.next += 1
                return self.next - 1
            later = [b for b in self.own if b > block]
            if later:
                self.next = later[0] * 1024 + 1
                continue
            fresh = max(self.used | {0}) + 1
            self.used.add(fresh)
            self.own.append(fresh)
            self.next = fresh * 1024 + 1


def _shapes(notes: Notes, ids: _ShapeIds, z_start: int) -> str:
    shapes = []
    for z, ((row, column), text) in enumerate(notes.items(), start=z_start):
        # A box tall enough for the text (about 40 characters a line), within 4 to 20 rows.
        lines = text.count("\n") + 2 + sum(len(line) // 40 for line in text.split("\n"))
        height = max(4, min(lines, 20))
        top = max(row - 2, 0)
        left = column
        anchor = f"{left}, 15, {top}, 10, {left + 3}, 15, {top + height}, 4"
        shapes.append(
            f'<v:shape id="_x0000_s{ids.take()}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{left * 48 + 11.25:g}pt;margin-top:{top * 15 + 1.5:g}pt;width:144pt;"
            f'height:{height * 15:g}pt;z-index:{z};visibility:hidden" fillcolor="#ffffe1" o:insetmode="auto">'
            '<v:fill color2="#ffffe1"/><v:shadow on="t" color="black" obscured="t"/><v:path o:connecttype="none"/>'
            '<v:textbox style="mso-direction-alt:auto"><div style="text-align:left"></div></v:textbox>'
            '<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{anchor}</x:Anchor><x:AutoFill>False</x:AutoFill>"
            f"<x:Row>{row - 1}</x:Row><x:Column>{column - 1}</x:Column></x:ClientData></v:shape>")
    return "".join(shapes)


def _new_vml(notes: Notes, used: set[int]) -> str:
    block = max(used | {0}) + 1
    used.add(block)
    ids = _ShapeIds([block], block * 1024 + 1, used)
    shapes = _shapes(notes, ids, 1)
    data = ",".join(str(b) for b in ids.own)
    return ('<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
            'xmlns:x="urn:schemas-microsoft-com:office:excel"><o:shapelayout v:ext="edit">'
            f'<o:idmap v:ext="edit" data="{data}"/></o:shapelayout>{_SHAPE_TYPE}{shapes}</xml>')


def _extend_vml(vml: str, notes: Notes, used: set[int]) -> str:
    own = sorted(_idmap_blocks(vml))
    existing_ids = [int(i) for i in _SHAPE_ID.findall(vml)]
    if not own:  # no o:idmap: the blocks its shapes use are its own
        own = sorted({i // 1024 for i in existing_ids}) or [max(used | {0}) + 1]
        used.update(own)
    start = max(existing_ids + [own[0] * 1024]) + 1
    ids = _ShapeIds(own, start, used)
    z_values = [int(z) for z in re.findall(r"z-index:\s*([0-9]+)", vml)]
    shapes = _shapes(notes, ids, max(z_values + [0]) + 1)
    if 'id="_x0000_t202"' not in vml:
        shapes = _SHAPE_TYPE + shapes
    data = ",".join(str(b) for b in ids.own)
    if _IDMAP.search(vml):
        vml = _IDMAP.sub(lambda m: m.group(1) + data + m.group(3), vml, count=1)
    close = vml.rfind("</xml>")
    if close < 0:
        return vml + shapes
    return vml[:close] + shapes + vml[close:]
