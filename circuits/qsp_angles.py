"""An odd polynomial ≈ 1/x and its QSVT phase angles.

Polynomial (Childs, Kothari, Somma, SIAM J. Comput. 46 (2017), arXiv:1511.02306, Lemmas 17–19;
the same construction as pyqsp's ``PolyOneOverX``): with b = ⌊κ² ln(κ/ε)⌋ and
j0 = ⌊√(b ln(4b/ε))⌋,

    g(x) = 4 Σ_{j=0}^{j0} (−1)^j [Σ_{i=j+1}^{b} C(2b, b+i) / 2^{2b}] T_{2j+1}(x),

which is 2ε-close to 1/x on D_κ = [−1, −1/κ] ∪ [1/κ, 1]. The inner sum is the binomial tail
P(X ≥ b+j+1), X ~ Bin(2b, ½), evaluated stably with scipy. Degree 2·j0 + 1. We rescale to
P = g · (bound / max_{[−1,1]} |g|) with bound = ½, so |P| ≤ ½ everywhere and P ≈ scale/x on D_κ.

Angles: symmetric QSP in the W_x convention, U(x) = e^{iφ_0 Z} ∏_{k=1}^{d} W(x) e^{iφ_k Z},
W(x) = e^{i arccos(x) X}, with Im⟨0|U|0⟩ = P. We solve for the reduced (symmetric) phases by
the fixed-point iteration of Dong, Lin, Ni, Wang ("Infinite quantum signal processing",
arXiv:2209.10162, Alg. 1): Φ ← Φ − ½ (F(Φ) − c), where F maps reduced phases to the Chebyshev
coefficients of Im⟨0|U|0⟩ (computed exactly on Chebyshev nodes). It converges for ‖P‖∞ ≲ 0.86
at any degree (tested here to degree > 1000); cost per iteration O(d²).

Conversion to the reflection convention used by the circuit (R(x) = [[x, √(1−x²)],
[√(1−x²), −x]] is what a block encoding is on each singular-value subspace): W = i e^{−iπ/4 Z}
R e^{−iπ/4 Z}, hence ψ_0 = φ_0 − π/4, ψ_k = φ_k − π/2 (0 < k < d), ψ_d = φ_d − π/4 and
⟨0|U_R(ψ)|0⟩ = (−i)^d ⟨0|U_W(φ)|0⟩, whose real part is (−1)^{(d−1)/2} P for odd d. We absorb
that sign into the target, so Re⟨0|U_R(ψ)|0⟩ = P; the circuit takes the real part with one
extra qubit (½(U_Φ + U_{−Φ}), GSLW 2019 Cor. 18).

Angles are data: :func:`inverse_angles` memoizes them and keeps a JSON cache on disk
(``qmlc.circuits.cache.cache_dir``: ``$QMLC_CACHE_DIR`` or ``~/.cache/qmlc``); the achieved
polynomial is checked on a grid each time they are computed (:func:`qsvt_response`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.stats import binom

from qmlc.circuits.cache import cache_dir

__all__ = [
    "InversePolynomial",
    "cks_inverse_polynomial",
    "inverse_angles",
    "qsvt_response",
    "reflection_phases",
    "symmetric_qsp_phases",
]

BOUND = 0.5


@dataclass(frozen=True)
class InversePolynomial:
    """P(x) = Σ_k coeffs[k] T_k(x) (odd), |P| ≤ bound on [−1, 1], P ≈ scale/x on D_κ."""

    kappa: float
    epsilon: float
    coeffs: np.ndarray
    scale: float
    b: int
    j0: int

    @property
    def degree(self) -> int:
        return len(self.coeffs) - 1

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return np.polynomial.chebyshev.chebval(x, self.coeffs)


def cks_inverse_polynomial(kappa: float, epsilon: float, bound: float = BOUND
                           ) -> InversePolynomial:
    """The Childs–Kothari–Somma odd polynomial for 1/x on D_κ, rescaled to max |P| = bound."""
    if kappa < 1 or not 0 < epsilon < 1:
        raise ValueError(f"need kappa >= 1 and 0 < epsilon < 1, got {kappa}, {epsilon}")
    b = max(1, int(kappa**2 * math.log(kappa / epsilon)))
    j0 = max(0, int(math.sqrt(b * math.log(4 * b / epsilon))))
    j = np.arange(j0 + 1)
    tails = binom.sf(b + j, 2 * b, 0.5)  # P(X >= b + j + 1)
    coeffs = np.zeros(2 * j0 + 2)
    coeffs[2 * j + 1] = 4 * (-1.0) ** j * tails
    theta = np.linspace(0, np.pi / 2, 20 * len(coeffs) + 1)
    values = np.abs(np.polynomial.chebyshev.chebval(np.cos(theta), coeffs))
    top = int(np.argmax(values))
    lo, hi = theta[max(top - 1, 0)], theta[min(top + 1, theta.size - 1)]
    refined = minimize_scalar(lambda t: -abs(np.polynomial.chebyshev.chebval(np.cos(t), coeffs)),
                              bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    peak = max(float(values[top]), float(-refined.fun))  # |P| is even: [0, 1] suffices
    scale = bound / peak
    return InversePolynomial(kappa=float(kappa), epsilon=float(epsilon), coeffs=coeffs * scale,
                             scale=scale, b=b, j0=j0)


# ---------------------------------------------------------------------------------------------
# Symmetric QSP (W_x convention) by fixed-point iteration


def _full_phases(reduced: np.ndarray) -> np.ndarray:
    """Odd parity: d = 2·len(reduced) − 1, φ = [reversed(reduced), reduced]."""
    return np.concatenate([reduced[::-1], reduced])


def _wx_response(phases: np.ndarray, x: np.ndarray) -> np.ndarray:
    """⟨0|U_W(φ)|0⟩ at each x (vectorized over x)."""
    x = np.asarray(x, dtype=float)
    s = np.sqrt(np.clip(1 - x**2, 0.0, 1.0))
    # State-vector propagation: apply from the right to e_0 is cheaper than matrix products.
    # U e_0 = e^{iφ0Z} W e^{iφ1Z} ... W e^{iφdZ} e_0; we compute row ⟨0| U by left-to-right.
    a = np.exp(1j * phases[0]) * np.ones_like(x, dtype=complex)  # ⟨0|e^{iφ0 Z} = (e^{iφ0}, 0)
    c = np.zeros_like(a)
    for phi in phases[1:]:
        a, c = a * x + c * 1j * s, a * 1j * s + c * x          # row vector times W
        a, c = a * np.exp(1j * phi), c * np.exp(-1j * phi)     # times e^{iφ Z}
    return a


def _odd_nodes(count: int) -> np.ndarray:
    return np.cos((2 * np.arange(count) + 1) * np.pi / (4 * count))


def _odd_coefficients(values: np.ndarray, count: int) -> np.ndarray:
    """Chebyshev coefficients c_k of T_{2k+1} from values of an odd polynomial on the nodes."""
    theta = (2 * np.arange(count) + 1) * np.pi / (4 * count)
    basis = np.cos(np.outer(2 * np.arange(count) + 1, theta))
    return (2.0 / count) * basis @ values


def symmetric_qsp_phases(odd_coeffs: np.ndarray, tol: float = 1e-13,
                         maxiter: int = 2000) -> np.ndarray:
    """Full W_x phases φ_0..φ_d with Im⟨0|U_W(φ)|0⟩ = Σ_k odd_coeffs[k] T_{2k+1}(x)."""
    c = np.asarray(odd_coeffs, dtype=float)
    count = c.size
    nodes = _odd_nodes(count)
    reduced = c / 2
    for _ in range(maxiter):
        values = _wx_response(_full_phases(reduced), nodes).imag
        residual = _odd_coefficients(values, count) - c
        if np.max(np.abs(residual)) < tol:
            return _full_phases(reduced)
        reduced = reduced - residual / 2
    raise RuntimeError(f"QSP fixed-point iteration did not converge (residual "
                       f"{np.max(np.abs(residual)):.2e}); is max|P| below ~0.86?")


def reflection_phases(wx_phases: np.ndarray) -> np.ndarray:
    """W_x phases → reflection-convention phases ψ (see the module docstring)."""
    psi = np.asarray(wx_phases, dtype=float) - np.pi / 2
    psi[0] += np.pi / 4
    psi[-1] += np.pi / 4
    return psi


def qsvt_response(psi: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Re⟨0|e^{iψ_0 Z} R(x) e^{iψ_1 Z} ⋯ R(x) e^{iψ_d Z}|0⟩: what the QSVT circuit applies to a
    singular value x. Explicit 2×2 products in the circuit's own convention."""
    x = np.asarray(x, dtype=float)
    s = np.sqrt(np.clip(1 - x**2, 0.0, 1.0))
    a = np.exp(1j * psi[0]) * np.ones_like(x, dtype=complex)
    c = np.zeros_like(a)
    for phi in psi[1:]:
        a, c = a * x + c * s, a * s - c * x
        a, c = a * np.exp(1j * phi), c * np.exp(-1j * phi)
    return a.real


