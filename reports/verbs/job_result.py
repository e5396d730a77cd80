"""``qmlc job-result ID``: a finished IBM job's result, read the way its pipeline reads it
(:func:`qmlc.backends.ibm_job_lookup.job_result`): a QLSA job's p̂, F̂ and |u_T|, a QIREN layer's
⟨Z_j⟩ per sample, or the raw data of a job qmlc has no record of."""

from __future__ import annotations

import argparse

import numpy as np

from qmlc.backends.ibm_job_lookup import job_result
from qmlc.reports.verbs import VerbOutput


def main(args: argparse.Namespace) -> VerbOutput:
    out = job_result(args.job_id)
    lines = [f"job {out.job_id} on {out.device}: {out.pipeline or 'no qmlc record'}"]
    if out.qlsa is not None:
        s = out.qlsa
        lines.append(f"success {s.success_probability_sampled:.4f} ± "
                     f"{s.success_probability_stderr:.4f}, fidelity {s.fidelity_sampled:.4f} ± "
                     f"{s.fidelity_stderr:.4f} ({s.postselected_shots} postselected shots), "
                     f"|u_T| {[round(v, 6) for v in s.abs_u_T_sampled]}")
    for i, evs in enumerate(out.expectation_values or []):
        arr = np.asarray(evs)
        lines.append(f"pub {i}: <Z> of shape {arr.shape}, first row "
                     f"{np.round(arr.reshape(-1, arr.shape[-1])[0], 4).tolist()} (all with --json)")
    for i, counts in enumerate(out.counts or []):
        for name, table in counts.items():
            top = ", ".join(f"{k}: {v}" for k, v in list(table.items())[:8])
            lines.append(f"pub {i} register {name}: {top}{' ...' if len(table) > 8 else ''}")
    return VerbOutput(out, "\n".join(lines))
