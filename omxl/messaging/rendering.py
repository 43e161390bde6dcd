"""E-mail templates: found, checked and rendered in the report templates' sandbox (omxl/render/environment.py).

Each kind of message has three templates: `<kind>.subject` (one line), `<kind>.txt` (the plain-text part) and
`<kind>.html` (the HTML part). They are looked up in the folder of the `email_templates` setting first, then in
the ones omxl ships (omxl/shipped/email/). The HTML part is rendered with autoescaping on, so text from the
workbook (a customer called `<script>`) stays text; the plain-text and subject parts without it. A template
that reaches for Python internals is refused before anything runs, as report templates are.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Template
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError

from ..errors import ConfigError
from ..shipped import template_path
from ..render.environment import check_source, environment
from ..render.errors import TemplateError

PARTS = ("subject", "txt", "html")


def template_file(kind: str, part: str, folder: str | None) -> Path:
    """The template of `kind` and `part`: the user's own in `folder` when it has one, else the shipped one."""
    name = f"{kind}.{part}"
    if folder is not None:
        own = Path(folder)
        if not own.is_dir():
            raise ConfigError(f"email_templates: the folder {own} does not exist. Create it with your templates "
                              "(docs/notify.md), or remove the setting to use the templates omxl ships.")
        if (own / name).is_file():
            return own / name
    return template_path("email", name)


@functools.lru_cache(maxsize=64)
def _compiled(path: Path, html: bool, stamp: float) -> Template:
    # `stamp` (the file's modification time) makes an edited template compile again in a long-lived process.
    env = environment()
    # Set before any template is compiled, when Jinja2 reads it: the HTML part escapes every value it prints.
    env.autoescape = html
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TemplateError(path.name, "the file", f"it cannot be read as UTF-8 text ({exc}).") from None
    try:
        check_source(env, source)
        return env.from_string(source)
    except SecurityError as exc:
        raise TemplateError(str(path), "the template", f"refused: {exc}; nothing was run.") from None
    except TemplateSyntaxError as exc:
        raise TemplateError(str(path), f"line {exc.lineno}",
                            f"template syntax error: {(exc.message or '').rstrip('.')}.") from None


def render(kind: str, part: str, context: dict, folder: str | None) -> str:
    """One part of one message. TemplateError names the template file and what is wrong."""
    path = template_file(kind, part, folder)
    template = _compiled(path, part == "html", path.stat().st_mtime)
    try:
        return template.render(context)
    except SecurityError as exc:
        raise TemplateError(str(path), "the template", f"refused: {exc}; nothing was run.") from None
    except UndefinedError as exc:
        known = ", ".join(sorted(context))
        raise TemplateError(str(path), "the template", f"{exc.message} (the context holds: {known}).") from None
    except TemplateError:
        raise
    except Exception as exc:  # a filter given the wrong kind of value
        raise TemplateError(str(path), "the template", str(exc)) from None