# ---------------------------------------------------------------------------------------------
# Cached angles for the inverse


def _cache_dir() -> Path:

    return cache_dir("qsp")


@functools.lru_cache(maxsize=32)
def inverse_angles(kappa: float, epsilon: float) -> tuple[InversePolynomial, np.ndarray]:
    """(P, ψ): the CKS polynomial for (κ, ε) and reflection-convention QSVT phases with
    Re⟨0|U_R(ψ)|0⟩ = P(x), verified to 1e-9 on a 2001-point grid."""
    poly = cks_inverse_polynomial(kappa, epsilon)
    d = poly.degree
    target = poly.coeffs[1::2] * (-1.0) ** ((d - 1) // 2)
    key = hashlib.sha256(target.tobytes()).hexdigest()[:24]
    path = _cache_dir() / f"inv_{key}.json"
    psi = None
    if path.is_file():
        try:
            psi = np.array(json.loads(path.read_text())["psi"], dtype=float)
        except (OSError, ValueError, KeyError):
            psi = None
    if psi is None or psi.size != d + 1:
        psi = reflection_phases(symmetric_qsp_phases(target))
        _write_cache(path, {"kappa": kappa, "epsilon": epsilon, "degree": d,
                            "psi": psi.tolist()})
    grid = np.linspace(-1, 1, 2001)
    err = np.max(np.abs(qsvt_response(psi, grid) - poly(grid)))
    if err > 1e-9:
        raise RuntimeError(f"QSVT phases reproduce P only to {err:.1e}")
    return poly, psi


def _write_cache(path: Path, payload: dict) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle)
        os.replace(tmp, path)
    except OSError:  # a read-only home is not an error: the angles are just recomputed
        pass
