"""The one exception hierarchy for mistakes a user can make.

Every error a user can cause (bad spec, missing file, wrong shape, NaN, a request too large for
explicit compilation, non-dissipative dynamics, bad flag values) is a :class:`QmlcError`. The CLI
prints ``str(error)`` as one line and exits with status 2; nothing else is caught there, so a
traceback always means a bug in qmlc, never a mistake of the user.

Messages follow one pattern: *where* (file or field), *what is wrong*, *what to do*.
"""

from __future__ import annotations


class QmlcError(Exception):
    """Base class of all user-facing errors.

    ``field`` names the input at fault when the message starts with it (``n = -3: …``), so a
    front end can say which of its own options sets that input (``--n = -3: …``).
    """

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class SpecError(QmlcError):
    """The model spec (TOML) is malformed or a field has an invalid value."""


class DataError(QmlcError):
    """A data file is missing, unreadable, of the wrong shape, or holds NaN/inf."""


class TooLargeError(QmlcError):
    """The request is too large for explicit construction or simulation; estimate it instead."""


class NonDissipativeError(QmlcError):
    """The dynamics expand: the Carleman system's condition number grows exponentially in T."""


class UsageError(QmlcError):
    """A command-line flag has an invalid value or flags are inconsistent."""


def one_line(message: str) -> str:
    """Collapse whitespace so an error always prints as a single line."""
    return " ".join(message.split())
