from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import Role, User
from guanxi.testing.base import PASSWORD, bearer


@pytest.fixture
def other_manager(org: Any) -> User:
    """A manager of the county branch: may merge, but sees none of the sales team's customers."""
    role = Role.objects.create(code="county-manager", name="County manager", data_scope=DataScope.DEPARTMENT)
    return User.objects.create_user(username="county-manager", password=PASSWORD, role=role,
                                    department=org.county, display_name="county-manager")


def api_call(client: Client, user: User, method: str, path: str, body: Any = None) -> Any:
    headers = bearer(client, user)
    call = getattr(client, method)
    if body is None:
        return call(f"/api/v1{path}", headers=headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", headers=headers)
