"""Layers that only point down: the import graph of the package (imports inside functions count, since they are
how circles hide; annotations-only imports under TYPE_CHECKING do not, as they never run) has no circle, and no
module imports one of a higher layer (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest



PACKAGE = Path(__file__).resolve().parents[1] / "omxl"

# Bottom to top. A module belongs to the layer of the longest prefix that names it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation: the workbook format, settings, findings, the KPI definitions, words (a KPI in words too), money, "
     "the step registry (data)",
     ("omxl.errors", "omxl.deprecation", "omxl.model", "omxl.config", "omxl.findings", "omxl.wording",
      "omxl.money", "omxl.kpi_catalog", "omxl.rules", "omxl.company_rules", "omxl.reorder", "omxl.cancellations", "omxl.progress", "omxl.shipped",
      "omxl.steps", "omxl.io.address", "omxl.io.safety", "omxl.presentation", "omxl.presentation.columns",
      "omxl.presentation.kpi_words", "omxl.presentation.code_words")),
    ("files: reading and writing workbooks and CSV; the Book; many workbooks as one; a frame as a result sheet",
     ("omxl.io", "omxl.book", "omxl.presentation.sheets", "omxl.consolidation")),
    ("presentation: Summary sheets, notebook views, report templates",
     ("omxl.presentation.summary_sheet", "omxl.presentation.billing_sheet", "omxl.presentation.notebook",
      "omxl.render", "omxl.templates")),
    ("core: validation, the position and every step's computation",
     ("omxl.validation", "omxl.validation_result", "omxl.position", "omxl.reconciliation", "omxl.dispatching", "omxl.planning", "omxl.draft_memory", "omxl.history_store", "omxl.demand_classes",
      "omxl.reporting", "omxl.messaging", "omxl.demo", "omxl.demand_forecast",
      "omxl.supplier_reliability", "omxl.backtesting")),
    ("front doors: the command line, the Excel buttons, the package's own namespace, docs",
     ("omxl", "omxl.__main__", "omxl.run", "omxl.cli", "omxl.macros", "omxl.excel", "omxl.docgen")),
)


def modules(root: Path, package: str = "omxl") -> dict[str, tuple[Path, bool]]:
    """Every module of the package: dotted name -> (file, is a package's __init__)."""
    found = {}
    for path in root.rglob("*.py"):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        is_package = parts[-1] == "__init__"
        found[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return found


def imports(root: Path, package: str = "omxl") -> dict[str, set[str]]:
    """module -> the modules of the package it imports (at the top or inside functions)."""
    known = modules(root, package)
    graph: dict[str, set[str]] = {}
    for name, (path, is_package) in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(node) for block in ast.walk(tree) if isinstance(block, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(block.test) for node in ast.walk(block)}
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = name.split(".") if is_package else name.split(".")[:-1]
                base = base[:len(base) - node.level + 1] if node.level else []
                module = ".".join([*base, *([node.module] if node.module else [])])
                submodules = {f"{module}.{alias.name}" for alias in node.names} & set(known)
                targets |= submodules if len(submodules) == len(node.names) else {module, *submodules}
        found = {_known(target, known) for target in targets if target.split(".")[0] == package} - {None}
        # Importing omxl.a.b runs omxl/a/__init__.py first: an edge to every package above the target that is not
        # also above this module (those are already being imported).
        own = {".".join(name.split(".")[:n]) for n in range(1, name.count(".") + 2)}
        parents = {".".join(target.split(".")[:n]) for target in found for n in range(1, target.count(".") + 1)}
        graph[name] = (found | (parents & set(known))) - own - {name}
    return graph


def _known(name: str, known: dict) -> str | None:
    while name not in known and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in known else None


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(name: str) -> int:
    best, depth = None, -1
    for number, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (name == prefix or name.startswith(prefix + ".")) and prefix.count(".") > depth:
                best, depth = number, prefix.count(".")
    if best is None:
        raise AssertionError(f"{name} is in no layer: add it to LAYERS in tests/test_layers.py")
    return best


def upward(graph: dict[str, set[str]]) -> list[str]:
    return sorted(f"{source} ({LAYERS[layer_of(source)][0].split(':')[0]}) imports {target} "
                  f"({LAYERS[layer_of(target)][0].split(':')[0]})"
                  for source, targets in graph.items() for target in targets if layer_of(target) > layer_of(source))


def test_the_package_has_no_import_circle():
    assert circles(imports(PACKAGE)) == []


def test_no_module_imports_from_a_higher_layer():
    assert upward(imports(PACKAGE)) == []


def test_every_module_is_in_a_layer():
    for name in modules(PACKAGE):
        layer_of(name)


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the package's source to add a deliberately bad module to."""
    import shutil

    copy = tmp_path / "omxl"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def test_an_upward_import_added_inside_a_function_fails(package_copy: Path):
    (package_copy / "money.py").write_text((package_copy / "money.py").read_text(encoding="utf-8") + (
        "\n\ndef _total_of_plan(book):\n    from .planning import plan_reorders\n    return plan_reorders(book)\n"),
        encoding="utf-8")
    graph = imports(package_copy)
    assert upward(graph) == ["omxl.money (foundation) imports omxl.planning (core)"]
    # ... and planning imports money: that is a circle as well
    assert any({"omxl.money", "omxl.planning"} <= set(circle) for circle in circles(graph))


def test_a_circle_through_a_new_module_fails(package_copy: Path):
    (package_copy / "position" / "extra.py").write_text("from ..reconciliation import reconcile\n",
                                                         encoding="utf-8")
    init = package_copy / "reconciliation" / "views.py"
    init.write_text(init.read_text(encoding="utf-8") + "\nfrom ..position import extra\n", encoding="utf-8")
    found = circles(imports(package_copy))
    assert any({"omxl.position.extra", "omxl.reconciliation"} <= set(c) for c in found)


def test_annotation_only_imports_do_not_count(package_copy: Path):
    money = package_copy / "money.py"
    money.write_text(money.read_text(encoding="utf-8") + (
        "\n\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .planning import ReorderPlan\n"),
        encoding="utf-8")
    assert upward(imports(package_copy)) == []


def test_e_mail_has_one_home():
    """Every e-mail omxl writes or sends lives in omxl/messaging/ (issue 22): only the command line's hooks reach
    the SMTP code from outside it, and only omxl.messaging.smtp talks to a server (smtplib)."""
    graph = imports(PACKAGE)
    smtp_users = sorted(name for name, targets in graph.items() if "omxl.messaging.smtp" in targets
                        and not name.startswith("omxl.messaging"))
    assert smtp_users == ["omxl.cli.hooks"]
    talking = sorted(name for name, (path, _) in modules(PACKAGE).items()
                     if "smtplib" in {alias.name for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                                      if isinstance(node, ast.Import) for alias in node.names})
    assert talking == ["omxl.messaging.smtp"]
    assert not (PACKAGE / "io" / "mail.py").exists() and not (PACKAGE / "reporting" / "weekly_mail.py").exists()
