from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.choices import DataScope, Language


class Department(models.Model):
    """A node of the organization tree (部门): marketing centre, county office, sales team …"""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="children",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("head"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="headed_departments",
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """A sales region (区域) of a chain; stores belong to one."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """A store (门店) of the chain, in one region and run by one department."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="stores")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="stores"
    )
    address = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("store")
        verbose_name_plural = _("stores")

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    """A role grants a data scope and a few sensitive permissions to the users holding it."""

    name = models.CharField(_("name"), max_length=100)
    code = models.SlugField(_("code"), max_length=50, unique=True)
    data_scope = models.CharField(_("data scope"), max_length=20, choices=DataScope.choices, default=DataScope.OWN)
    can_reveal_sensitive = models.BooleanField(_("may reveal sensitive data"), default=False)
    can_restore_archived = models.BooleanField(_("may restore archived customers"), default=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who logs in: a sales rep (客户经理), a manager, an administrator."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="members",
    )
    role = models.ForeignKey(
        Role, verbose_name=_("role"), null=True, blank=True, on_delete=models.SET_NULL, related_name="users"
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=Language.choices, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @property
    def data_scope(self) -> str:
        if self.is_superuser:
            return DataScope.ALL
        return self.role.data_scope if self.role_id and self.role else DataScope.OWN

    @property
    def is_administrator(self) -> bool:
        """Superusers and roles that see every customer administer the archive (custom fields …)."""
        return self.data_scope == DataScope.ALL

    @property
    def may_reveal_sensitive(self) -> bool:
        return self.is_superuser or bool(self.role_id and self.role and self.role.can_reveal_sensitive)

    @property
    def may_restore_archived(self) -> bool:
        return self.is_superuser or bool(self.role_id and self.role and self.role.can_restore_archived)


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.user} {self.digest[:8]}"
