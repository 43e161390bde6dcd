"""omxl: order management from the Excel workbooks people already have.

    import omxl
    book = omxl.read_book("workbooks/sample.xlsx")

See docs/quickstart.md.
"""

from .book import Book
from .config import Config, load_config
from .errors import ConfigError, NoOrdersError, OmxlError, SourceError
from .io.read import read_book
from .io.xlsx.sheetxml import ResultSheet
from .io.save.write import save_csv, save_workbook
from .io.xlsx.writeback import write_back
from .planning import ReorderPlan, plan_reorders
from .position import Position, prepare
from .presentation.notebook import style
from .reconciliation import Reconciliation, reconcile
from .reporting import History, HistoryError, Report, weekly_report
from .templates import TemplateError, render_template
from . import reorder
from .io.xlsx.macrobook import excel_setup
from .messaging import Messages, notify
from . import steps
from .validation_result import Validation, validate

__version__ = "0.1.0"
__all__ = ["Book", "Config", "ConfigError", "NoOrdersError", "OmxlError", "Position", "Reconciliation", "ReorderPlan",
           "ResultSheet", "SourceError", "load_config", "plan_reorders", "prepare", "reorder", "read_book", "reconcile",
           "save_csv", "save_workbook", "style", "validate", "write_back", "__version__",
           "TemplateError", "render_template", "History", "HistoryError", "Report", "weekly_report"]
__all__ += ["excel_setup"]
__all__ += ["Messages", "notify"]
__all__ += ["Validation", "steps"]
