"""The authentication backend: Django's, with the signed-in user's role read in the same query."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend


class RoleAwareBackend(ModelBackend):
    """Every page asks the user's role for the data scope and the sensitive permissions; reading it
    with the user (one join) spares every request a query of its own."""

    def get_user(self, user_id: Any) -> Any:
        from guanxi.accounts.models import User

        user = User._default_manager.select_related("role").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
