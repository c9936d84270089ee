"""Writes of the import engine: upload a file, configure a job, run it (in the background), and the
mappings users save. The job's target (`targets.get(job.target)`: customers, order lines) decides the
columns, the row cleaning, its own options, the checks and the apply.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.core.db import BackgroundCopy, analyze
from guanxi.imports import targets
from guanxi.imports.choices import FileFormat, JobState, Mode, Source
from guanxi.imports.models import ImportChunk, ImportJob, ImportRow, RowError, SavedMapping
from guanxi.imports.readers import (
    ReadError,
    detect_encoding,
    detect_format,
    detect_header,
    header_key,
    is_blank,
    iter_rows,
    sheet_names,
)

logger = logging.getLogger("guanxi.imports")

CHUNK_BYTES = 1024 * 1024
STAGE_BATCH = 5000
MAX_FILE_BYTES = 512 * 1024 * 1024
SAMPLE_ROWS = 30
ENCODING_CHOICES = ["utf-8-sig", "utf-8", "gb18030", "big5", "utf-16", "latin-1"]


def target_of(job: ImportJob) -> targets.ImportTarget:
    return targets.get(job.target)


class Upload(Protocol):
    @property
    def name(self) -> str | None: ...

    @property
    def size(self) -> int | None: ...

    def chunks(self, chunk_size: int | None = None) -> Iterable[bytes]: ...


# --- the uploaded file -----------------------------------------------------------------------


def _store(job: ImportJob, upload: Upload) -> int:
    size = 0
    seq = 0
    buffer = b""
    for piece in upload.chunks(CHUNK_BYTES):
        buffer += piece
        while len(buffer) >= CHUNK_BYTES:
            ImportChunk.objects.create(job=job, seq=seq, data=buffer[:CHUNK_BYTES])
            size += CHUNK_BYTES
            seq += 1
            buffer = buffer[CHUNK_BYTES:]
        if size + len(buffer) > MAX_FILE_BYTES:
            raise ValidationError({"file": [_("The file is larger than %(max)d MB.")
                                            % {"max": MAX_FILE_BYTES // (1024 * 1024)}]})
    if buffer:
        ImportChunk.objects.create(job=job, seq=seq, data=buffer)
        size += len(buffer)
    return size


@contextmanager
def job_file(job: ImportJob) -> Iterator[Path]:
    """The uploaded file as a local temporary file (workers on any host read it from the database)."""
    suffix = f".{job.file_format}"
    with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
        last = -1
        while True:
            chunk = ImportChunk.objects.filter(job=job, seq__gt=last).order_by("seq").values("seq", "data").first()
            if chunk is None:
                break
            handle.write(bytes(chunk["data"]))
            last = chunk["seq"]
        handle.flush()
        yield Path(handle.name)


# --- creating and configuring ------------------------------------------------------------------


def job_create(*, actor: User, upload: Upload, target: str = "customers", source: str = Source.UI) -> ImportJob:
    """Store an uploaded file and guess its settings: format, encoding, sheet, header row, mapping."""
    name = (upload.name or "upload").replace("\x00", "")[:200]
    if not upload.size:
        raise ValidationError({"file": [_("The file is empty.")]})
    targets.get(target)  # refuses an unknown target before anything is stored
    with transaction.atomic():
        job = ImportJob.objects.create(user=actor, source_name=name, file_format=FileFormat.CSV, target=target,
                                       source=source)
        job.size = _store(job, upload)
        head = ImportChunk.objects.filter(job=job, seq=0).values_list("data", flat=True).first() or b""
        job.file_format = detect_format(name, bytes(head)[:8])
        with job_file(job) as path:
            try:
                if job.file_format == FileFormat.CSV:
                    job.encoding = detect_encoding(path)
                else:
                    job.sheets = sheet_names(path, job.file_format)
                    job.sheet = job.sheets[0] if job.sheets else ""
                _guess_layout(job, path)
            except ReadError as error:
                raise ValidationError({"file": [error.message]}) from error
        job.save()
    return job


def _sample(job: ImportJob, path: Path, limit: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for cells in iter_rows(path, file_format=job.file_format, sheet=job.sheet, encoding=job.encoding):
        rows.append(cells)
        if len(rows) >= limit:
            break
    return rows


def _guess_layout(job: ImportJob, path: Path, *, keep_header: bool = False) -> None:
    target = target_of(job)
    aliases = target.alias_map(target.catalogue())
    rows = _sample(job, path, SAMPLE_ROWS)
    if not keep_header:
        job.header_row = detect_header(rows, aliases) + 1 if rows else 1
    header = rows[job.header_row - 1] if len(rows) >= job.header_row else []
    job.header = header
    job.mapping = auto_mapping(header, aliases, saved=_saved_columns(job))


def _saved_columns(job: ImportJob) -> dict[str, str]:
    stem = Path(job.source_name).stem
    saved = SavedMapping.objects.filter(target=job.target, name__in=[job.source_name, stem]).first()
    return dict(saved.columns) if saved else {}


def auto_mapping(header: list[str], aliases: dict[str, str], saved: dict[str, str] | None = None) -> dict[str, str]:
    """Column index → field: a saved mapping's choice first, then the known header names."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    saved_keys = {header_key(k): v for k, v in (saved or {}).items()}
    for index, text in enumerate(header):
        key = header_key(text)
        if not key:
            continue
        choice = saved_keys[key] if key in saved_keys else aliases.get(key, "")
        if choice and choice not in used:
            mapping[str(index)] = choice
            used.add(choice)
    return mapping


