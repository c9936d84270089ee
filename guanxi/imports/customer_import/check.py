"""The set-based checks of a customer import: rows matched to customers, and the errors only the
whole file shows, in SQL."""

from __future__ import annotations

from django.db import connection, models
from django.db.models import Case, Count, Exists, OuterRef, Subquery, Value, When
from django.utils.translation import gettext as _

from guanxi.core.db import analyze
from guanxi.customers.models import Customer
from guanxi.imports.models import ImportJob, ImportRow, RowError
from guanxi.imports.staging import insert_errors


def staged_rows(job: ImportJob) -> models.QuerySet[ImportRow]:
    return ImportRow.objects.filter(job=job)


def check_import(job: ImportJob) -> None:
    """Match rows to customers and find the errors only the whole file shows, in SQL.

    Duplicates inside the file, codes already used by someone else's customer, rows to update
    that match nothing, archived matches and new rows without a name.
    """
    actor = job.user
    rows = staged_rows(job)
    # Duplicated keys inside the file: every occurrence is an error.
    for key, message in (("code", _("This customer code appears more than once in the file.")),
                         ("phone", _("This phone number appears more than once in the file."))):
        twin = ImportRow.objects.filter(job=job, **{key: OuterRef(key)}).exclude(line=OuterRef("line"))
        insert_errors(job, rows.exclude(**{key: ""}).filter(Exists(twin)), "phones" if key == "phone" else key,
                      message)
    # Match by code (unique), then by phone among the user's customers.
    # Only rows whose code exists are written: an UPDATE setting NULL to NULL still writes a new version
    # of every row (and its index entries), a hundred thousand for a file of new customers.
    by_code = Customer.objects.filter(code=OuterRef("code"))
    rows.exclude(code="").filter(Exists(by_code)).update(customer_id=Subquery(by_code.values("id")[:1]))
    visible = Customer.objects.visible_to(actor)
    hidden = rows.filter(customer_id__isnull=False).exclude(customer_id__in=visible.values("id"))
    insert_errors(job, hidden, "code", _("This customer code is already in use."))
    _match_phones(job, visible)
    # customer_id was NULL on every row when the table was analysed after staging.
    analyze(ImportRow._meta.db_table, ["customer_id"])
    insert_errors(job, rows.filter(customer_id__in=Customer.objects.filter(archived_at__isnull=False).values("id")),
                  "code", _("This customer is archived; restore it before importing into it."))
    twin_match = ImportRow.objects.filter(job=job, customer_id=OuterRef("customer_id")).exclude(line=OuterRef("line"))
    insert_errors(job, rows.filter(customer_id__isnull=False).filter(Exists(twin_match)), "code",
                  _("Several rows of the file match the same customer."))
    if job.mode == "create":
        insert_errors(job, rows.filter(customer_id__isnull=False), "code",
                      _("This customer already exists; choose “update” to change it."))
    elif job.mode == "update":
        insert_errors(job, rows.filter(customer_id__isnull=True), "code",
                      _("No customer of yours has this customer code or phone number."))
    if job.mode != "update":
        insert_errors(job, rows.filter(customer_id__isnull=True, data__name__isnull=True), "name",
                      _("This field is required."))
    bad = RowError.objects.filter(job=job, line=OuterRef("line"))
    rows.filter(Exists(bad)).update(valid=False)
    # One pass over the staging rows, not one per action.
    if connection.vendor == "postgresql":
        # The action and, for new customers, their ids from the sequence, in the same single pass
        # (the apply's `_allocate_ids` then finds nothing left to allocate).
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {ImportRow._meta.db_table} SET action = CASE WHEN customer_id IS NULL THEN 'create' "
                "ELSE 'update' END, customer_id = COALESCE(customer_id, nextval(pg_get_serial_sequence(%s, 'id'))) "
                "WHERE job_id = %s AND valid",
                [Customer._meta.db_table, job.pk],
            )
        return
    rows.filter(valid=True).update(action=Case(When(customer_id__isnull=True, then=Value("create")),
                                               default=Value("update")))


def _match_phones(job: ImportJob, visible: models.QuerySet[Customer]) -> None:
    """Rows without a code match: the visible customer holding the row's first phone, if exactly one.

    One grouped query over the customers' phones (not a query per 500 phones, nor a list of every
    phone of the file in memory); phones that several customers share are errors.
    """
    rows = staged_rows(job).filter(customer_id__isnull=True).exclude(phone="")
    if not rows.exists():
        return
    table, customer = ImportRow._meta.db_table, Customer._meta.db_table
    visible_sql, visible_params = visible.values("id").query.sql_with_params()
    if connection.vendor == "postgresql":
        phones, phone = "CROSS JOIN LATERAL jsonb_array_elements_text(c.phones) AS p(phone)", "p.phone"
    else:
        phones, phone = ", json_each(c.phones) AS p", "p.value"
    owners = (
        f"SELECT {phone} AS phone, MIN(c.id) AS customer_id FROM {customer} c {phones} "
        f"WHERE c.id IN ({visible_sql}) AND {phone} IN (SELECT s.phone FROM {table} s WHERE s.job_id = %s "
        f"AND s.customer_id IS NULL AND s.phone <> '') GROUP BY {phone} HAVING COUNT(DISTINCT c.id) {{test}} 1"
    )
    params = [*visible_params, job.pk]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RowError._meta.db_table} (job_id, line, field, message) SELECT %s, r.line, 'phones', %s "
            f"FROM {table} r JOIN ({owners.replace('{test}', '>')}) m ON m.phone = r.phone "
            "WHERE r.job_id = %s AND r.customer_id IS NULL AND r.phone <> ''",
            [job.pk, _("This phone number belongs to several customers; add the customer code."), *params, job.pk],
        )
        cursor.execute(
            f"UPDATE {table} SET customer_id = m.customer_id FROM ({owners.replace('{test}', '=')}) m "
            f"WHERE {table}.job_id = %s AND {table}.customer_id IS NULL AND {table}.phone = m.phone",
            [*params, job.pk],
        )


def error_counts(job: ImportJob) -> dict[str, int]:
    return dict(RowError.objects.filter(job=job).values_list("field").annotate(n=Count("id")).order_by())
