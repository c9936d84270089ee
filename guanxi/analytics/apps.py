"""Django app configuration for the customer analytics engine."""

from __future__ import annotations

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    """Registers the analytics app; the compute code under ``compute/`` is Django-free."""

    name = "guanxi.analytics"
    label = "analytics"
    verbose_name = "Analytics"
    default_auto_field = "django.db.models.BigAutoField"
