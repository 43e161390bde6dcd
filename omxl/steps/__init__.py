"""Steps: the unit of omxl's work (contract section 3).

`REGISTRY` maps each step's name to its definition (omxl/steps/base.py `Step`), one module each in this package;
the command line, the Excel buttons, the Control sheet, the Summary sheet, the notebook and the generated docs
read it, so a new step is one module here and one entry below. `run_step` runs one:

    result = omxl.steps.run_step("reconcile", book, as_of="2026-11-27")
    result.figures; result.findings; result.result_sheets()
"""

from __future__ import annotations

from typing import Any

from . import backtest, dispatch, improvements, notify, reconcile, reorder, validate, weekly
from .base import FIGURE_COLUMNS, Option, Output, Result, Step, figures_frame, resolve

# In the order the command list, the Control sheet's drop-down and its buttons show them: a new step goes last,
# so the buttons people know keep their places (dispatch's button comes after the weekly report's).
REGISTRY: dict[str, Step] = {step.name: step for step in (validate.STEP, reconcile.STEP, reorder.STEP,
                                                          weekly.STEP, notify.STEP, dispatch.STEP,
                                                          improvements.STEP, backtest.STEP)}


def step(name: str) -> Step:
    """The definition of the step `name`; KeyError naming the steps there are."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no step named '{name}'; the steps are {', '.join(REGISTRY)}") from None


def run_step(name: str, book: object, *, as_of: object = None, config: object = None, **options: Any) -> Result:
    """Run the step `name` on `book` (a Book, or a Position from omxl.prepare) as of `as_of` (default today) with
    `config`; `options` are the step's own (`service_level` for reorder, `history` for weekly, ...). Returns its
    result, which satisfies `Result`."""
    return step(name).run(book, as_of=as_of, config=config, **options)


def with_buttons() -> list[Step]:
    """The steps that have a button (and so a Control sheet action and a macro), in registry order."""
    return [s for s in REGISTRY.values() if s.button is not None]


__all__ = ["FIGURE_COLUMNS", "Option", "Output", "REGISTRY", "Result", "Step", "figures_frame", "resolve",
           "run_step", "step", "with_buttons"]
