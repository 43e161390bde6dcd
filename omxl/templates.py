"""Deprecated: the report template engine is `omxl.render` (this name also meant the template files omxl ships,
now in `omxl/shipped/`). `from omxl.templates import render_template, TemplateError` still works for this
release, with a DeprecationWarning on first import; use `omxl.render_template` or `omxl.render`."""

from __future__ import annotations

from .deprecation import warn_renamed
from .render import TemplateError, render_template

warn_renamed("omxl.templates", "omxl.render (render_template, TemplateError)")

__all__ = ["TemplateError", "render_template"]
