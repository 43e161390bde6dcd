"""The one error a template raises: it names the template, the sheet and the cell, so the author can fix it."""

from __future__ import annotations

from ..errors import OmxlError


class TemplateError(OmxlError):
    """A template cannot be rendered: a syntax error, an undefined name, a value of the wrong kind, or an
    expression the sandbox refuses. str(error) reads "Template 'weekly.xlsx', sheet 'Summary', cell B4: ..."."""

    def __init__(self, template: str, where: str, problem: str):
        self.template, self.where, self.problem = template, where, problem
        super().__init__(f"Template '{template}', {where}: {problem}")


class Problem(Exception):
    """Raised inside the engine with the place (sheet and cell) and the problem; render_template turns it
    into a TemplateError naming the template too."""

    def __init__(self, where: str, problem: str):
        self.where, self.problem = where, problem
        super().__init__(f"{where}: {problem}")
