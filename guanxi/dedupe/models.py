from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class MergeRecord(models.Model):
    """One merge (客户合并): a duplicate customer folded into its survivor, with what was chosen and moved.

    The merged-away customer stays, archived; this row is its pointer to the survivor and the
    review of the merge afterwards (who, when, the values kept, the loser as it was, what moved).
    """

    survivor = models.ForeignKey(
        "customers.Customer", verbose_name=_("surviving customer"), on_delete=models.CASCADE,
        related_name="merges_survived",
    )
    merged = models.ForeignKey(
        "customers.Customer", verbose_name=_("merged customer"), on_delete=models.CASCADE,
        related_name="merged_into",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("merged by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    channel = models.CharField(_("channel"), max_length=10)
    # field → {"from": customer id the value was taken from, "value": the value as text}
    chosen = models.JSONField(_("chosen values"), default=dict)
    # The merged-away customer's fields as they were just before the merge.
    merged_snapshot = models.JSONField(_("merged customer before the merge"), default=dict)
    # "app.Model.field" → {"moved": [ids], "deleted": [ids], "unlinked": [ids], "kept": [ids]}
    moved = models.JSONField(_("what moved"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.merged_id} → {self.survivor_id}"
