"""omxl: order management from the Excel workbooks people already have.

    import omxl
    book = omxl.read_book("workbooks/sample.xlsx")

See docs/quickstart.md.
"""

from .book import Book
from .config import Config, load_config
from .errors import ConfigError, NoOrdersError, OmxlError, SourceError
from .io.read import read_book

__version__ = "0.1.0"
__all__ = ["Book", "Config", "ConfigError", "NoOrdersError", "OmxlError", "SourceError", "load_config",
           "read_book", "__version__"]
