"""omxl: order management from the Excel workbooks people already have.

    import omxl
    book = omxl.read_book("workbooks/sample.xlsx")

See docs/quickstart.md. Every public name is in `__all__`, and so is every exception a public function raises
on purpose: each is an OmxlError whose text is the message for the user.
"""

import importlib
from typing import TYPE_CHECKING

# Each public name and the module that holds it. The names load on first use (PEP 562), so that a command
# imports what it runs and no more: `omxl weekly` never loads the Excel button builders, the mail client
# or openpyxl, which took a third of a second of every command's start.
_MODULE_NAMES: dict[str, str] = {
    ".book": "Book",
    ".config": "Config load_config",
    ".consolidation": "consolidate",
    ".consolidation.reading": "ClusterError",
    ".dispatching": "Dispatch dispatch",
    ".errors": "ConfigError MailError NoTablesError OmxlError OutputError SourceError",
    ".io.read": "read_book",
    ".io.save.atomic": "FileLockedError WriteError",
    ".io.save.write": "save_csv save_workbook",
    ".excel.macrobook": "excel_setup",
    ".excel.odsbook": "libreoffice_setup",
    ".excel.office": "OfficeError",
    ".io.xlsx.sheetxml": "ResultSheet",
    ".excel.vbaproject": "VbaProjectError",
    ".io.xlsx.writeback": "WriteBackError write_back",
    ".messaging": "Messages notify",
    ".backtesting": "Backtest backtest",
    ".planning": "ReorderPlan plan_reorders",
    ".position": "Position prepare",
    ".presentation.notebook": "style",
    ".reconciliation": "Reconciliation reconcile",
    ".reporting": "History HistoryError Report weekly_report",
    ".reporting.improvements": "Improvements suggest_improvements",
    ".render": "TemplateError render_template",
    ".validation_result": "Validation validate",
}
_PUBLIC = {name: module for module, names in _MODULE_NAMES.items() for name in names.split()}
_SUBMODULES = ("reorder", "steps")

if TYPE_CHECKING:   # the names as static tools and editors see them
    from . import reorder, steps
    from .book import Book
    from .config import Config, load_config
    from .consolidation import consolidate
    from .consolidation.reading import ClusterError
    from .dispatching import Dispatch, dispatch
    from .errors import ConfigError, MailError, NoTablesError, OmxlError, OutputError, SourceError
    from .io.read import read_book
    from .io.save.atomic import FileLockedError, WriteError
    from .io.save.write import save_csv, save_workbook
    from .excel.macrobook import excel_setup
    from .excel.odsbook import libreoffice_setup
    from .excel.office import OfficeError
    from .io.xlsx.sheetxml import ResultSheet
    from .excel.vbaproject import VbaProjectError
    from .io.xlsx.writeback import WriteBackError, write_back
    from .messaging import Messages, notify
    from .backtesting import Backtest, backtest
    from .planning import ReorderPlan, plan_reorders
    from .position import Position, prepare
    from .presentation.notebook import style
    from .reconciliation import Reconciliation, reconcile
    from .reporting import History, HistoryError, Report, weekly_report
    from .reporting.improvements import Improvements, suggest_improvements
    from .render import TemplateError, render_template
    from .validation_result import Validation, validate


__version__ = "0.1.0"
__all__ = [
    # reading and the prepared stage
    "Book", "read_book", "consolidate", "Position", "prepare",
    # the steps (contract 3): one function each, and the registry that runs any of them
    "validate", "Validation", "reconcile", "Reconciliation", "plan_reorders", "ReorderPlan", "reorder",
    "weekly_report", "Report", "History", "notify", "Messages", "dispatch", "Dispatch",
    "suggest_improvements", "Improvements", "backtest", "Backtest", "steps",
    # writing results
    "write_back", "save_workbook", "save_csv", "ResultSheet", "render_template", "excel_setup",
    "libreoffice_setup", "style",
    # settings
    "Config", "load_config",
    # errors: OmxlError and every kind a public function raises
    "OmxlError", "ConfigError", "SourceError", "NoTablesError", "OutputError", "FileLockedError", "WriteError",
    "WriteBackError", "MailError", "HistoryError", "TemplateError", "VbaProjectError",
    "OfficeError", "RuleError", "ClusterError",
    "__version__",
]


def __getattr__(name: str):
    if name in _PUBLIC or name in _SUBMODULES:
        module = importlib.import_module(_PUBLIC.get(name, f".{name}"), __name__)
        value = getattr(module, name) if name in _PUBLIC else module
        globals()[name] = value   # looked up once: later uses are plain attribute reads
        return value
    # The old name of NoTablesError, for one release (omxl/errors.py says so once when it is used).
    if name == "NoOrdersError":
        from . import errors
        return errors.NoOrdersError
    # A company rule's expression error (a ConfigError); loaded on first use, since it brings the rules' parser.
    if name == "RuleError":
        from .company_rules import RuleError
        return RuleError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
