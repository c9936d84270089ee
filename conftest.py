"""Root pytest configuration: shared fixtures, fast password hashing, and one owner per table."""

from collections.abc import Iterator
from typing import Any

import pytest

from guanxi.testing.base import make_customer, org  # noqa: F401

_guard: Any = None


def pytest_configure(config: Any) -> None:
    from django.conf import settings

    # PBKDF2 takes a third of a second per password on purpose; tests need no such protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _write_guard() -> Any:
    """The one WriteGuard of this process (each xdist worker has its own), on every connection:
    those open now and every one opened later, in any thread."""
    global _guard
    if _guard is None:
        from django.db.backends.signals import connection_created

        from guanxi.testing.write_owners import WriteGuard, install

        _guard = WriteGuard()

        def on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
            install(connection, _guard)

        connection_created.connect(on_connect, weak=False, dispatch_uid="guanxi-write-guard")
    return _guard


@pytest.fixture(autouse=True)
def one_owner_per_table() -> Iterator[Any]:
    """Fails a test whose code writes into another app's table (see guanxi/core/write_owners.py)."""
    from django.db import connections

    from guanxi.testing.write_owners import install

    guard = _write_guard()
    for connection in connections.all():
        install(connection, guard)
    guard.violations.clear()
    guard.enabled = True
    yield guard
    found, guard.violations[:] = list(guard.violations), []
    if found:
        pytest.fail("Writes into another app's table:\n" + "\n".join(map(str, found)), pytrace=False)
