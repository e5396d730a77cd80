"""The documented range of every numeric input of qmlc, in one place.

The spec schemas (:mod:`qmlc.compiler.schema`), the library entry points and the CLI's help texts
all read these constants, so a range is stated once and checked everywhere. Each bound says why it
is there. None is a physical constant: they are the domain on which qmlc's models and float64
arithmetic are meaningful, and they refuse absurd requests before any work starts (a huge value is
never passed on to a loop, an allocation or a library that would abort).

Memory and time beyond what the machine has are refused separately, per request, by the pre-flight
check (:mod:`qmlc.compiler.resources`).
"""

from __future__ import annotations

import math
import numbers

from qmlc.compiler.errors import UsageError

# -- Carleman pipeline ----------------------------------------------------------------------------

# Carleman truncation order N. The lifted state has Σ_{j≤N} n^j entries and the estimators'
# term enumeration grows like the compositions of N; N = 8 is far past any order used in practice
# (the paper's numerics use N ≤ 3).
MIN_ORDER, MAX_ORDER = 1, 8

# Training steps T. The largest training runs take ~10^7 steps; 10^12 keeps T, κ ~ T, the QSVT
# degree ~ κ log(κ/ε) and every count derived from them exact integers in float64 (< 2^53).
MIN_STEPS, MAX_STEPS = 1, 10**12

# Number of trainable parameters n of a flag estimate. Today's largest models have ~10^12
# parameters; 10^15 < 2^53 keeps n an exact integer in float64 (the flag is read as a float so
# that 1e8 works).
MIN_N, MAX_N = 2, 10**15

# Target error ε (spec field ``epsilon``, flag ``--epsilon``) in (0, 1). Below 1e-15 the target is
# beneath float64's resolution (2.2e-16) relative to the unit-norm solution, so no classical
# post-processing could certify it; it also keeps log(1/ε) and 1/ε finite (5e-324 would not).
MIN_EPSILON, MAX_EPSILON = 1e-15, 1.0

# A given condition number κ ≥ 1. Above 10^15, 1/κ is below float64's resolution relative to 1:
# the smallest singular value it describes is numerical noise.
MIN_KAPPA, MAX_KAPPA = 1.0, 1e15

# ‖G_0‖₂ of a flag estimate (η‖∇L(θ0)‖₂ ≥ 0). 10^15 bounds α·κ-type products well inside float64.
MAX_GRADIENT_NORM = 1e15

# Gradient-descent step size η of a sparse-network spec. The dissipation gate decides whether a
# given η contracts; this bound only keeps G = I − η∇²L and its products inside float64.
MAX_LEARNING_RATE = 1e6

# Entries of user arrays and of products built from them. Norms square their entries, so values
# must stay below √(float64 max) ≈ 1.3e154 to keep ‖·‖ finite; 10^150 leaves room for the sums
# over nonzeros and steps. The pre-check compares log10 of max|u0|^N, max|G|^N etc. with this.
MAX_LOG10_MAGNITUDE = 150.0

# Layer sizes of a sparse network. Missing bias vectors are allocated at this size.
MAX_LAYERS, MAX_LAYER_UNITS = 64, 10**6

# -- matrix-free Hessian analysis (qmlc dissipation; estimates measured on a network) ------------

# Stochastic Lanczos quadrature probes. Two give a standard error over probes; the stochastic
# error of a density moment falls like 1/√probes, so 10^4 (1% of one probe's error) is past any
# use, and every checkpoint costs probes × m Hessian-vector products.
MIN_PROBES, MAX_PROBES = 2, 10**4

# Lanczos steps m per probe. Two give a nontrivial Gauss rule (exact for polynomials of degree
# 2m − 1); beyond 10^4 the m × m tridiagonal eigenproblems and an m·n basis dominate the products
# they refine (m is also capped at n by the Krylov space itself).
MIN_LANCZOS_STEPS, MAX_LANCZOS_STEPS = 2, 10**4

# -- QIREN ----------------------------------------------------------------------------------------