@dataclass
class JobSettings:
    """What a user chooses in the wizard."""

    sheet: str = ""
    encoding: str = ""
    header_row: int = 1
    mapping: dict[str, str] = field(default_factory=dict)
    mode: str = Mode.BOTH  # the customer target's option, kept as a field for its callers
    apply_valid_only: bool = False
    save_mapping_as: str = ""
    # The target's own options by name (`option_fields`); for customers "mode" here wins over `mode`.
    options: dict[str, Any] = field(default_factory=dict)


def job_configure(*, actor: User, job: ImportJob, settings_in: JobSettings) -> ImportJob:
    """Change a not-yet-started job's settings; a new sheet or header row re-reads the header."""
    if job.state != JobState.UPLOADED:
        raise ValidationError({"state": [_("This import has already started.")]})
    target = target_of(job)
    keys = {c.key for c in target.catalogue()}
    errors: dict[str, list[str]] = {}
    if settings_in.encoding and settings_in.encoding not in ENCODING_CHOICES:
        errors.setdefault("encoding", []).append(_("Select a valid choice."))
    if settings_in.sheet and settings_in.sheet not in job.sheets:
        errors.setdefault("sheet", []).append(_("Select a valid choice."))
    option_names = set(target.option_fields())
    for name in sorted(set(settings_in.options) - option_names):
        errors.setdefault("options", []).append(_("Unknown option: %(name)s") % {"name": name[:60]})
    option_errors = targets.OptionErrors()
    values = {"mode": settings_in.mode} if "mode" in option_names else {}
    target.set_options(job, {**values, **settings_in.options}, option_errors)
    for name, messages in option_errors.by_field.items():
        errors.setdefault(name, []).extend(messages)
    if not 1 <= settings_in.header_row <= SAMPLE_ROWS:
        errors.setdefault("header_row", []).append(
            _("Ensure this value is between 1 and %(max)d.") % {"max": SAMPLE_ROWS})
    chosen = [v for v in settings_in.mapping.values() if v]
    unknown = [v for v in chosen if v not in keys]
    if unknown:
        errors.setdefault("mapping", []).append(_("Unknown field: %(field)s") % {"field": unknown[0][:60]})
    twice = sorted({v for v in chosen if chosen.count(v) > 1})
    if twice:
        errors.setdefault("mapping", []).append(_("Several columns are mapped to %(field)s.") % {"field": twice[0]})
    if errors:
        raise ValidationError(errors)
    relayout = (settings_in.sheet or job.sheet) != job.sheet or (settings_in.encoding or job.encoding) != job.encoding \
        or settings_in.header_row != job.header_row
    job.sheet = settings_in.sheet or job.sheet
    job.encoding = settings_in.encoding or job.encoding
    job.header_row = settings_in.header_row
    job.apply_valid_only = settings_in.apply_valid_only
    if relayout:
        with job_file(job) as path:
            try:
                _guess_layout(job, path, keep_header=True)
            except ReadError:
                # Keep the choice: the preview shows why the file cannot be read this way.
                job.mapping = {str(k): v for k, v in settings_in.mapping.items() if v}
    else:
        job.mapping = {str(k): v for k, v in settings_in.mapping.items() if v}
    job.save()
    if settings_in.save_mapping_as.strip():
        mapping_save(actor=actor, job=job, name=settings_in.save_mapping_as)
    return job


def mapping_save(*, actor: User, job: ImportJob, name: str) -> SavedMapping:
    """Remember the job's mapping by header text under `name` (replacing one of the same name)."""
    columns = {job.header[int(i)]: key for i, key in job.mapping.items() if int(i) < len(job.header)}
    saved, _created = SavedMapping.objects.update_or_create(
        target=job.target, name=name.strip()[:200], defaults={"columns": columns, "updated_by": actor}
    )
    return saved


