"""factory_boy factories for tests and ad-hoc data. Customers go through the service, so their
search keys, ledger and defaults are the real ones."""

from __future__ import annotations

from typing import Any

import factory

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import Department, Role, User


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"dept-{n}")
    name = factory.Sequence(lambda n: f"部门{n}")


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role
        django_get_or_create = ("code",)

    code = "rep"
    name = "客户经理"
    data_scope = DataScope.OWN


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.LazyAttribute(lambda u: u.username)
    department = factory.SubFactory(DepartmentFactory)
    role = factory.SubFactory(RoleFactory)
    password = factory.django.Password("test-pass-123")


class CustomerFactory(factory.Factory):
    """`CustomerFactory(actor=user, name="张三", phones=[...])` → a saved customer, via the service."""

    class Meta:
        model = dict

    actor = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"客户{n}")
    kind = "person"
    importance = "B"

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from guanxi.core.inputs import typed_input
        from guanxi.customers.services import CustomerInput, customer_create

        actor = kwargs.pop("actor")
        return customer_create(actor=actor, data=typed_input(CustomerInput, kwargs))

    @classmethod
    def _build(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.pop("actor", None)
        return kwargs
