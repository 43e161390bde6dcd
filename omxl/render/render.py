"""render_template: fill an .xlsx/.xlsm template with a context, at the package level.

The template is never loaded into a spreadsheet library and saved again (which drops what the library does not
model). Worksheets holding expressions or references that move are rewritten as text (sheet.py), the parts
around them are edited as text (parts.py), and every other member (images, VBA project, printer settings,
custom XML, anything unknown) is copied byte for byte (writeback.write_zip, with big rewritten parts deflated
fast). The result is written through atomic_save and must open in a spreadsheet reader before it replaces anything.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path
from typing import Mapping
from xml.sax.saxutils import unescape

from jinja2 import Undefined
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

from ..io.read.sniff import XLSM
from ..io.save.atomic import atomic_save, verify_xlsx
from ..io.xlsx import package
from ..io.xlsx.sheetxml import CHUNK_ROWS
from ..io.xlsx.writeback import STYLES_TYPE, Streamed, read_workbook, write_zip
from ..presentation.sheets import labels_for
from . import parts
from .environment import SINGLE_EXPRESSION, check_source, environment, has_jinja
from .errors import Problem, TemplateError
from .refs import Moves
from .sheet import build, build_parts, needs_build, records, scan, texts
from .stylebook import StyleBook

# Rewritten parts from 1 MB on are deflated at level 1: a 100,000-row sheet is some 40 MB of XML, the default
# level takes four times as long for a file a third smaller, and rendering must stay within seconds.
FAST_FROM = 1 << 20

# A sheet whose tables write this many records or more is deflated as its rows are joined, a block at a time
# (writeback.Streamed), instead of being made whole first: the two then share the machine's cores.
STREAM_FROM = CHUNK_ROWS

SHARED_STRINGS_TYPE = package.REL_NS + "/sharedStrings"
_FORBIDDEN_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")


def render_template(template: "str | os.PathLike", context: Mapping[str, object], out: "str | os.PathLike", *,
                    backup: bool = True) -> Path:
    """Render the .xlsx/.xlsm `template` with `context` (names -> values, DataFrames for table markers) into
    `out`, and return its path. See docs/templates.md. Raises TemplateError naming the sheet and cell of any
    problem in the template; nothing is written then. An existing `out` is kept as a backup (omxl-backups/)
    unless backup=False."""
    source = Path(template)
    target = Path(out)
    data, kind = read_workbook(source, "render_template needs the template workbook.", "renders",
                               "Save the template as .xlsx in Excel.")
    if kind == XLSM and target.suffix.lower() != ".xlsm":
        raise TemplateError(source.name, "the workbook", f"it holds macros, so the result must be saved as .xlsm, "
                            f"not {target.name}")
    try:
        rendered, written = render_package(data, dict(context))
    except Problem as problem:
        raise TemplateError(source.name, problem.where, problem.problem) from None

    def verify(temp: Path) -> None:
        verify_xlsx(temp, check_members=written)

    with atomic_save(target, verify=verify, backup=backup) as temp:
        temp.write_bytes(rendered)
    return target


class _Evaluator:
    """Renders template text in the sandbox, turning every failure into a Problem at `where`."""

    def __init__(self, context: dict, header: bool = False):
        self.context = context
        self.env = environment(header=header)

    def __call__(self, text: str, where: str, keep_type: bool) -> object:
        try:
            check_source(self.env, text)
            if keep_type:
                expression = SINGLE_EXPRESSION.match(text).group("expr")
                value = self.env.compile_expression(expression, undefined_to_none=False)(self.context)
                if isinstance(value, Undefined):
                    value._fail_with_undefined_error()
                return value
            return self.env.from_string(text).render(self.context)
        except SecurityError as exc:
            raise Problem(where, f"refused: {exc}; nothing was run.") \
                from None
        except TemplateSyntaxError as exc:
            raise Problem(where, f"template syntax error: {(exc.message or '').rstrip('.')}.") from None
        except UndefinedError as exc:
            known = ", ".join(sorted(map(str, self.context))) or "nothing"
            raise Problem(where, f"{exc.message} (the context holds: {known}).") from None
        except Problem:
            raise
        except Exception as exc:  # a filter given the wrong kind of value, a data error while evaluating
            raise Problem(where, f"{exc}") from None


def shared_strings(archive: zipfile.ZipFile, rels: str, workbook_path: str) -> list[str]:
    part = package.target_of_type(rels, SHARED_STRINGS_TYPE, workbook_path)
    if part is None or part not in archive.namelist():
        return []
    xml = archive.read(part).decode("utf-8")
    items = re.findall(r"<si\b[^>]*?(?:/>|>(.*?)</si>)", xml, flags=re.S)
    return [unescape("".join(re.findall(r"<t\b[^>]*>(.*?)</t>", re.sub(r"<rPh\b.*?</rPh>", "", item, flags=re.S),
                                        flags=re.S))) for item in items]


def sheet_names(entries: list, evaluate: _Evaluator) -> dict[str, str]:
    """Template sheet name -> rendered name, for names holding expressions; checked against Excel's rules."""
    names: dict[str, str] = {}
    for entry in entries:
        if not has_jinja(entry.name):
            continue
        where = f"sheet name '{entry.name}'"
        new = str(evaluate(entry.name, where, False)).strip()
        if not new or len(new) > 31 or _FORBIDDEN_IN_SHEET_NAMES.search(new) or new[0] == "'" or new[-1] == "'":
            raise Problem(where, f"renders as '{new}', which Excel does not accept as a sheet name (1 to 31 "
                          "characters, none of [ ] : * ? / \\, no apostrophe at either end).")
        names[entry.name] = new
    final = [names.get(entry.name, entry.name).casefold() for entry in entries]
    for entry in entries:
        if final.count(names.get(entry.name, entry.name).casefold()) > 1:
            raise Problem(f"sheet name '{entry.name}'", f"renders as '{names.get(entry.name, entry.name)}', the "
                          "name of another sheet; sheet names must differ.")
    return names


