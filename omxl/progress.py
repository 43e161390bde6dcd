"""Progress on stderr for long command-line runs (docs/progress.md).

A run reports its steps ("Reading orders.xlsx", "Validating", ...) to a reporter. The reporter shows them
as a transient rich display on stderr, but only once a stretch of steps has taken longer than `delay`
seconds (so a quick run prints nothing), only when stderr is a terminal, and never when it is disabled
(`--quiet`). Outside `steps(...)` the current reporter is a no-op: library calls print nothing.

    with progress.steps(enabled=not quiet) as steps:
        book = read_book(path, progress=steps)   # "Reading orders.xlsx", one step per file
        steps.start("Validating")
        ...
        steps.done()                             # the display leaves the screen before results are printed
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from typing import Iterator

from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TaskID, TextColumn
from rich.text import Text

DELAY = 1.0                       # seconds a stretch of steps runs before the display appears
DELAY_VARIABLE = "OMXL_PROGRESS_DELAY"
SHOWN_DONE = 8                    # finished steps kept on screen; older ones scroll away


class Seconds(ProgressColumn):
    """How long a step took (or has taken so far) in seconds, "0.8 s", "74.2 s": steps are seconds long, so
    rich's h:mm:ss would mostly read 0:00:00."""

    def render(self, task: Task) -> Text:
        taken = task.finished_time if task.finished else task.elapsed
        return Text(f"{taken or 0.0:.1f} s", style="progress.elapsed")


class NoSteps:
    """The reporter that shows nothing: library calls, --quiet, stderr not a terminal."""

    shown = False

    def start(self, text: str) -> None:
        pass

    def done(self) -> None:
        pass

    def __call__(self, text: str) -> None:
        self.start(text)


class Steps(NoSteps):
    """Steps shown on `console` once the current stretch is older than `delay` seconds.

    A stretch runs from the first `start` to `done`: its steps are listed, the finished ones ticked with the
    time they took, the current one with a spinner. `done` takes the display off the screen (it is transient,
    so nothing is left behind); the caller calls it before printing anything else, because a live display
    and other output on the same terminal would overwrite each other. Calling the reporter is `start`, so it
    can be handed to read_book as its `progress` callback."""

    def __init__(self, console: Console, delay: float) -> None:
        self.console = console
        self.delay = delay
        self.shown = False                # whether the display has been on screen (tests ask)
        self._lock = threading.RLock()    # the delay timer starts the display from its own thread
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._finished: list[TaskID] = []
        self._timer: threading.Timer | None = None
        self._live = False

    def start(self, text: str) -> None:
        with self._lock:
            if self._progress is None:
                self._begin()
            assert self._progress is not None
            self._finish_step()
            self._task = self._progress.add_task(text, total=None)
            if self._live:
                # Written at once, not at the next tick, so that even a step shorter than a tick is shown.
                self._progress.refresh()

    def done(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._progress is not None:
                self._finish_step()
                if self._live:
                    self._progress.stop()
            self._progress, self._task, self._finished, self._live = None, None, [], False

    def _begin(self) -> None:
        # stdout is left alone (redirect_stdout=False): results go to stdout untouched, byte for byte.
        self._progress = Progress(SpinnerColumn(finished_text="✓"), TextColumn("{task.description}", markup=False),
                                  Seconds(), console=self.console, transient=True,
                                  redirect_stdout=False)
        if self.delay <= 0:
            self._show(self._progress)
        else:
            self._timer = threading.Timer(self.delay, self._show, args=(self._progress,))
            self._timer.daemon = True
            self._timer.start()

    def _show(self, progress: Progress) -> None:
        with self._lock:
            if progress is not self._progress:   # the stretch ended before the timer fired
                return
            progress.start()
            self._live = self.shown = True

    def _finish_step(self) -> None:
        if self._task is None or self._progress is None:
            return
        self._progress.update(self._task, total=1, completed=1)
        self._finished.append(self._task)
        if len(self._finished) > SHOWN_DONE:
            self._progress.update(self._finished.pop(0), visible=False)
        self._task = None


_current: contextvars.ContextVar[NoSteps] = contextvars.ContextVar("omxl_progress", default=NoSteps())


def current() -> NoSteps:
    """The reporter of the run in progress (inside `steps(...)`), else one that shows nothing."""
    return _current.get()


def delay_setting() -> float:
    """DELAY, or the seconds in OMXL_PROGRESS_DELAY (0 shows every step at once; a value that is not a
    number of seconds is ignored rather than stopping the run)."""
    try:
        return max(0.0, float(os.environ.get(DELAY_VARIABLE, DELAY)))
    except ValueError:
        return DELAY


@contextlib.contextmanager
def steps(enabled: bool = True, *, console: Console | None = None, delay: float | None = None) -> Iterator[NoSteps]:
    """A reporter for one run: `Steps` on `console` (default: stderr) when enabled and the console is a
    terminal, else `NoSteps`. While inside, it is also `current()`. On leaving (also by an error), the
    display is taken off the screen."""
    console = console if console is not None else Console(stderr=True)
    reporter = Steps(console, delay_setting() if delay is None else delay) \
        if enabled and console.is_terminal else NoSteps()
    token = _current.set(reporter)
    try:
        yield reporter
    finally:
        reporter.done()
        _current.reset(token)
