"""Background tasks of core (django-q2): delivering the domain events' outbox. Safe to run twice."""

from __future__ import annotations

from guanxi.core import outbox


def deliver_event(event_id: int) -> int:
    """Enqueued after the commit that published the event."""
    return outbox.deliver_event(event_id)


def deliver_due_events() -> int:
    """The periodic schedule (every minute): retries, and events whose job was lost."""
    return outbox.deliver_due()
