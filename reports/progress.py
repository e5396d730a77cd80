"""Progress display on stderr (rich) for the phases library calls report through
:mod:`qmlc.compiler.progress`; silent when stderr is not a terminal or with ``--quiet``.

Each phase is one line: a spinner, its label, a bar with ``done/total`` and the time left when
its length is known, the latest figures it reports (a loss, say), and the elapsed time. Lines
disappear when their phase ends, so the terminal keeps only the command's own output.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from qmlc.compiler.progress import Advance, task


class _Count(ProgressColumn):
    """``done/total`` for phases of known length, nothing otherwise."""

    def render(self, task: Task) -> Text:
        if task.total is None:
            return Text("")
        return Text(f"{int(task.completed)}/{int(task.total)}", style="progress.download")


class _Remaining(TimeRemainingColumn):
    def render(self, task: Task) -> Text:
        return Text("") if task.total is None else super().render(task)


class RichReporter:
    """A :class:`qmlc.compiler.progress.Reporter` drawing rich progress lines on ``console``."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=30),
            _Count(), TextColumn("{task.fields[info]}"), TimeElapsedColumn(), _Remaining(),
            console=console, transient=True)
        self.open = 0

    @contextlib.contextmanager
    def task(self, label: str, total: int | None = None, **fields: Any) -> Iterator[Advance]:
        if self.open == 0:
            self.progress.start()
        self.open += 1
        task_id = self.progress.add_task(label, total=total, info=_fields(fields))

        def advance(steps: int = 1, **latest: Any) -> None:
            self.progress.update(task_id, advance=steps,
                                 **({"info": _fields(latest)} if latest else {}))
        try:
            yield advance
        finally:
            self.progress.remove_task(task_id)
            self.open -= 1
            if self.open == 0:
                self.progress.stop()


def _fields(fields: dict) -> str:
    return "  ".join(f"{k} {v:.3e}" if isinstance(v, float) else f"{k} {v}"
                     for k, v in fields.items())


@contextlib.contextmanager
def step_progress(label: str, total: int, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A phase of ``total`` named stages (:func:`qmlc.compiler.progress.task`); yields
    ``step(description)``, called as each stage starts."""
    if not enabled:
        yield lambda description: None
        return
    with task(label, total) as advance:
        started: list[str] = []

        def step(description: str) -> None:
            advance(1 if started else 0, stage=description)
            started.append(description)
        yield step


@contextlib.contextmanager
def loss_progress(label: str, total: int, enabled: bool = True
                  ) -> Iterator[Callable[[int, float], None]]:
    """A phase of ``total`` steps showing the latest loss; yields ``advance(step, loss)``."""
    if not enabled:
        yield lambda step, loss: None
        return
    with task(label, total) as advance:
        yield lambda step, loss: advance(1, loss=float(loss))


def terminal_reporter() -> RichReporter | None:
    """A reporter on stderr when it is a terminal, else None (piped, redirected, CI)."""
    if not sys.stderr.isatty():
        return None
    return RichReporter(Console(stderr=True))


__all__ = ["RichReporter", "loss_progress", "step_progress", "terminal_reporter"]
