"""Import jobs, their uploaded file, the staging rows and errors, saved mappings and the export log.

Staging tables never reference customers with a foreign key: matched customers are plain integers,
so merge, erasure and export (which walk `Customer._meta.related_objects`) never see them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.imports.choices import FileFormat, JobState, Mode, RowAction, Source


class ImportJob(models.Model):
    """One uploaded file on its way into the archive: settings, state, counts and the outcome."""

    target = models.CharField(_("target"), max_length=30, default="customers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("imported by"), on_delete=models.PROTECT,
                             related_name="+")
    source_name = models.CharField(_("file name"), max_length=200)
    file_format = models.CharField(_("format"), max_length=10, choices=FileFormat.choices)
    size = models.BigIntegerField(_("size"), default=0)
    state = models.CharField(_("state"), max_length=10, choices=JobState.choices, default=JobState.UPLOADED)
    source = models.CharField(_("started from"), max_length=10, choices=Source.choices, default=Source.UI)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    encoding = models.CharField(_("encoding"), max_length=30, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=1)
    # Column index (as text) → field key of the target.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    header = models.JSONField(_("header"), default=list, blank=True)
    sheets = models.JSONField(_("sheets"), default=list, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.BOTH)
    # The target's own choices besides `mode` (order lines: what to do with unknown customers).
    options = models.JSONField(_("options"), default=dict, blank=True)
    apply_valid_only = models.BooleanField(_("apply valid rows only"), default=False)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows read"), default=0)
    invalid_rows = models.PositiveIntegerField(_("invalid rows"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="import_job_user")]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    # What the import list shows for the target: set by `selectors.jobs_for` from the target registry
    # (the model does not import the registry, which imports the model).
    target_label = ""

    def __str__(self) -> str:
        return f"{self.source_name} ({self.state})"

    @property
    def valid_rows(self) -> int:
        return self.total_rows - self.invalid_rows

    @property
    def applied(self) -> bool:
        return self.state == JobState.DONE

    @property
    def is_active(self) -> bool:
        return self.state in (JobState.QUEUED, JobState.RUNNING)




class ImportChunk(models.Model):
    """One piece (up to 1 MiB) of an uploaded file, kept in the database so any worker can read it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="chunks")
    seq = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["job", "seq"]
        constraints = [models.UniqueConstraint(fields=["job", "seq"], name="import_chunk_seq")]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.seq}"


class ImportRow(models.Model):
    """One data row of a file in the staging table: its cells as read and its cleaned values.

    `customer_id` is the matched or pre-allocated record id, a plain integer on purpose.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rows")
    line = models.PositiveIntegerField()
    raw = models.JSONField(default=list)
    data = models.JSONField(default=dict)
    code = models.CharField(max_length=50, blank=True, default="")
    phone = models.CharField(max_length=20, blank=True, default="")
    valid = models.BooleanField(default=True)
    action = models.CharField(max_length=10, choices=RowAction.choices, blank=True, default="")
    customer_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["job", "line"], name="import_row_line"),
            models.Index(fields=["job", "code"], name="import_row_code"),
            models.Index(fields=["job", "phone"], name="import_row_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line}"


class RowError(models.Model):
    """One field error of one row of an import (the row's file line number, the field, the message)."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="errors")
    line = models.PositiveIntegerField()
    field = models.CharField(max_length=60, blank=True)
    message = models.TextField()

    class Meta:
        ordering = ["job", "line", "id"]
        indexes = [models.Index(fields=["job", "line"], name="import_error_line")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.line} {self.field}: {self.message}"


class SavedMapping(models.Model):
    """A column mapping remembered under a name (usually the source, e.g. 门店花名册): header → field."""

    target = models.CharField(max_length=30, default="customers")
    name = models.CharField(_("name"), max_length=200)
    columns = models.JSONField(default=dict)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["target", "name"], name="saved_mapping_name")]
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")

    def __str__(self) -> str:
        return self.name


class ExportLog(models.Model):
    """One export of a customer list: who, which filters, how many rows, whether values were masked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    target = models.CharField(max_length=30, default="customers")
    file_format = models.CharField(max_length=10)
    query = models.TextField(blank=True)
    row_count = models.PositiveIntegerField(default=0)
    masked = models.BooleanField(default=True)
    channel = models.CharField(max_length=10)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.target} {self.row_count}"


class ResolvedRow(models.Model):
    """A valid row that changes a customer, as it will be written: final values, search keys, tags.

    Filled by the resolve pass and read by the set-based apply; `customer_id` is a plain integer.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="resolved")
    row_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    action = models.CharField(max_length=10, choices=RowAction.choices)
    final = models.JSONField()

    class Meta:
        indexes = [models.Index(fields=["job", "customer_id"], name="import_resolved_customer")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_id} {self.action} {self.customer_id}"
