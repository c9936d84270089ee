"""Choices of the analytics tables: run states and triggers, the eight RFM segments and the
lifecycle stages, each segment and stage with the strategy the seeds suggest.

The segment and stage keys are the identifiers of ``compute.rfm.SEGMENTS`` and
``compute.lifecycle.STAGES``; a test checks that they agree, so the stored keys never drift from
what the compute code produces.
"""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class RunTrigger(models.TextChoices):
    NIGHTLY = "nightly", _("Nightly")
    UI = "ui", _("From the web page")
    COMMAND = "command", _("Command line")
    API = "api", _("API")


class RunUnit(models.TextChoices):
    DAY = "day", _("Day")
    WEEK = "week", _("Week")


class Segment(models.TextChoices):
    """The eight RFM segments (R, F, M each above or below its mean score)."""

    IMPORTANT_VALUE = "important_value", _("Important value")
    IMPORTANT_DEVELOPMENT = "important_development", _("Important development")
    IMPORTANT_RETENTION = "important_retention", _("Important retention")
    IMPORTANT_WINBACK = "important_winback", _("Important win-back")
    GENERAL_VALUE = "general_value", _("General value")
    GENERAL_DEVELOPMENT = "general_development", _("General development")
    GENERAL_RETENTION = "general_retention", _("General retention")
    GENERAL_WINBACK = "general_winback", _("General win-back")


SEGMENT_STRATEGY: dict[str, Promise] = {
    Segment.IMPORTANT_VALUE: _(
        "Most valuable customers: VIP service, a dedicated account manager and early access to new "
        "products; keep them delighted."),
    Segment.IMPORTANT_DEVELOPMENT: _(
        "Recent big spenders who rarely come: raise their purchase frequency with a membership plan and "
        "replenishment reminders."),
    Segment.IMPORTANT_RETENTION: _(
        "Valuable regulars gone quiet: priority care, birthday perks and invitations to exclusive events "
        "so they do not leave."),
    Segment.IMPORTANT_WINBACK: _(
        "Valuable customers slipping away: a personal follow-up visit from the account manager to learn "
        "why, with a tailored win-back offer."),
    Segment.GENERAL_VALUE: _(
        "Active but low spend per visit: cross-sell and up-sell higher-value products."),
    Segment.GENERAL_DEVELOPMENT: _(
        "Recent but infrequent, low spend: onboarding, a membership sign-up gift and a repeat-purchase "
        "coupon."),
    Segment.GENERAL_RETENTION: _(
        "Frequent but low spend and quiet lately: bundles and spend-more-save-more offers with "
        "reminders to buy again."),
    Segment.GENERAL_WINBACK: _(
        "Low-cost reach (SMS, official account posts) with a time-limited offer; cut marketing spend if "
        "they stay silent."),
}


class Stage(models.TextChoices):
    """Lifecycle stages of the relationship (seed 003, 纵向)."""

    EXPLORATION = "exploration", _("Exploration")
    DEVELOPMENT = "development", _("Development")
    STABLE = "stable", _("Stable")
    DECLINE = "decline", _("Decline")


STAGE_STRATEGY: dict[str, Promise] = {
    Stage.EXPLORATION: _(
        "New to us and still learning the products: help the customer get to know what the products do "
        "quickly, and find out through response analysis who is worth turning into a regular."),
    Stage.DEVELOPMENT: _(
        "Buying more often and more each time, but trust still wavers: keep raising the customer's value, "
        "satisfaction and loyalty, watch for signs of leaving and repair the relationship early, so the "
        "customer moves on to the stable stage."),
    Stage.STABLE: _(
        "Both sides value the relationship highly: maintain it, build loyalty through repeat and cross "
        "selling, and predict and prevent a sudden decline with churn analysis."),
    Stage.DECLINE: _(
        "The customer is tiring of us: concentrate on rescuing and retaining the valuable ones, find out "
        "why they are leaving and try to win them back as prospects."),
}
