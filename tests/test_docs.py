"""Docs are generated from the code or tested against it."""

from __future__ import annotations

import re
import tomllib

import pytest
from click.testing import CliRunner

from conftest import ROOT
from omxl import docgen
from omxl.cli import cli
from omxl.config import load_config
from omxl.findings import CATALOG
from omxl.model import TABLES


@pytest.mark.parametrize("name", sorted(docgen.PAGES))
def test_generated_page_is_current(name):
    on_disk = (ROOT / "docs" / name).read_text(encoding="utf-8")
    assert on_disk == docgen.PAGES[name](), f"docs/{name} is stale: run `python -m omxl.docgen`"


def test_every_table_column_and_alias_is_on_the_format_page():
    page = (ROOT / "docs" / "workbook-format.md").read_text(encoding="utf-8")
    for table in TABLES:
        assert f"\n## {table.name}\n" in page
        for column in table.columns:
            row = next(line for line in page.splitlines() if line.startswith(f"| `{column.name}` |")
                       and all(alias in line for alias in column.aliases))
            assert row


def test_every_finding_code_is_documented():
    page = (ROOT / "docs" / "finding-codes.md").read_text(encoding="utf-8")
    assert re.findall(r"^\| `([a-z-]+)` \|", page, flags=re.M) == list(CATALOG)


def test_every_command_has_help_and_a_docs_entry():
    page = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert command.help, f"omxl {name} has no help text"
        assert f"## `omxl {name}`" in page
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0


def test_readme_starts_with_the_two_commands():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    block = lines[lines.index("```bash") + 1: lines.index("```")]
    assert block == [
        "python3 -m pip install -e . && omxl weekly workbooks/sample.xlsx --as-of 2026-11-27",
        "bash scripts/test.sh",
    ]
    assert (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().endswith("exec bash scripts/test.sh")


def code_blocks(page: str, language: str) -> list[str]:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


@pytest.mark.parametrize("index", range(len(code_blocks("quickstart.md", "python"))))
def test_quickstart_python_examples_run(index, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    exec(compile(code_blocks("quickstart.md", "python")[index], f"quickstart.md#{index}", "exec"), {})


def test_quickstart_shell_examples_run(monkeypatch, tmp_path):
    import shlex

    monkeypatch.chdir(ROOT)
    commands = [line for block in code_blocks("quickstart.md", "bash") for line in block.splitlines()
                if line.startswith("omxl ")]
    assert len(commands) == 4
    for command in commands:
        args = [a.replace("/tmp/", f"{tmp_path}/") for a in shlex.split(command)[1:]]
        result = CliRunner().invoke(cli, args)
        expected = 1 if args[0] in ("validate", "read") else 0   # the sample has deliberate errors
        assert result.exit_code == expected, (command, result.output)


def test_safe_output_page_example_runs(monkeypatch, tmp_path):
    monkeypatch.chdir(ROOT)
    backups, destination = code_blocks("safe-output.md", "python")
    exec(compile(backups.replace("/tmp/", f"{tmp_path}/"), "safe-output.md", "exec"), {})
    assert (tmp_path / "omxl-backups").is_dir()
    exec(compile(destination.replace("/tmp/", f"{tmp_path}/"), "safe-output.md", "exec"), {})
    assert (tmp_path / "lines-2026-11-27.csv").read_text(encoding="utf-8-sig").startswith("order_id,line,")
    assert (tmp_path / "status-2026-11-27.xlsx").stat().st_size > 10_000


def test_every_rule_is_on_the_rules_page():
    from omxl.rules import RULES

    page = (ROOT / "docs" / "validation-rules.md").read_text(encoding="utf-8")
    rows = [line for line in page.splitlines() if line.startswith("| `")]
    assert len(rows) == len(RULES)


def test_reconciliation_page_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    (block,) = code_blocks("reconciliation.md", "python")
    exec(compile(block, "reconciliation.md", "exec"), {})


def test_learning_page_supplier_reliability_example_prints_what_it_says(capsys):
    page = (ROOT / "docs" / "learning.md").read_text(encoding="utf-8")
    section = page.split("\n## Supplier reliability\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    exec(compile(block, "learning.md#supplier-reliability", "exec"), {})
    said = [line.split("# ", 1)[1] if line.startswith("# ") else line.split("  # ", 1)[1].strip()
            for line in block.splitlines() if line.startswith("# ") or (line.startswith("print(") and "  # " in line)]
    assert capsys.readouterr().out.splitlines() == said


def test_reorder_planning_page_example_runs(monkeypatch):
    monkeypatch.chdir(ROOT)
    (block,) = code_blocks("reorder-planning.md", "python")
    exec(compile(block, "reorder-planning.md", "exec"), {})


def test_dispatch_page_example_runs_and_says_what_it_prints(monkeypatch, tmp_path, capsys):
    (block,) = code_blocks("dispatch.md", "python")
    monkeypatch.chdir(tmp_path)
    exec(compile(block.replace('"workbooks/sample.xlsx"', repr(str(ROOT / "workbooks" / "sample.xlsx"))),
                 "dispatch.md", "exec"), {})
    printed = capsys.readouterr().out
    # The page's comment shows the start of what the example prints.
    assert printed.startswith("286 lines of 172 orders to pick, 13,175 units from 2 locations; 24 held back")
    assert (tmp_path / "picks.xlsx").stat().st_size > 10_000


def test_billing_page_example_prints_what_it_says(capsys):
    (block,) = code_blocks("billing.md", "python")
    exec(compile(block, "billing.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    # The page's comments under the example are what it prints.
    shown = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    assert printed == shown and len(printed) == 4


def test_configuration_page_examples_load_and_run(monkeypatch, tmp_path):
    blocks = code_blocks("configuration.md", "toml")
    assert len(blocks) == 3
    for block in blocks:
        load_config(tomllib.loads(block))
    (coded, source_map) = blocks[1:]
    assert load_config(tomllib.loads(coded)).values == {
        "purchase_orders": {"status": {"1": "open", "2": "open", "3": "cancelled", "4": "closed"}}}
    assert load_config(tomllib.loads(source_map)).columns == {"purchase_orders.csv": {"id": "po_id"}}
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    (block,) = code_blocks("configuration.md", "python")
    exec(compile(block, "configuration.md", "exec"), {})


def test_scale_page_example_prints_what_its_comments_say(monkeypatch, tmp_path, capsys):
    (block,) = code_blocks("scale.md", "python")
    monkeypatch.chdir(tmp_path)
    exec(compile(block.replace('"workbooks/sample.xlsx"', repr(str(ROOT / "workbooks" / "sample.xlsx"))),
                 "scale.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    # Each print's comment starts with what it prints (then, after ": " or ", ", why).
    said = [line.split("# ")[1] for line in block.splitlines() if line.startswith("print(")]
    said = [text if text.startswith("{") else text.split(":")[0].split(", as")[0] for text in said]
    assert printed == said == ["{'north': 3000, 'south': 3000}", "north/SO-260001", "31 True", "212"]


def test_backtest_page_example_prints_what_it_says(capsys):
    (block,) = code_blocks("backtest.md", "python")
    exec(compile(block, "backtest.md", "exec"), {})
    shown = [line[2:] for line in block.splitlines() if line.startswith("# ")]
    assert capsys.readouterr().out.splitlines() == shown
