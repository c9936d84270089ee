"""Root pytest configuration: shared fixtures and fast password hashing."""

from typing import Any

from guanxi.testing.base import make_customer, org  # noqa: F401


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    # PBKDF2 takes a third of a second per password on purpose; tests need no such protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
