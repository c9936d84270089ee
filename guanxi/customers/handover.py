"""The customer handover (客户移交): a manager moves customers to another account manager, and every
app's registered handover source moves what belonged to the previous manager with them."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.accounts.selectors import users_visible_to
from guanxi.core import events
from guanxi.core.errors import FieldErrors, NotPermitted
from guanxi.core.registry import registry
from guanxi.customers import ledger
from guanxi.customers.choices import Channel
from guanxi.customers.models import Customer


def may_hand_over(user: User) -> bool:
    """Managers (department or all scope) and superusers hand customers over; reps do not."""
    from guanxi.accounts.choices import DataScope

    return bool(user.is_superuser or user.data_scope != DataScope.OWN)


@dataclass(frozen=True)
class HandoverResult:
    """What a handover moved: the customers, and per registered handover source how many rows."""

    customers: int
    moved: dict[str, int]


def customer_handover(
    *, actor: User, customer_ids: list[int], to_owner: User, channel: str = Channel.UI
) -> HandoverResult:
    """Hand customers over to another account manager: the owner changes (with a ledger entry per
    customer), and every registered handover source moves what belonged to the previous manager for
    those customers (open tasks, upcoming appointments …). Managers only (department or all scope)."""
    if not may_hand_over(actor):
        raise NotPermitted(_("Only managers may hand customers over."))
    errors = FieldErrors()
    if not users_visible_to(actor).filter(pk=to_owner.pk, is_active=True).exists():
        errors.add("to_owner", _("Unknown account manager."))
    ids = sorted({int(i) for i in customer_ids if 0 < int(i) < 2**63})
    if not ids:
        errors.add("customer_ids", _("Choose at least one customer."))
    visible = list(Customer.objects.visible_to(actor).active().filter(pk__in=ids)
                   .select_related("owner", "department", "store").prefetch_related("tags"))
    if len(visible) != len(ids):
        errors.add("customer_ids", _("Unknown customer."))
    errors.raise_if_any()
    moving = [c for c in visible if c.owner_id != to_owner.pk]
    previous = {c.pk: c.owner_id for c in moving}
    moved: dict[str, int] = {}
    with transaction.atomic():
        before = {c.pk: ledger.snapshot(c) for c in moving}
        Customer.objects.filter(pk__in=list(previous)).update(
            owner=to_owner, version=F("version") + 1, updated_at=timezone.now())
        ledger.record_many(
            ((cid, {"owner": before[cid]["owner"]}, {"owner": to_owner.username}) for cid in previous),
            actor=actor, channel=channel,
        )
        if previous:
            moved_ids = events.Ids.of(previous)
            events.publish(events.CustomersChanged(customer_ids=moved_ids, fields=("owner",), channel=channel))
            events.publish(events.OwnersMoved(customer_ids=moved_ids, owner_id=to_owner.pk))
        for source in registry.handover_sources:
            moved[source.key] = source.move(previous, to_owner.pk)
    return HandoverResult(customers=len(previous), moved=moved)