def mapping_apply(*, job: ImportJob, name: str) -> ImportJob:
    saved = SavedMapping.objects.filter(target=job.target, name=name).first()
    if saved is None:
        raise ValidationError({"mapping": [_("No saved mapping named %(name)s.") % {"name": name[:200]}]})
    target = target_of(job)
    job.mapping = auto_mapping(job.header, target.alias_map(target.catalogue()), saved=dict(saved.columns))
    job.save(update_fields=["mapping"])
    return job


# --- preview ---------------------------------------------------------------------------------------


@dataclass
class PreviewRow:
    line: int
    cells: list[tuple[str, list[str]]]  # (text, errors) per mapped column
    other_errors: list[str]


@dataclass
class Preview:
    header: list[str]
    columns: list[tuple[int, str, str, str]]  # (index, header text, field key, field label)
    rows: list[PreviewRow]
    error: str = ""


def job_preview(*, job: ImportJob, limit: int = 20) -> Preview:
    """The first rows after the header, cleaned row by row, with each cell's errors."""
    target = target_of(job)
    mapping = {int(i): key for i, key in job.mapping.items()}
    labels = {c.key: c.label for c in target.catalogue()}
    columns = [(i, job.header[i] if i < len(job.header) else "", mapping[i], str(labels.get(mapping[i], mapping[i])))
               for i in sorted(mapping)]
    preview = Preview(header=list(job.header), columns=columns, rows=[])
    cleaner = target.row_cleaner(job.user)
    try:
        with job_file(job) as path, translation.override(translation.get_language()):
            for line, cells in _data_rows(job, path):
                cleaned = cleaner.clean(_mapped(cells, mapping))
                errors = dict(cleaned.errors)
                row_cells = []
                for index, _text, key, _label in columns:
                    row_cells.append((cells[index] if index < len(cells) else "", errors.pop(key, [])))
                preview.rows.append(PreviewRow(line=line, cells=row_cells,
                                               other_errors=[m for ms in errors.values() for m in ms]))
                if len(preview.rows) >= limit:
                    break
    except ReadError as error:
        preview.error = error.message
    return preview


def _data_rows(job: ImportJob, path: Path) -> Iterator[tuple[int, list[str]]]:
    for line, cells in enumerate(iter_rows(path, file_format=job.file_format, sheet=job.sheet,
                                           encoding=job.encoding), start=1):
        if line <= job.header_row or is_blank(cells):
            continue
        yield line, cells


def _mapped(cells: list[str], mapping: dict[int, str]) -> dict[str, str]:
    return {key: cells[i] if i < len(cells) else "" for i, key in mapping.items()}


# --- running -------------------------------------------------------------------------------------


def job_start(*, actor: User, job: ImportJob) -> ImportJob:
    """Queue a configured job; the worker picks it up once this transaction commits."""
    if not job.mapping:
        raise ValidationError({"mapping": [_("Map at least one column to a field.")]})
    missing = [key for key in target_of(job).required() if key not in job.mapping.values()]
    if missing:
        labels = {c.key: c.label for c in target_of(job).catalogue()}
        raise ValidationError({"mapping": [_("Map a column to each required field: %(fields)s.")
                                           % {"fields": ", ".join(str(labels.get(k, k)) for k in missing)}]})
    updated = ImportJob.objects.filter(pk=job.pk, state=JobState.UPLOADED).update(state=JobState.QUEUED)
    if not updated:
        raise ValidationError({"state": [_("This import has already started.")]})
    transaction.on_commit(lambda: enqueue(job.pk))
    job.refresh_from_db()
    return job


def job_apply_valid(*, actor: User, job: ImportJob) -> ImportJob:
    """After a check found invalid rows: apply the valid ones (the invalid ones go to the error file)."""
    updated = ImportJob.objects.filter(pk=job.pk, state=JobState.REVIEW).update(
        state=JobState.QUEUED, apply_valid_only=True
    )
    if not updated:
        raise ValidationError({"state": [_("Only an import with invalid rows that was not applied can do this.")]})
    transaction.on_commit(lambda: enqueue(job.pk))
    job.refresh_from_db()
    return job


def enqueue(job_id: int) -> None:
    from django_q.tasks import async_task

    # Timeout and retry come from Q_CLUSTER (an hour; retry above it), longer than any import.
    async_task("guanxi.imports.tasks.run_import", job_id, task_name=f"import-{job_id}", group="imports")


