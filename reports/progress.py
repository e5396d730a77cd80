"""Progress display on stderr (rich), silent when disabled or when stderr is not a terminal."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


@contextlib.contextmanager
def loss_progress(label: str, total: int, enabled: bool = True
                  ) -> Iterator[Callable[[int, float], None]]:
    """A bar of ``total`` steps showing the latest loss; yields ``advance(step, loss)``."""
    if not enabled or not sys.stderr.isatty():
        yield lambda step, loss: None
        return
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                   TextColumn("loss {task.fields[loss]}"), TimeElapsedColumn(),
                   TimeRemainingColumn(), console=Console(stderr=True))
    with bar:
        task = bar.add_task(label, total=total, loss="-")
        yield lambda step, loss: bar.update(task, completed=step + 1, loss=f"{loss:.3e}")


@contextlib.contextmanager
def step_progress(label: str, total: int, enabled: bool = True) -> Iterator[Callable[[str], None]]:
    """A bar of ``total`` named stages; yields ``step(description)``, called as each starts."""
    if not enabled or not sys.stderr.isatty():
        yield lambda description: None
        return
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.description}"), TimeElapsedColumn(),
                   console=Console(stderr=True), transient=True)
    with bar:
        task = bar.add_task("", total=total)
        started = []

        def step(description: str) -> None:
            if started:
                bar.advance(task)
            started.append(description)
            bar.update(task, description=description)

        yield step
        bar.update(task, completed=total)


__all__ = ["loss_progress", "step_progress"]
