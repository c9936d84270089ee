"""Background jobs (django-q2): the nightly run and runs started from the UI or the API.

Each takes an id (or nothing) and is safe to run twice: a run is claimed by one update from
queued to running, and the nightly job queues nothing while another run is queued or running.
"""

from __future__ import annotations

from guanxi.analytics import services
from guanxi.analytics.choices import RunTrigger

NIGHTLY_SCHEDULE = "analytics-nightly-run"


def run_analytics_task(run_id: int) -> str:
    run = services.run_job(run_id)
    return run.state if run is not None else "already claimed"


def nightly_run() -> str:
    """Daily at 02:30 (schedule created by migration 0002): score everyone from the purchase summary."""
    existing = services.active_run()
    if existing is not None:
        return f"run {existing.pk} already {existing.state}"
    run = services.run_create(actor=None, trigger=RunTrigger.NIGHTLY)
    # Already inside the worker: run here rather than queue a second task behind this one.
    result = services.run_job(run.pk)
    return result.state if result is not None else "already claimed"
