from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    EXPORT = "export", _("Access (export)")
    ERASE = "erase", _("Deletion (erasure)")


class PrivacyRequest(models.Model):
    """One personal-data request under PIPL (个人信息权利) carried out: an export or an erasure.

    Kept after an erasure (it holds no personal data of its own): the proof that the request was
    honoured, by whom and when.
    """

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="privacy_requests"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices)
    requested_by = models.CharField(_("requested by"), max_length=100, blank=True,
                                    help_text=_("who asked: the customer in person, an authorised representative …"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ticket = models.CharField(_("ticket"), max_length=100, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("done by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    # What the request touched: per relation "app.Model.field" the number of rows exported,
    # deleted, unlinked or kept; and for an erasure the customer fields that were cleared.
    summary = models.JSONField(_("summary"), default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("personal data request")
        verbose_name_plural = _("personal data requests")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.at:%Y-%m-%d}"
