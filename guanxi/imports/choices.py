from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    REVIEW = "review", _("Has invalid rows")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Mode(models.TextChoices):
    CREATE = "create", _("Create new customers")
    UPDATE = "update", _("Update by customer code or phone")
    BOTH = "both", _("Create new and update existing")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (.xlsx)"
    XLS = "xls", "Excel 97–2003 (.xls)"
    ODS = "ods", "OpenDocument (.ods)"


class RowAction(models.TextChoices):
    NONE = "", "—"
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    UNCHANGED = "unchanged", _("Unchanged")


class Source(models.TextChoices):
    UI = "ui", _("Web UI")
    API = "api", _("API")
    CLI = "cli", _("Command line")