def render_package(data: bytes, context: dict) -> tuple[bytes, set[str]]:
    """(the rendered package, the members written anew)."""
    evaluate, evaluate_header = _Evaluator(context), _Evaluator(context, header=True)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = set(archive.namelist())
        workbook_path = package.main_part(archive)
        rels_path = package.rels_path(workbook_path)
        workbook = archive.read(workbook_path).decode("utf-8")
        rels = archive.read(rels_path).decode("utf-8")
        entries = package.sheets(workbook)
        names = sheet_names(entries, evaluate)
        moves = Moves()
        for old, new in names.items():
            moves.rename(old, new)
        shared = shared_strings(archive, rels, workbook_path)
        scanned = []
        for entry in entries:
            part = package.target_of_id(rels, entry.rel_id, workbook_path)
            if part is None or part not in members:
                continue
            xml = archive.read(part).decode("utf-8")
            if "<sheetData" not in xml:  # a chartsheet or dialog sheet: nothing to render
                continue
            sheet = scan(entry.name, names.get(entry.name, entry.name), xml, shared, evaluate, evaluate_header)
            for marker in sheet.markers:
                moves.insert(entry.name, marker.data_row, marker.added)
            scanned.append((part, sheet))

        styles_path = package.target_of_type(rels, STYLES_TYPE, workbook_path)
        book = StyleBook(archive.read(styles_path).decode("utf-8") if styles_path in members else "")
        rewritten: dict[str, bytes | Streamed] = {}
        labels: dict[str, dict[int, list[str]]] = {}
        for part, sheet in scanned:
            if records(sheet) >= STREAM_FROM:  # its marker cells become labels: the part changes
                pieces = build_parts(sheet, moves, book)
                # its size bound: the tables' cells, and the template's own XML counted in cells of that size
                cells = records(sheet) * max(m.width for m in sheet.markers) + len(sheet.xml) // Streamed.BYTES_PER_CELL
                rewritten[part] = Streamed(lambda pieces=pieces: (text.encode("utf-8") for text in texts(pieces)),
                                           cells=cells + 1)
            elif needs_build(sheet, moves):
                xml = build(sheet, moves, book)
                if xml != sheet.xml:  # a sheet nothing refers to stays byte for byte
                    rewritten[part] = xml.encode("utf-8")
            labels[part] = {id(m): labels_for(m.frame.columns, sheet.rendered_name) for m in sheet.markers}
        if book.changed:
            rewritten[styles_path] = book.styles.encode("utf-8")
        dropped: set[str] = set()
        if rewritten or names:
            rewritten[workbook_path] = parts.workbook(workbook, names, moves).encode("utf-8")
            new_rels, types, chain = parts.without_calc_chain(rels, archive.read(package.CONTENT_TYPES).decode(
                "utf-8"), workbook_path)
            if chain is not None:
                dropped.add(chain)
                rewritten[rels_path] = new_rels.encode("utf-8")
                rewritten[package.CONTENT_TYPES] = types.encode("utf-8")
        if moves:
            _related_parts(archive, members, scanned, moves, labels, rewritten)
        if names and "docProps/app.xml" in members:
            app = archive.read("docProps/app.xml").decode("utf-8")
            renamed = parts.app_titles(app, names)
            if renamed != app:
                rewritten["docProps/app.xml"] = renamed.encode("utf-8")
        return write_zip(archive, rewritten, {}, dropped, fast_from=FAST_FROM), set(rewritten)


def _related_parts(archive: zipfile.ZipFile, members: set[str], scanned: list, moves: Moves,
                   labels: dict[str, dict[int, list[str]]], rewritten: dict[str, bytes]) -> None:
    """Charts, tables, drawings, comments and pivot caches whose references moved."""
    def edit(part: str, change) -> None:
        if part not in members:
            return
        old = rewritten.get(part, archive.read(part)).decode("utf-8")
        new = change(old)
        if new != old:
            rewritten[part] = new.encode("utf-8")

    for name in sorted(members):
        if re.fullmatch(r"xl/charts/chart[^/]*\.xml", name):
            edit(name, lambda xml: parts.chart(xml, moves))
        elif re.fullmatch(r"xl/pivotCache/pivotCacheDefinition[^/]*\.xml", name):
            edit(name, lambda xml: parts.pivot_cache(xml, moves))
    for part, sheet in scanned:
        rels_path = package.rels_path(part)
        if rels_path not in members or sheet.name.casefold() not in moves.inserts:
            continue
        for rel in package.relationships(archive.read(rels_path).decode("utf-8")):
            if rel.get("TargetMode") == "External":
                continue
            target = package.resolve(rel["Target"], part)
            kind = rel.get("Type", "").rsplit("/", 1)[-1]
            if kind == "table":
                edit(target, lambda xml: parts.table(xml, sheet.name, moves, sheet.markers, labels[part]))
            elif kind == "drawing":
                edit(target, lambda xml: parts.drawing(xml, sheet.name, moves))
            elif kind == "comments":
                edit(target, lambda xml: parts.comments(xml, sheet.name, moves))
            elif kind == "vmlDrawing":
                edit(target, lambda xml: parts.vml(xml, sheet.name, moves))
