"""The engine's target registry, and order lines through the import API."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from guanxi.imports import services, targets
from guanxi.imports.models import ImportJob
from guanxi.imports.tests.helpers import csv_bytes
from guanxi.testing.base import bearer

pytestmark = pytest.mark.django_db

ORDERS = csv_bytes([["source", "external_id", "customer_code", "ordered_at", "product_code", "quantity", "unit_price"],
                    ["pos", "A1", "C001", "2026-03-01 10:00", "T1", "2", "50"],
                    ["pos", "A2", "NEW1", "2026-03-01 11:00", "T1", "1", "50"]])


@pytest.fixture(autouse=True)
def english(org: Any, client: Any) -> Iterator[None]:
    """Messages in English: the users' saved language (jobs), the API's cookie and this thread's."""
    from django.conf import settings

    type(org.owner).objects.update(language="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def sync_jobs(monkeypatch: Any) -> None:
    monkeypatch.setattr(services, "enqueue", services.run_job)


def test_targets_are_discovered_in_order(org: Any) -> None:
    assert [t.key for t in targets.all_targets()] == ["customers", "contacts", "orders"]
    assert [str(label) for _k, label in targets.choices()] == ["Customers", "Contact people", "Order lines"]
    with pytest.raises(ValidationError) as refused:
        targets.get("holdings")
    assert refused.value.message_dict == {"target": ["Select a valid choice."]}


def test_an_unknown_target_stores_nothing(org: Any) -> None:
    with pytest.raises(ValidationError):
        services.job_create(actor=org.owner, upload=SimpleUploadedFile("o.csv", ORDERS), target="holdings")
    assert not ImportJob.objects.exists()


def test_api_imports_order_lines_with_options(client: Any, org: Any, make_customer: Any, sync_jobs: None,
                                              django_capture_on_commit_callbacks: Any) -> None:
    from guanxi.orders.models import Order
    from guanxi.orders.tests.helpers import catalogue

    catalogue()
    make_customer("王芳", code="C001")
    headers = bearer(client, org.owner)
    created = client.post("/api/v1/imports", {"file": SimpleUploadedFile("pos.csv", ORDERS), "target": "orders"},
                          headers=headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["target"], body["header_row"], body["options"]) == ("orders", 1, {})
    assert set(body["mapping"].values()) == {"source", "external_id", "customer_code", "ordered_at", "product_code",
                                             "quantity", "unit_price"}
    refused = client.post(f"/api/v1/imports/{body['id']}/apply", {"options": {"unknown_customers": "maybe"}},
                          content_type="application/json", headers=headers)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "unknown_customers", "message": "Select a valid choice."}]
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/imports/{body['id']}/apply", {"options": {"unknown_customers": "create"}},
                              content_type="application/json", headers=headers)
    assert started.status_code == 202, started.content
    status = client.get(f"/api/v1/imports/{body['id']}", headers=headers).json()
    assert (status["state"], status["created"], status["options"]) == ("done", 2, {"unknown_customers": "create"})
    assert sorted(Order.objects.values_list("customer__code", flat=True)) == ["C001", "NEW1"]


def test_api_refuses_an_unknown_target(client: Any, org: Any) -> None:
    response = client.post("/api/v1/imports", {"file": SimpleUploadedFile("pos.csv", ORDERS), "target": "holdings"},
                           headers=bearer(client, org.owner))
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "target", "message": "Select a valid choice."}]
    assert not ImportJob.objects.exists()
