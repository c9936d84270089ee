from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import (
    BirthdayCalendar,
    ConsentChannel,
    ConsentSource,
    Gender,
    Importance,
    Kind,
    Relation,
)
from guanxi.customers.querysets import CustomerQuerySet


class Tag(models.Model):
    """A label a team puts on customers (e.g. 烟草零售, VIP) to filter and target them."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    color = models.CharField(_("colour"), max_length=20, default="blue")

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class Birthday(models.Model):
    """A birthday kept by the solar date, or by the lunar month and day (with the leap-month flag)."""

    birthday = models.DateField(_("birthday"), null=True, blank=True)
    birthday_calendar = models.CharField(
        _("birthday kept by"), max_length=10, choices=BirthdayCalendar.choices, default=BirthdayCalendar.SOLAR
    )
    lunar_birth_month = models.PositiveSmallIntegerField(_("lunar birth month"), null=True, blank=True)
    lunar_birth_day = models.PositiveSmallIntegerField(_("lunar birth day"), null=True, blank=True)
    lunar_birth_leap = models.BooleanField(_("leap month"), default=False)

    class Meta:
        abstract = True


class Customer(Birthday):
    """A person or an organization (a shop, a company) the business sells to or serves."""

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(_("name"), max_length=200)
    # Pinyin of the name (surname reading for people) followed by the name: the list sorts by it.
    name_sort = models.CharField(max_length=200, editable=False, default="")
    code = models.CharField(_("customer code"), max_length=50, unique=True)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True, default="")
    phones = models.JSONField(_("phones"), default=list, blank=True)
    id_number = models.CharField(_("ID number"), max_length=18, blank=True, default="", db_default="",
                                 help_text=_("Mainland resident ID"))
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    importance = models.CharField(_("importance"), max_length=1, choices=Importance.choices, default=Importance.B)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account manager"), on_delete=models.PROTECT,
        related_name="owned_customers",
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers",
    )
    store = models.ForeignKey(
        "accounts.Store", verbose_name=_("store"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers",
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["name_sort", "id"], name="customer_name_sort"),
            models.Index(fields=["owner", "name_sort", "id"], name="customer_owner_name"),
            models.Index(fields=["department", "name_sort", "id"], name="customer_dept_name"),
            models.Index(fields=["created_at", "id"], name="customer_created"),
            models.Index(fields=["importance", "id"], name="customer_importance"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == Kind.PERSON


class CustomerSearch(models.Model):
    """The narrow search row of a customer: one lower-case line of names, pinyin, phones and code.

    On PostgreSQL a trigram GIN index serves substring queries of three characters or more.
    """

    customer = models.OneToOneField(Customer, primary_key=True, on_delete=models.CASCADE, related_name="search")
    doc = models.TextField()
    # Copies of the customer's sort key and archived state, so an administrator's search is sorted
    # and paged inside this narrow table and only the page's 50 customers are read.
    name_sort = models.CharField(max_length=200, default="")
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("customer search row")

    def __str__(self) -> str:
        return self.doc


class SearchToken(models.Model):
    """An exact-match key for one- and two-character queries (张伟, zs), which trigrams cannot serve.

    It repeats the customer's sort key, so a common token (王 matches one customer in thirteen) is
    paged straight from the (token, name_sort) index instead of sorting every match.
    """

    token = models.CharField(max_length=8)
    name_sort = models.CharField(max_length=200, default="")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="search_tokens")

    class Meta:
        indexes = [
            # (token, customer) answers "does this customer match", for a rep's few hundred customers;
            # (token, name_sort, customer) pages an administrator's search in name order.
            models.Index(fields=["token", "customer"], name="search_token_lookup"),
            models.Index(fields=["token", "name_sort", "customer"], name="search_token_sorted"),
        ]
        verbose_name = _("search token")

    def __str__(self) -> str:
        return self.token


class AccessLog(models.Model):
    """One reveal or export of a customer's personal data: who, which customer, which field, when."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="access_logs")
    field = models.CharField(_("field"), max_length=50)
    action = models.CharField(_("action"), max_length=20, default="reveal")
    channel = models.CharField(_("channel"), max_length=10)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} {self.field}"


class ChangeEntry(models.Model):
    """One changed value in the change ledger (客户信息修改台帐): field, old, new, who, when, how.

    Append-only and written by the services themselves (in bulk where they change many rows), never
    by save signals, which bulk writes bypass. Entries of one save share a `batch`.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="history")
    field = models.CharField(_("field"), max_length=60)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=10)
    batch = models.UUIDField(_("batch"))
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "-at", "-id"], name="change_customer_at")]
        verbose_name = _("change ledger entry")
        verbose_name_plural = _("change ledger")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.field}: {self.old_value!r} → {self.new_value!r}"


class FamilyMember(Birthday):
    """A relative of a customer (家庭成员): who they are, their birthday, school or work.

    `linked_customer` points at the relative's own customer record when they are a customer too.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="family")
    name = models.CharField(_("name"), max_length=100)
    relation = models.CharField(_("relation"), max_length=20, choices=Relation.choices)
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True, default="")
    school_or_employer = models.CharField(_("school or employer"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    linked_customer = models.ForeignKey(
        Customer, verbose_name=_("also a customer"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="family_of",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["customer_id", "id"]
        verbose_name = _("family member")
        verbose_name_plural = _("family members")

    def __str__(self) -> str:
        return f"{self.get_relation_display()} {self.name}"


class Referral(models.Model):
    """One customer introduced another (转介绍): who, whom, when, and whether it led to a purchase."""

    referrer = models.ForeignKey(Customer, verbose_name=_("referred by"), on_delete=models.CASCADE,
                                 related_name="referrals_made")
    referred = models.ForeignKey(Customer, verbose_name=_("referred customer"), on_delete=models.CASCADE,
                                 related_name="referrals_received")
    referred_on = models.DateField(_("referred on"))
    bought = models.BooleanField(_("has bought"), default=False)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-referred_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["referrer", "referred"], name="referral_once"),
            models.CheckConstraint(condition=~models.Q(referrer=models.F("referred")), name="referral_not_self"),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}"


class Consent(models.Model):
    """One consent decision (授权同意) under PIPL: marketing by a channel given or withdrawn, when, how.

    Append-only: the latest row per channel is the customer's current answer, and the rows before it
    show when and how it changed.
    """

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    given = models.BooleanField(_("consent given"))
    source = models.CharField(_("how it was obtained"), max_length=10, choices=ConsentSource.choices)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["customer", "channel", "-at", "-id"], name="consent_latest")]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel} {'yes' if self.given else 'no'}"
