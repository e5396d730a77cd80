"""Progress of long library calls, reported to whoever is listening (nobody by default).

Library code marks its long phases with :func:`task` (a phase of ``total`` steps, or an
indeterminate one) and :func:`track` (a loop); a front end installs a :class:`Reporter` for the
duration of a call with :func:`reporting`. The ``qmlc`` command installs a rich progress display
on stderr (:mod:`qmlc.reports.progress`); tests and library users get silence and no cost beyond a
context-variable lookup.

    with task("simulating 17 qubits on aer") as advance:   # spinner with elapsed time
        state = simulate(...)
    for epoch in track(range(epochs), "training QIREN"):    # bar with ETA
        ...
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol, TypeVar

T = TypeVar("T")

Advance = Callable[..., None]


class Reporter(Protocol):
    """Shows phases: ``task(label, total)`` is a context manager yielding ``advance(steps=1,
    **fields)``; ``total=None`` is a phase of unknown length."""

    def task(self, label: str, total: int | None = None,
             **fields: Any) -> contextlib.AbstractContextManager[Advance]: ...


_REPORTER: contextvars.ContextVar[Reporter | None] = contextvars.ContextVar("qmlc_progress",
                                                                            default=None)


def _ignore(*_args: Any, **_kwargs: Any) -> None:
    return None


@contextlib.contextmanager
def task(label: str, total: int | None = None, **fields: Any) -> Iterator[Advance]:
    """A phase of the current call; yields ``advance(steps=1, **fields)``."""
    reporter = _REPORTER.get()
    if reporter is None:
        yield _ignore
        return
    with reporter.task(label, total, **fields) as advance:
        yield advance


def track(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """``items``, advancing a phase named ``label`` by one per item."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with task(label, total) as advance:
        for item in items:
            yield item
            advance()


@contextlib.contextmanager
def reporting(reporter: Reporter | None) -> Iterator[None]:
    """Send the progress of library calls made inside this block to ``reporter``."""
    token = _REPORTER.set(reporter)
    try:
        yield
    finally:
        _REPORTER.reset(token)


__all__ = ["Advance", "Reporter", "reporting", "task", "track"]
