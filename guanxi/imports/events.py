"""The domain events an import publishes (guanxi.core.events): one per applied job, ids as ranges."""

from __future__ import annotations

from guanxi.core import events
from guanxi.customers.choices import Channel
from guanxi.imports.choices import RowAction
from guanxi.imports.models import ImportJob, ImportRow


def publish_customers_applied(job: ImportJob) -> None:
    """Inside the apply's transaction, once the staging rows say what each valid row did: one
    CustomersCreated and one CustomersChanged (the mapped fields) for the whole job."""
    wanted = [cls for cls in (events.CustomersCreated, events.CustomersChanged)
              if events.current_subscribers().for_type(cls)]
    if not wanted:
        return
    rows = (f"SELECT customer_id FROM {ImportRow._meta.db_table} "
            "WHERE job_id = %s AND valid AND action = %s")
    if events.CustomersCreated in wanted:
        created = events.Ids.from_query(rows, [job.pk, RowAction.CREATE])
        if created:
            events.publish(events.CustomersCreated(customer_ids=created, channel=Channel.IMPORT))
    if events.CustomersChanged in wanted:
        changed = events.Ids.from_query(rows, [job.pk, RowAction.UPDATE])
        if changed:
            fields = tuple(sorted({str(key) for key in job.mapping.values() if key}))
            events.publish(events.CustomersChanged(customer_ids=changed, fields=fields, channel=Channel.IMPORT))
