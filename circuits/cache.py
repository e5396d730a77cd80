"""qmlc's on-disk cache directory for derived data that is expensive to recompute.

Holds QSP phase angles (checked against their target polynomial on every load) and sympy limit
proofs. ``$QMLC_CACHE_DIR`` relocates it; otherwise ``$XDG_CACHE_HOME/qmlc`` or ``~/.cache/qmlc``.
Deleting it only costs time.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir(*parts: str) -> Path:
    """The cache directory (or a subdirectory of it); not created here."""
    root = os.environ.get("QMLC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "qmlc")
    return Path(root, *parts)
