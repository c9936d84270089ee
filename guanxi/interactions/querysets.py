"""Which interactions and tasks a user may see: those of customers and colleagues in their scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from guanxi.accounts.choices import DataScope

if TYPE_CHECKING:
    from guanxi.accounts.models import User
    from guanxi.interactions.models import Interaction, Task  # noqa: F401  (named in the base classes, strings)


class InteractionQuerySet(models.QuerySet["Interaction"]):
    def visible_to(self, user: User) -> InteractionQuerySet:
        """Contacts with customers the user may see; an id outside the scope is a 404."""
        from guanxi.customers.models import Customer

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.data_scope == DataScope.ALL:
            return self
        if user.data_scope == DataScope.OWN:
            return self.filter(customer__owner_id=user.pk)
        return self.filter(customer__in=Customer.objects.visible_to(user).values("pk"))


class TaskQuerySet(models.QuerySet["Task"]):
    def open(self) -> TaskQuerySet:
        return self.filter(done_at__isnull=True)

    def visible_to(self, user: User) -> TaskQuerySet:
        """A rep sees their own tasks; a manager those of the colleagues in their department tree."""
        from guanxi.accounts.selectors import users_visible_to

        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.data_scope == DataScope.ALL:
            return self
        if user.data_scope == DataScope.OWN:
            return self.filter(owner_id=user.pk)
        return self.filter(models.Q(owner_id=user.pk) | models.Q(owner__in=users_visible_to(user).values("pk")))
