"""The lowering pipeline of the Carleman family: ModelSpec → PolynomialMap → CarlemanSystem.

Each arrow is a function of its input alone. Before anything large is built, the structural
statistics of :mod:`qmlc.compiler.structure` predict the history matrix's size; a request beyond
:data:`MAX_EXPLICIT_ROWS` rows or :data:`MAX_EXPLICIT_NNZ` nonzeros is refused and pointed to
``qmlc estimate``, which works from the same statistics without materializing anything.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.sparse.linalg as spla

from qmlc.compiler import limits, resources
from qmlc.compiler.carleman import CarlemanSystem, build_carleman_system
from qmlc.compiler.dissipation import analyze_dissipation, condition_number, kappa_growth
from qmlc.compiler.errors import NonDissipativeError, TooLargeError
from qmlc.compiler.network_taylor import polynomial_map_from_network
from qmlc.compiler.polymap import PolynomialMap, polynomial_map_from_spec
from qmlc.compiler.progress import task
from qmlc.compiler.spec import ModelSpec, require_kind
from qmlc.compiler.structure import HistoryStructure, history_structure, polymap_g_stats

# ~1e6-row history systems with tens of millions of nonzeros fit comfortably in 24 GiB
MAX_EXPLICIT_ROWS = 4_000_000
MAX_EXPLICIT_NNZ = 60_000_000


CARLEMAN_KINDS = ("polynomial-map", "sparse-network")


def lower_to_polymap(spec: ModelSpec) -> PolynomialMap:
    """Front end: a polynomial map from either a ``polynomial-map`` or a ``sparse-network`` spec."""
    require_kind(spec, CARLEMAN_KINDS, "the Carleman pipeline")
    if spec.kind == "polynomial-map":
        return polynomial_map_from_spec(spec)
    return polynomial_map_from_network(spec)


def order_and_steps(spec: ModelSpec) -> tuple[int, int]:
    require_kind(spec, CARLEMAN_KINDS, "the Carleman pipeline")
    return spec.model.order, spec.model.steps


def predicted_structure(polymap: PolynomialMap, order: int, steps: int) -> HistoryStructure:
    return history_structure(polymap_g_stats(polymap.G), polymap.n, order, steps)


def check_history_size(structure: HistoryStructure, where: str) -> None:
    """Refuse explicit construction beyond the explicit limits or this machine's memory (the
    pre-flight check of :mod:`qmlc.compiler.resources`), pointing to estimation."""
    if structure.dim > MAX_EXPLICIT_ROWS or structure.history_nnz_bound > MAX_EXPLICIT_NNZ:
        raise TooLargeError(
            f"{where}: the history system would have {structure.dim:.3g} rows and up to "
            f"{structure.history_nnz_bound:.3g} nonzeros (n = {structure.n}, order = "
            f"{structure.order}, steps = {structure.steps}); explicit construction is limited to "
            f"{MAX_EXPLICIT_ROWS:.0e} rows and {MAX_EXPLICIT_NNZ:.0e} nonzeros — lower order/steps, "
            "or use 'qmlc estimate' for a resource estimate from structural statistics")
    resources.require(resources.history(structure.history_nnz_bound, structure.dim), where)


def lower_to_carleman(spec: ModelSpec, allow_nondissipative: bool = False,
                      order: int | None = None, steps: int | None = None) -> CarlemanSystem:
    """Spec → CarlemanSystem, with the dissipation gate and the explicit-size gate."""
    spec_order, spec_steps = order_and_steps(spec)
    order = spec_order if order is None else order
    steps = spec_steps if steps is None else steps
    polymap = lower_to_polymap(spec)
    return carleman_from_polymap(polymap, order, steps, allow_nondissipative, where=str(spec.path))


def carleman_from_polymap(polymap: PolynomialMap, order: int, steps: int,
                          allow_nondissipative: bool = False, where: str = "model") -> CarlemanSystem:
    order = limits.check_int(order, "order", limits.MIN_ORDER, limits.MAX_ORDER)
    steps = limits.check_int(steps, "steps", limits.MIN_STEPS, limits.MAX_STEPS)
    structure = predicted_structure(polymap, order, steps)
    check_history_size(structure, where)
    dissipation = analyze_dissipation(polymap.G[1], steps)
    if dissipation.classification == "non-dissipative" and not allow_nondissipative:
        raise NonDissipativeError(
            f"{where}: the dynamics are non-dissipative (spectral radius of G1 = "
            f"{dissipation.spectral_radius:.4g}, {dissipation.expanding_modes} expanding "
            f"of {dissipation.n_modes} modes, amplification {dissipation.amplification_over_horizon:.3g}"
            f" over {steps} steps): κ of the history system grows exponentially in T and no QLSA "
            "helps; lower the learning rate, or set allow_nondissipative to build it anyway",
            field="G1")
    with task(f"building the history system ({structure.dim:,} rows)"):
        system = build_carleman_system(polymap, order, steps)
    with task("condition number of the history system"):
        meta = carleman_meta(system, structure, dissipation.to_dict())
    return CarlemanSystem(polymap=polymap, order=order, steps=steps, M=system.M, c=system.c,
                          A=system.A, b=system.b, meta=meta)


def carleman_meta(system: CarlemanSystem, structure: HistoryStructure, dissipation: dict) -> dict:
    """Measured statistics of the built system, with κ labelled exact / estimated / bound."""
    A, M = system.A, system.M
    absA = abs(A)
    norm_one = float(absA.sum(axis=0).max())
    norm_inf = float(absA.sum(axis=1).max())
    kappa, kind = condition_number(A)
    if not math.isfinite(kappa):
        kappa, kind = structure.kappa_bound, "bound"
    growth = kappa_growth(M, system.steps)
    return {
        "stage": "carleman",
        "n": system.n,
        "order": system.order,
        "steps": system.steps,
        "delta": system.delta,
        "dim": system.dim,
        "nnz": int(A.nnz),
        "max_row_nnz": int(np.diff(A.indptr).max()),
        "max_col_nnz": int(np.bincount(A.indices, minlength=A.shape[1]).max()),
        "max_abs_entry": float(absA.max()),
        "lift_nnz": int(M.nnz),
        "norms": {
            "one": norm_one,
            "inf": norm_inf,
            "two_upper_bound": math.sqrt(norm_one * norm_inf),
            "frobenius": float(spla.norm(A)),
            "lift_two_upper_bound": structure.lift_norm_two_bound,
        },
        "rhs_norm": float(np.linalg.norm(system.b)),
        "kappa": kappa,
        "kappa_kind": kind,
        "kappa_bound": structure.kappa_bound,
        "kappa_growth": growth,
        "dissipation": dissipation,
        "structure_bounds": structure.to_dict(),
        "source": system.polymap.meta,
    }
