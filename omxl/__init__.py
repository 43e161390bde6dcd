"""omxl: order management from the Excel workbooks people already have.

    import omxl
    book = omxl.read_book("workbooks/sample.xlsx")

See docs/quickstart.md. Every public name is in `__all__`, and so is every exception a public function raises
on purpose: each is an OmxlError whose text is the message for the user.
"""

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
    # The old name of NoTablesError, for one release (omxl/errors.py says so once when it is used).
    if name == "NoOrdersError":
        from . import errors
        return errors.NoOrdersError
    # A company rule's expression error (a ConfigError); loaded on first use, since it brings the rules' parser.
    if name == "RuleError":
        from .company_rules import RuleError
        return RuleError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
