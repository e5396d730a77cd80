"""Rotation synthesis: T gates per arbitrary single-qubit rotation.

Ross–Selinger gridsynth (Ross, Selinger, QIC 16:901 (2016), arXiv:1403.2975) approximates a
z-rotation to ε with 3·log2(1/ε) + O(log log(1/ε)) T gates; qmlc uses the fit
⌈3.02·log2(1/ε) + 0.77⌉ of pyLIQTR (checked against Qualtran's ``diagonal_unitary_approx``: 30 T
at 1e-3, 61 T at 1e-6). The one place these constants live.
"""

from __future__ import annotations

import math

ROTATION_SLOPE = 3.02
ROTATION_OFFSET = 0.77
CITATION = ("Ross, Selinger, QIC 16:901 (2016) gridsynth; fit 3.02 log2(1/eps) + 0.77 T per "
            "rotation as in pyLIQTR")


def rotation_t_count(eps_rotation: float) -> int:
    """T gates to approximate one arbitrary z-rotation to ``eps_rotation``."""
    return math.ceil(ROTATION_SLOPE * math.log2(1.0 / eps_rotation) + ROTATION_OFFSET)


__all__ = ["CITATION", "ROTATION_OFFSET", "ROTATION_SLOPE", "rotation_t_count"]
