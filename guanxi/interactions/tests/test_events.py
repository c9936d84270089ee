"""Logging a contact publishes InteractionLogged; finishing a task (by hand or by a visit's outcome) TaskDone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from guanxi.core import events, outbox
from guanxi.interactions import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def received() -> Iterator[list[events.Event]]:
    seen: list[events.Event] = []
    with events.override():
        events.subscribe(events.InteractionLogged, seen.append, name="tests.logged")
        events.subscribe(events.TaskDone, seen.append, name="tests.done")
        yield seen


def _delivered(received: list[events.Event]) -> list[events.Event]:
    outbox.deliver_due()
    found = list(received)
    received.clear()
    return found


def test_logging_a_contact_publishes_interaction_logged(org: Any, make_customer: Any,
                                                        received: list[events.Event]) -> None:
    customer = make_customer("张三")
    plain = services.interaction_log(actor=org.owner, customer=customer, data={"channel": "T", "notes": "问候"})
    with_step = services.interaction_log(actor=org.owner, customer=customer, data={
        "channel": "V", "next_step": "送样品", "next_step_on": dt.date(2027, 3, 20)})
    assert with_step.next_task is not None
    assert _delivered(received) == [
        events.InteractionLogged(interaction_id=plain.pk, customer_id=customer.pk, user_id=org.owner.pk,
                                 channel="T", next_task_id=None),
        events.InteractionLogged(interaction_id=with_step.pk, customer_id=customer.pk, user_id=org.owner.pk,
                                 channel="V", next_task_id=with_step.next_task.pk),
    ]


def test_a_task_done_once_publishes_task_done_once(org: Any, make_customer: Any,
                                                   received: list[events.Event]) -> None:
    customer = make_customer("张三")
    task = services.task_create(actor=org.owner, data={"title": "回访", "due_on": dt.date(2027, 3, 20),
                                                       "customer_id": customer.pk})
    services.task_set_done(actor=org.owner, task=task, done=True)
    services.task_set_done(actor=org.owner, task=task, done=True)  # already done: nothing new
    services.task_set_done(actor=org.owner, task=task, done=False)
    assert _delivered(received) == [events.TaskDone(task_id=task.pk, owner_id=org.owner.pk, customer_id=customer.pk)]
    appointment = services.appointment_plan(actor=org.owner, customer=customer, data={"due_on": dt.date(2027, 3, 22)})
    services.appointment_act(actor=org.owner, appointment=appointment, action="visited")
    assert _delivered(received) == [events.TaskDone(task_id=appointment.task.pk, owner_id=org.owner.pk,
                                                    customer_id=customer.pk)]
