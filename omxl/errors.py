"""One exception family. The text of each is the message shown to the user.

Bad data is never raised: it becomes findings. These are for failures to do the
work at all (unreadable file, bad settings, locked file); the CLI maps them to exit 2.
"""

from __future__ import annotations


class OmxlError(Exception):
    """Base of every error omxl raises on purpose; str(error) is the user message."""

    exit_code = 2


class ConfigError(OmxlError):
    """A setting is invalid; the message names it."""


class SourceError(OmxlError):
    """A source cannot be read; the message names the file and what to do."""

    def __init__(self, source: str, problem: str, remedy: str):
        self.source, self.problem, self.remedy = source, problem, remedy
        super().__init__(f"{source}: {problem} {remedy}".strip())


class NoTablesError(SourceError):
    """None of the sources holds an orders, inventory or purchase orders table (contract 2.3): there is nothing to
    work on. `layout` and `column_map` are what reading found (Book.layout, Book.column_map), so `omxl read`
    can show the user the mapping before the message."""

    def __init__(self, source: str, problem: str, remedy: str, layout=None, column_map=None):
        super().__init__(source, problem, remedy)
        self.layout, self.column_map = layout, column_map


def __getattr__(name: str):
    # NoOrdersError was raised when a book had no orders table; a book now needs orders, inventory or purchase
    # orders, and NoTablesError says so. The old name stays for one release.
    if name == "NoOrdersError":
        from .deprecation import warn_renamed
        warn_renamed("omxl.NoOrdersError", "omxl.NoTablesError")
        return NoTablesError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class OutputError(OmxlError):
    """A result cannot be written where the user asked (a folder, no permission, no such folder, disk full);
    the message names the path and says what to do. Nothing the user had was changed."""


class MailError(OmxlError):
    """Nothing could be sent: the SMTP server cannot be reached, refused the login or the encryption, or the
    settings lack what sending needs (omxl/messaging/smtp.py). The message says what to do; no message was sent."""
