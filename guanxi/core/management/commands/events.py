"""``guanxi events deliver``: run every due delivery of the domain events' outbox now (ADR 0021)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from guanxi.core import outbox
from guanxi.core.models import DeliveryState, EventDelivery


class Command(BaseCommand):
    help = "Domain events: 'deliver' runs every due delivery (the periodic job does the same every minute)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["deliver"])
        parser.add_argument("--limit", type=int, default=None, help="stop after this many deliveries")

    def handle(self, *args: Any, **options: Any) -> None:
        ran = outbox.deliver_due(limit=options["limit"])
        dead = EventDelivery.objects.filter(state=DeliveryState.DEAD).count()
        self.stdout.write(f"{ran} deliveries run; {dead} dead letters")
