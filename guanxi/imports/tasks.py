"""Background tasks (django-q2). Each takes an id and is safe to run twice."""

from __future__ import annotations

from guanxi.imports.services import run_job


def run_import(job_id: int) -> str:
    job = run_job(job_id)
    return job.state if job is not None else "already claimed"
