"""``qmlc job-status ID``: where a submitted IBM job ran and its status now
(:func:`qmlc.backends.ibm_job_lookup.job_status`)."""

from __future__ import annotations

import argparse

from qmlc.backends.ibm_job_lookup import job_status
from qmlc.reports.verbs import VerbOutput


def main(args: argparse.Namespace) -> VerbOutput:
    status = job_status(args.job_id)
    text = f"job {status.job_id}: {status.status} on {status.device} ({status.where})"
    if status.pipeline:
        text += f"; {status.pipeline} job submitted {status.created} via {status.backend}"
    return VerbOutput(status, text)