# QIREN's published model uses width 8, 3 layers, L = 2, K = 2 (Zhao et al., ICML 2024). These
# bounds are far past it and keep the architecture's own arrays small: the Linear weights are
# width × width, the circuit weights layers × L × K × width × 3 floats (≤ 10^9 bytes).
MAX_QIREN_WIDTH = 1000
MAX_QIREN_LAYERS = 100
MAX_QIREN_REUPLOADS = 1000
MAX_QIREN_BLOCKS = 1000
MAX_QIREN_DIM = 1000  # in_dim and out_dim
MAX_QIREN_EPOCHS = 10**6
MAX_QIREN_BATCH = 512**2  # a mini-batch is at most the largest signal (a 512 × 512 image)
MAX_QIREN_LR = 10.0  # Adam's step on angles in radians; beyond 10 rad a step wraps the circle
MIN_IMAGE_SIZE, MAX_IMAGE_SIZE = 2, 512  # scikit-image's coffee/camera are 400 × 600 / 512 × 512
MAX_SOUND_INDEX = 2**31 - 1  # WAV files index samples with 32-bit sizes

# -- sampling and randomness ----------------------------------------------------------------------

# Shots per circuit. 10^8 gives a shot-noise floor of 10^-4 on a probability; beyond it the
# counts' memory and time are out of proportion to what they buy (and Aer aborts on 10^15).
MIN_SHOTS, MAX_SHOTS = 1, 10**8

# Seeds are unsigned 32-bit: the common range of numpy's generators, Aer's seed_simulator and
# Qiskit's seed_transpiler.
MIN_SEED, MAX_SEED = 0, 2**32 - 1

# -- files ----------------------------------------------------------------------------------------

NAME_MAX, PATH_MAX = 255, 4096  # bytes per path component and per path (Linux and macOS)
MAX_SPEC_BYTES = 1 << 20  # a spec is a short TOML file; data lives in the files it names
MAX_NAME_CHARS = 200  # the spec's ``name``, printed in reports


def check_int(value: object, name: str, low: int, high: int, advice: str = "") -> int:
    """A library argument that must be an integer in [low, high]: a :class:`UsageError` naming
    it (``shots = 0: must be an integer in [1, 10^8]``) otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not (
            low <= value <= high):
        raise UsageError(f"{name} = {value!r}: must be an integer {interval(low, high)}"
                         + (f"; {advice}" if advice else ""), field=name)
    return int(value)


def check_seed(seed: object, name: str = "seed") -> int:
    return check_int(seed, name, MIN_SEED, MAX_SEED)


def check_real(value: object, name: str, low: float, high: float | None = None,
               low_open: bool = False) -> float:
    """A library argument that must be a finite real number in a range: a :class:`UsageError`
    naming it (``proxy_cut = nan: must be a finite number >= 0``) otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise UsageError(f"{name} = {value!r}: must be a number", field=name)
    try:
        value = float(value)
    except OverflowError:
        value = math.inf if value > 0 else -math.inf
    inside = (value > low if low_open else value >= low) and (high is None or value <= high)
    if not (math.isfinite(value) and inside):
        raise UsageError(f"{name} = {value:g}: must be a finite number "
                         f"{interval(low, high, low_open)}", field=name)
    return value


def interval(low: float | None, high: float | None, low_open: bool = False,
             high_open: bool = False) -> str:
    """A range in words, e.g. ``interval(0, 1, True, True) == "in (0, 1)"``."""
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{_num(low)}, {_num(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {_num(low)}"
    if high is not None:
        return f"{'<' if high_open else '<='} {_num(high)}"
    return "any value"


def _num(value: float) -> str:
    if isinstance(value, int) and abs(value) >= 10**6:
        exponent = len(str(abs(value))) - 1
        if value == 10**exponent:
            return f"10^{exponent}"
        if value == 2**32 - 1:
            return "2^32 - 1"
        if value == 2**31 - 1:
            return "2^31 - 1"
    return f"{value:g}" if isinstance(value, float) else str(value)


__all__ = [name for name in dir() if name.isupper()] + ["check_int", "check_real", "check_seed",
                                                       "interval"]
