"""One owner per table, checked at test time: every INSERT, UPDATE and DELETE is attributed to the
app that owns the table and to the app of the code that sent it; a write into another app's table
fails the test.

The root conftest.py installs `WriteGuard` on every database connection of the test run (the
connections that exist when a test starts, and every one opened later, in any thread). Owners come
from the app registry (`_meta.db_table` of every model, many-to-many through tables included);
tables created at run time (`CREATE TEMP TABLE …`, staging tables) belong to the app that created
them. The calling app is that of the innermost frame in `guanxi/<app>/`; the helpers in `ON_BEHALF`
are skipped, so their writes count as their caller's. When the innermost such frame is a test, a
testing module, a factory or a migration, or Django's contrib code (last_login, sessions, admin
log), the write is theirs and allowed; a cascade of Django's deletion collector follows the
`on_delete` that the referencing table's own app declared, and is allowed too.

Only this module's lists say what is allowed, each with its reason. Test-only code: production
never imports it.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.apps import apps

GUANXI_ROOT = str(Path(__file__).resolve().parent.parent) + "/"

# Tables of these apps may be written from anywhere.
ANY_WRITER_APPS: dict[str, str] = {
    "django_q": "django-q2's task and schedule tables: `async_task` and schedules are its public API",
    "sessions": "Django's sessions, written by its middleware and login",
    "auth": "Django's groups and permissions (post_migrate, test setup)",
    "contenttypes": "Django's content types, created on demand by contrib code",
    "admin": "Django admin's log entries, written by the admin of any app",
}

# Modules (paths under guanxi/) that write on behalf of their caller: skipped when finding the caller.
ON_BEHALF: dict[str, str] = {
    "core/bulk.py": "the bulk COPY / INSERT writer: the rows are its caller's",
    "core/db.py": "shared SQL plumbing (COPY encoder, analyze): the statements are its caller's",
    "imports/staging.py": "the staging writer (COPY, batched INSERTs, row errors) of an import target",
}

# (calling module, owning app): writes allowed although the module's app does not own the table.
ALLOWED: dict[tuple[str, str], str] = {
    ("dedupe/relations.py", "*"): "the relation walker: a merge moves and an erasure deletes or unlinks the rows "
                                  "of every table with a key to Customer; apps opt out with a registered "
                                  "CustomerReference hook, which then runs as their own code",
    ("dedupe/demo.py", "customers"): "demo data: plants duplicate pairs among the demo customers on the demo "
                                     "database alias, which the customers services do not take",
    ("imports/customer_import/apply.py", "customers"): "the customer import target writes customers, their "
                                                        "search rows and ledger set-based (COPY, INSERT … "
                                                        "SELECT): the customers app's bulk writer, kept with "
                                                        "the import engine's staging tables it reads",
    ("orders/import_target.py", "imports"): "an import target marks its job's rows invalid and writes their row "
                                            "errors: the ImportTarget protocol hands it the job's tables",
}

_VERB = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|WITH|CREATE)\b", re.IGNORECASE)
_TARGET = re.compile(
    r"(?<!FOR )\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|UPDATE|DELETE\s+FROM)\s+(?:ONLY\s+)?"
    r"[\"`]?([A-Za-z_][\w.]*)[\"`]?",
    re.IGNORECASE,
)
_CREATE = re.compile(
    r"^\s*CREATE\s+(?:(?:GLOBAL\s+|LOCAL\s+)?(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"[\"`]?([A-Za-z_][\w.]*)[\"`]?",
    re.IGNORECASE,
)
_DELETION = "/django/db/models/deletion.py"
_CONTRIB = "/django/contrib/"
_OWN = ("", "")
_TEST_FILES = {"conftest.py"}


class CrossAppWrite(AssertionError):
    """A module wrote into a table that another app owns."""


@dataclass(frozen=True)
class Violation:
    table: str
    owner: str
    caller: str
    module: str
    sql: str

    def __str__(self) -> str:
        return (f"{self.module} (app {self.caller!r}) writes {self.table!r}, owned by app {self.owner!r}: "
                f"call a service of {self.owner!r} instead. SQL: {self.sql[:160]}")


def table_owners() -> dict[str, str]:
    """db_table → app label for every model, auto-created many-to-many through tables included."""
    return {m._meta.db_table.lower(): m._meta.app_label for m in apps.get_models(include_auto_created=True)}


class WriteGuard:
    """A `connection.execute_wrapper`: checks the target of every write before running it."""

    def __init__(self, owners: Mapping[str, str] | None = None) -> None:
        self._owners = dict(owners) if owners is not None else None
        self._created: dict[str, str] = {}  # run-time tables → the app that created them
        self._modules: dict[str, tuple[str, str] | None] = {}  # filename → (app, module) or None
        self._app_dirs = {c.name.split(".", 1)[1]: c.label for c in apps.get_app_configs()
                          if c.name.startswith("guanxi.") and c.name.count(".") == 1}
        self.violations: list[Violation] = []
        self.enabled = True
        self._lock = threading.Lock()

    @property
    def owners(self) -> dict[str, str]:
        if self._owners is None:
            self._owners = table_owners()
        return self._owners

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if self.enabled and isinstance(sql, str) and _VERB.match(sql):
            self.check(sql)
        return execute(sql, params, many, context)

    def check(self, sql: str) -> None:
        created = _CREATE.match(sql)
        if created:
            caller = self.caller()
            if caller is not None:
                self._created[created.group(1).lower()] = caller[0]
            return
        match = _TARGET.search(sql)
        if match is None:
            return
        table = match.group(1).lower().rsplit(".", 1)[-1]
        owner = self.owners.get(table) or self._created.get(table)
        if owner is None or owner in ANY_WRITER_APPS:
            return
        caller = self.caller(sys._getframe(1), table)
        if caller is None:
            return
        app, module = caller
        if app == owner or (module, owner) in ALLOWED or (module, "*") in ALLOWED:
            return
        violation = Violation(table=table, owner=owner, caller=app, module=module, sql=" ".join(sql.split()))
        with self._lock:
            self.violations.append(violation)
        raise CrossAppWrite(str(violation))

    def caller(self, frame: FrameType | None = None, table: str | None = None) -> tuple[str, str] | None:
        """(app label, module path under guanxi/) of the innermost guanxi frame that counts; None
        for a write outside guanxi's code, or one Django's deletion collector makes: deleting a row
        deletes or unlinks the rows that reference it as their app's `on_delete` says."""
        frame = frame or sys._getframe(1)
        while frame is not None:
            filename = frame.f_code.co_filename
            if filename.endswith(_DELETION) and table is not None and _cascaded(frame, table):
                return None
            found = self._modules.get(filename, ...)
            if found is ...:
                found = self._classify(filename)
                self._modules[filename] = found
            if found is _OWN:
                return None
            if found is not None:
                return found
            frame = frame.f_back
        return None

    def _classify(self, filename: str) -> tuple[str, str] | None:
        """An app module; _OWN for code whose writes are its own business (tests, factories,
        migrations, Django's contrib apps); None for frames to walk past."""
        if _CONTRIB in filename:
            return _OWN  # Django's own writes: auth's last_login, the admin's log, sessions
        if not filename.startswith(GUANXI_ROOT):
            return None
        module = filename[len(GUANXI_ROOT):]
        parts = module.split("/")
        name = parts[-1]
        if module == "testing/write_owners.py":
            return None  # this guard's own frames
        if ("tests" in parts or "migrations" in parts or parts[0] == "testing" or name.startswith("test_")
                or name in _TEST_FILES):
            return _OWN  # a test and its support (guanxi/testing/) write what they need, wherever called from
        if len(parts) < 2 or module in ON_BEHALF:
            return None
        label = self._app_dirs.get(parts[0])
        return (label, module) if label is not None else None


def _cascaded(frame: FrameType, table: str) -> bool:
    """Whether a write inside Django's deletion collector is a cascade (a table other than the one
    whose rows the caller deletes)."""
    collector = frame.f_locals.get("self")
    origin = getattr(collector, "origin", None)
    model = getattr(origin, "model", None) or type(origin)
    meta = getattr(model, "_meta", None)
    return meta is not None and meta.db_table.lower() != table


def install(connection: Any, guard: WriteGuard) -> None:
    """Add the guard to a connection's execute wrappers, once."""
    if guard not in connection.execute_wrappers:
        connection.execute_wrappers.append(guard)
