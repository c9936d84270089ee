"""The one place that decides which customers a user may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from guanxi.accounts.choices import DataScope

if TYPE_CHECKING:
    from guanxi.accounts.models import User
    from guanxi.customers.models import Customer  # noqa: F401  (named in the base class, a string)


class CustomerQuerySet(models.QuerySet["Customer"]):
    def active(self) -> CustomerQuerySet:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> CustomerQuerySet:
        return self.filter(archived_at__isnull=False)

    def visible_to(self, user: User) -> CustomerQuerySet:
        """Customers within the user's data scope: own, department tree, or all.

        Every list, search, detail page, export and API endpoint goes through this, so an id
        outside the scope is simply not found (404).
        """
        from guanxi.accounts.selectors import department_descendant_ids

        if not user.is_authenticated or not user.is_active:
            return self.none()
        scope = user.data_scope
        if scope == DataScope.ALL:
            return self
        if scope == DataScope.DEPARTMENT and user.department_id:
            ids = department_descendant_ids(department_id=user.department_id)
            return self.filter(models.Q(department_id__in=ids) | models.Q(owner_id=user.pk))
        return self.filter(owner_id=user.pk)
