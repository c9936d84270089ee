from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from guanxi.customers.choices import (
    BirthdayCalendar,
    BusinessFormat,
    BusinessStatus,
    BuyingRole,
    ConsentChannel,
    ConsentSource,
    ContactChannel,
    CustomFieldKinds,
    CustomFieldType,
    Gender,
    Importance,
    IncomeBand,
    InfoClass,
    Kind,
    Language,
    Relation,
    RiskPreference,
    SettlementMethod,
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
        related_name="owned_customers", db_index=False,  # customer_owner_name leads with it
    )
    department = models.ForeignKey(
        "accounts.Department", verbose_name=_("department"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers", db_index=False,  # customer_dept_name leads with it
    )
    store = models.ForeignKey(
        "accounts.Store", verbose_name=_("store"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="customers",
    )
    notes = models.TextField(_("notes"), blank=True)
    importance_reason = models.CharField(_("why this importance"), max_length=300, blank=True, db_default="")
    importance_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("importance set by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_index=False,  # read only through the customer
        db_constraint=False,  # an audit stamp, like the ledger's actor (ADR 0015)
    )
    importance_set_at = models.DateTimeField(_("importance set at"), null=True, blank=True)

    # The profile of a person (个人客户画像): who they are, what they want, how to approach them.
    occupation = models.CharField(_("occupation"), max_length=100, blank=True, db_default="")
    employer = models.CharField(_("employer"), max_length=200, blank=True, db_default="")
    position = models.CharField(_("position"), max_length=100, blank=True, db_default="")
    income_band = models.CharField(_("income band"), max_length=10, choices=IncomeBand.choices, blank=True,
                                   db_default="")
    risk_preference = models.CharField(_("risk preference"), max_length=2, choices=RiskPreference.choices,
                                       blank=True, db_default="")
    hobbies = models.CharField(_("hobbies"), max_length=300, blank=True, db_default="")
    personality = models.CharField(_("personality"), max_length=200, blank=True, db_default="")
    needs = models.TextField(_("needs and sought benefits"), blank=True, db_default="")
    cautions = models.TextField(_("things to be careful about"), blank=True, db_default="")
    preferred_channel = models.CharField(_("preferred contact channel"), max_length=10,
                                         choices=ContactChannel.choices, blank=True, db_default="")
    preferred_time = models.CharField(_("preferred contact time"), max_length=100, blank=True, db_default="",
                                      help_text=_("e.g. no calls in working hours"))

    # An organization (a shop, a company): the licence and what a distributor needs to serve it.
    shop_name = models.CharField(_("shop name"), max_length=200, blank=True, db_default="")
    legal_person = models.CharField(_("legal person"), max_length=100, blank=True, db_default="")
    business_scope = models.TextField(_("business scope"), blank=True, db_default="")
    business_format = models.CharField(_("business format"), max_length=20, choices=BusinessFormat.choices,
                                       blank=True, db_default="")
    licence_number = models.CharField(_("licence number"), max_length=50, blank=True, db_default="")
    founded_on = models.DateField(_("founded on"), null=True, blank=True,
                                  help_text=_("the company's anniversary is a reason to call"))
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                   validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
                                    validators=[MinValueValidator(-180), MaxValueValidator(180)])
    settlement_method = models.CharField(_("settlement method"), max_length=10, choices=SettlementMethod.choices,
                                         blank=True, db_default="")
    bank_account = models.CharField(_("bank account"), max_length=40, blank=True, db_default="",
                                    validators=[RegexValidator(r"^\d{8,30}$", _("Enter a bank account of 8 to 30 digits."))])
    delivery_route = models.CharField(_("delivery route"), max_length=100, blank=True, db_default="")
    order_cycle_days = models.PositiveSmallIntegerField(_("order cycle (days)"), null=True, blank=True,
                                                        validators=[MinValueValidator(1), MaxValueValidator(365)])
    visit_cycle_days = models.PositiveSmallIntegerField(_("visit cycle (days)"), null=True, blank=True,
                                                        validators=[MinValueValidator(1), MaxValueValidator(365)])
    business_status = models.CharField(_("business status"), max_length=10, choices=BusinessStatus.choices,
                                       blank=True, db_default="")

    # What seed 004 asks of every customer: what they use now, where else they buy, why they chose us.
    current_products = models.TextField(_("what the customer uses now"), blank=True, db_default="")
    other_sources = models.TextField(_("where else they buy, and why"), blank=True, db_default="")
    why_us = models.TextField(_("why they chose us"), blank=True, db_default="")
    # The language of messages to the customer (letters, SMS, e-mail), not of the UI.
    language = models.CharField(_("language for messages"), max_length=10, choices=Language.choices,
                                default=Language.ZH_HANS, db_default=Language.ZH_HANS)

    # Values of the fields an administrator defined (CustomField), by key.
    custom = models.JSONField(_("custom fields"), default=dict, blank=True, db_default=models.Value("{}"))
    # When each reviewed information class was last checked with the customer, and by whom.
    static_reviewed_at = models.DateTimeField(_("static information reviewed"), null=True, blank=True)
    dynamic_reviewed_at = models.DateTimeField(_("dynamic information reviewed"), null=True, blank=True)

    version = models.PositiveIntegerField(_("version"), default=1)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_index=False,  # read only through the customer
        db_constraint=False,  # an audit stamp, like the ledger's actor (ADR 0015)
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
            models.Index(fields=["licence_number"], name="customer_licence",
                         condition=~models.Q(licence_number="")),
            models.Index(fields=["static_reviewed_at", "id"], name="customer_static_review"),
            models.Index(fields=["dynamic_reviewed_at", "id"], name="customer_dynamic_review"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == Kind.PERSON

    @property
    def tag_list(self) -> list[Tag]:
        """The customer's tags by name: those a list query attached to the row, else from the database."""
        attached: list[Tag] | None = self.__dict__.get("_tag_list")
        return attached if attached is not None else list(self.tags.all())

    @tag_list.setter
    def tag_list(self, tags: list[Tag]) -> None:
        self.__dict__["_tag_list"] = tags


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
    paged straight from the (token, name_sort, customer) key instead of sorting every match.
    """

    # The key is the index searches page through: no surrogate id, whose own index and sequence cost a
    # bulk import a fifth of the tokens' time and served no query (ADR 0016). A customer's tokens are
    # a set, so the key is unique.
    pk = models.CompositePrimaryKey("token", "name_sort", "customer")
    token = models.CharField(max_length=8)
    name_sort = models.CharField(max_length=200, default="")
    # No foreign-key constraint in the database (ADR 0015): tokens are derived rows written only by
    # the customer services, seven or so per customer, and the constraint's per-row check was the
    # largest single cost of a bulk import. Deleting a customer still deletes its tokens (Django's
    # collector), and the relation-walking test covers merge, erase and export. The customer index
    # serves those deletes.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="search_tokens",
                                 db_constraint=False)

    class Meta:
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

    # An append-only log of about ten rows per new customer: no foreign-key constraints in the
    # database and no single-column indexes (ADR 0015). The (customer, at, id) index serves the
    # History tab and the collector's deletes; only the services write here, and Django's collector
    # still applies on_delete when a customer or a user is deleted.
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="history",
                                 db_constraint=False, db_index=False)
    field = models.CharField(_("field"), max_length=60)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False,
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


class Contact(Birthday):
    """A contact person (联系人) at an organization customer: who they are and their part in buying.

    Phones are stored in clear and shown masked, like the customer's; `search_doc` is one lower-case
    line of name, pinyin, phones and e-mail that the contacts search matches by substring.
    """

    customer = models.ForeignKey(Customer, verbose_name=_("customer"), on_delete=models.CASCADE,
                                 related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True, default="")
    role = models.CharField(_("role in buying"), max_length=12, choices=BuyingRole.choices, blank=True, default="")
    phones = models.JSONField(_("phones"), default=list, blank=True)
    email = models.EmailField(_("email"), blank=True, default="")
    notes = models.TextField(_("notes"), blank=True, default="")
    search_doc = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["customer_id", "id"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")

    def __str__(self) -> str:
        return self.name


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


class CustomField(models.Model):
    """A field an administrator adds to customers (自定义字段); values live in `Customer.custom[key]`."""

    key = models.SlugField(_("key"), max_length=40, unique=True,
                           help_text=_("Letters, digits and underscores; used in the API, imports and exports."))
    label = models.CharField(_("label"), max_length=100)
    field_type = models.CharField(_("type"), max_length=10, choices=CustomFieldType.choices)
    kinds = models.CharField(_("for"), max_length=20, choices=CustomFieldKinds.choices, default=CustomFieldKinds.ALL)
    required = models.BooleanField(_("required"), default=False)
    help_text = models.CharField(_("help text"), max_length=200, blank=True)
    info_class = models.CharField(_("information class"), max_length=10, choices=InfoClass.choices,
                                  default=InfoClass.STATIC)
    choices = models.JSONField(_("choices"), default=list, blank=True,
                               help_text=_("For choice and multiple choice: the options, one per line."))
    in_list = models.BooleanField(_("show in the customer list"), default=False)
    searchable = models.BooleanField(_("searchable"), default=False,
                                     help_text=_("Text fields: the value is found by the customer search."))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")

    def __str__(self) -> str:
        return self.label

    def applies_to(self, kind: str) -> bool:
        return self.kinds == CustomFieldKinds.ALL or self.kinds == kind
