"""The dead letters page: event deliveries that kept failing, for an administrator to retry."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from guanxi.core import outbox
from guanxi.core.models import DeliveryState, EventDelivery

PAGE_SIZE = 200


def administrator(user: object) -> outbox.Administrator:
    """The signed-in user if an administrator; else 403 (the page exists, but not for them)."""
    if getattr(user, "is_administrator", False) is not True:
        raise PermissionDenied
    return cast(outbox.Administrator, user)


@login_required
@require_GET
def dead_letters(request: HttpRequest) -> HttpResponse:
    letters = outbox.dead_letters(actor=administrator(request.user))
    context = {"letters": letters[:PAGE_SIZE], "count": letters.count(), "page_size": PAGE_SIZE}
    return render(request, "core/dead_letters.html", context)


@login_required
@require_POST
def dead_letter_retry(request: HttpRequest, delivery_id: int) -> HttpResponse:
    actor = administrator(request.user)
    delivery = get_object_or_404(EventDelivery, pk=delivery_id, state=DeliveryState.DEAD)
    count = outbox.dead_letter_retry(actor=actor, delivery_id=delivery.pk)
    messages.success(request, ngettext("%(count)s delivery will be tried again.",
                                       "%(count)s deliveries will be tried again.", count) % {"count": count})
    return redirect("events:dead_letters")


@login_required
@require_POST
def dead_letters_retry_all(request: HttpRequest) -> HttpResponse:
    count = outbox.dead_letters_retry_all(actor=administrator(request.user))
    messages.success(request, ngettext("%(count)s delivery will be tried again.",
                                       "%(count)s deliveries will be tried again.", count) % {"count": count})
    return redirect("events:dead_letters")
