"""The files omxl ships with its code, as package data: the report templates (weekly_status.xlsx, the example
late_lines.xlsx) and the e-mail templates (email/), found beside this module wherever omxl is installed (a
wheel, `pip install .`, or the source folder) (contract 4.4, 5.1)."""

from __future__ import annotations

from pathlib import Path

from ..errors import ConfigError

TEMPLATES = Path(__file__).resolve().parent


def template_path(*parts: str) -> Path:
    """The shipped template at omxl/shipped/<parts>; ConfigError naming it when this installation lacks it."""
    path = TEMPLATES.joinpath(*parts)
    if not path.is_file():
        raise ConfigError(f"{path}: the template omxl ships is missing from this installation. Reinstall omxl "
                          "from its folder (there: pip install --force-reinstall --no-deps .) or from its wheel, or "
                          "pass a template of your own.")
    return path
