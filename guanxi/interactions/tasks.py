"""Background jobs (django-q2): the daily reminder digest."""

from __future__ import annotations

from guanxi.interactions import services

DIGEST_SCHEDULE = "interactions-reminder-digest"


def prepare_digests() -> int:
    """Run daily at 06:00; safe to run twice (each user's digest for the day is replaced)."""
    return services.digest_prepare_all()
