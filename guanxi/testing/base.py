"""Shared test fixtures: an organization with an owner, a teammate, an outsider, a manager, an admin.

owner and teammate are reps in the sales team; manager heads the sales department (which contains
the team) and may reveal sensitive data; outsider is a rep in another branch; admin sees all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import Department, Region, Role, Store, User

PASSWORD = "test-pass-123"


class Org:
    """The people and places of the test organization."""

    def __init__(self) -> None:
        self.rep_role = Role.objects.create(code="rep", name="Rep", data_scope=DataScope.OWN)
        self.manager_role = Role.objects.create(
            code="manager", name="Manager", data_scope=DataScope.DEPARTMENT, can_reveal_sensitive=True
        )
        self.admin_role = Role.objects.create(
            code="admin", name="Admin", data_scope=DataScope.ALL, can_reveal_sensitive=True,
            can_restore_archived=True,
        )
        self.hq = Department.objects.create(code="hq", name="总部")
        self.sales = Department.objects.create(code="sales", name="销售部", parent=self.hq)
        self.team = Department.objects.create(code="sales-1", name="销售一组", parent=self.sales)
        self.county = Department.objects.create(code="county", name="县级营销部", parent=self.hq)
        self.region = Region.objects.create(code="east", name="华东区")
        self.store = Store.objects.create(code="sh", name="上海店", region=self.region, department=self.team)
        self.other_store = Store.objects.create(code="gz", name="广州店", region=self.region, department=self.county)
        self.owner = self._user("owner", self.rep_role, self.team)
        self.teammate = self._user("teammate", self.rep_role, self.team)
        self.outsider = self._user("outsider", self.rep_role, self.county)
        self.manager = self._user("manager", self.manager_role, self.sales)
        self.admin = self._user("admin", self.admin_role, self.hq)

    @staticmethod
    def _user(username: str, role: Role, department: Department) -> User:
        return User.objects.create_user(
            username=username, password=PASSWORD, role=role, department=department, display_name=username
        )


@pytest.fixture
def org(db: Any) -> Org:
    return Org()


def login(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def make_customer(org: Org) -> Any:
    """Create customers through the service, so search keys and defaults are real."""
    from guanxi.testing.factories import CustomerFactory

    def make(name: str = "张三", *, actor: User | None = None, **data: Any) -> Any:
        return CustomerFactory(actor=actor or org.owner, name=name, **data)

    return make


def bearer(client: Client, user: User) -> dict[str, str]:
    """An Authorization header for the API, obtained the way a client would."""
    response = client.post(
        "/api/v1/auth/token", {"username": user.username, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return {"Authorization": f"Bearer {response.json()['token']}"}