def run_job(job_id: int) -> ImportJob | None:
    """Run a queued job to its end. Safe to call twice: only the call that claims it does anything."""
    claimed = ImportJob.objects.filter(pk=job_id, state=JobState.QUEUED).update(
        state=JobState.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    job = ImportJob.objects.select_related("user").get(pk=job_id)
    language = getattr(job.user, "language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        try:
            _run(job)
        except ReadError as error:
            _finish(job, JobState.FAILED, message=error.message)
        except Exception:
            logger.exception("import %s failed", job_id)
            _finish(job, JobState.FAILED, message=_("The import failed unexpectedly; it has been logged."))
    job.refresh_from_db()
    return job


def _progress(job: ImportJob, **values: Any) -> None:
    ImportJob.objects.filter(pk=job.pk).update(**values)


def _finish(job: ImportJob, state: str, **values: Any) -> None:
    _progress(job, state=state, finished_at=timezone.now(), **values)


def _run(job: ImportJob) -> None:
    target = target_of(job)
    if job.phase == "checked" and job.total_rows and not ImportRow.objects.filter(job=job).exists():
        # The staging table is unlogged on PostgreSQL: after a database crash it is empty. Read the
        # stored file again rather than apply nothing.
        job.phase = ""
    if job.phase != "checked":
        _stage(job, target)
        _progress(job, phase="checking", progress=55)
        target.check(job)
        invalid = ImportRow.objects.filter(job=job, valid=False).count()
        job.invalid_rows = invalid
        _progress(job, phase="checked", invalid_rows=invalid, progress=60)
    if job.invalid_rows and not job.apply_valid_only:
        _finish(job, JobState.REVIEW, progress=100)
        return
    valid = max(job.total_rows - job.invalid_rows, 1)
    _progress(job, phase="applying", progress=65)
    outcome = target.apply(job, progress=lambda done: _progress(job, progress=min(95, 65 + 30 * done // valid)))
    # A target may find rows invalid only while applying (the database changed since the check).
    invalid = ImportRow.objects.filter(job=job, valid=False).count()
    if outcome.review:
        _finish(job, JobState.REVIEW, progress=100, invalid_rows=invalid)
        return
    _finish(job, JobState.DONE, phase="done", progress=100, invalid_rows=invalid, created_count=outcome.created,
            updated_count=outcome.updated, unchanged_count=outcome.unchanged)


def _stage(job: ImportJob, target: targets.ImportTarget) -> None:
    """Stream the file into the staging table, cleaning each row as it passes (memory stays flat)."""
    ImportRow.objects.filter(job=job).delete()
    RowError.objects.filter(job=job).delete()
    _progress(job, phase="reading", progress=0)
    cleaner = target.row_cleaner(job.user)
    mapping = {int(i): key for i, key in job.mapping.items()}
    rows: list[tuple[object, ...]] = []
    errors: list[tuple[object, ...]] = []
    total = 0
    read_bytes = 0
    expected = max(job.size * (4 if job.file_format != FileFormat.CSV else 1), 1)

    def flush(writer: BackgroundCopy) -> None:
        # Formatted here; COPYed by the writer thread while the next rows are read and cleaned.
        writer.rows(ImportRow._meta.db_table,
                    ["job_id", "line", "raw", "data", "code", "phone", "valid", "action"], rows)
        writer.rows(RowError._meta.db_table, ["job_id", "line", "field", "message"], errors)
        rows.clear()
        errors.clear()
        writer.wait()
        _progress(job, processed_rows=total, progress=min(50, 50 * read_bytes // expected))
        writer.flush()

    with job_file(job) as path, BackgroundCopy() as writer:
        for line, cells in _data_rows(job, path):
            cleaned = cleaner.clean(_mapped(cells, mapping))
            total += 1
            read_bytes += sum(len(c) for c in cells) + len(cells)
            rows.append((job.pk, line, cells, cleaned.data, cleaned.code, cleaned.phone, not cleaned.errors, ""))
            errors.extend((job.pk, line, name, message) for name, messages in cleaned.errors.items()
                          for message in messages)
            if len(rows) >= STAGE_BATCH:
                flush(writer)
        flush(writer)
    analyze(ImportRow._meta.db_table, ["job_id", "line", "code", "phone", "valid", "action", "customer_id"])
    analyze(RowError._meta.db_table)
    job.total_rows = total
    _progress(job, total_rows=total, processed_rows=total)


def job_run_now(*, actor: User, job: ImportJob) -> ImportJob:
    """Start and run a job in this process (the management command): no worker needed."""
    ImportJob.objects.filter(pk=job.pk, state__in=[JobState.UPLOADED]).update(state=JobState.QUEUED)
    run_job(job.pk)
    job.refresh_from_db()
    return job


def job_delete_staging(*, job: ImportJob) -> None:
    """Drop a finished job's staging rows and file; its counts and errors stay."""
    ImportRow.objects.filter(job=job).delete()
    ImportChunk.objects.filter(job=job).delete()
