from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.orders.choices import OrderKind, OrderStatus, SalesChannel


class Category(models.Model):
    """A node of the product category tree (品类)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", verbose_name=_("parent category"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    """Something the business sells (商品), with its list price and the cost used for margin."""

    code = models.CharField(_("product code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(Category, verbose_name=_("category"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="products")
    spec = models.CharField(_("spec / size"), max_length=100, blank=True)
    colour = models.CharField(_("colour"), max_length=50, blank=True)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    list_price = models.DecimalField(_("list price"), max_digits=14, decimal_places=2, default=0)
    cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=0)
    active = models.BooleanField(_("active"), default=True)
    # Optimistic locking (ADR 0005): an edit sends back the version it read.
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Order(models.Model):
    """One order or return (成交记录) as the sending system knows it, by (source, external id)."""

    # No single-column indexes where a composite one leads with the column (order_customer_at,
    # order_store_at): each index is maintained for every order a batch writes.
    customer = models.ForeignKey("customers.Customer", verbose_name=_("customer"), on_delete=models.PROTECT,
                                 related_name="orders", db_index=False)
    # Store and original without database constraints (ADR 0020): only the batch apply writes them, from
    # ids it has just resolved; Django's collector still protects a store or a sale that orders refer to.
    store = models.ForeignKey("accounts.Store", verbose_name=_("store"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="orders", db_index=False, db_constraint=False)
    channel = models.CharField(_("channel"), max_length=20, choices=SalesChannel.choices, default=SalesChannel.STORE)
    source = models.CharField(_("source system"), max_length=50)
    external_id = models.CharField(_("external id"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=OrderKind.choices, default=OrderKind.SALE)
    original = models.ForeignKey("self", verbose_name=_("original order"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="returns", db_index=False,
                                 db_constraint=False)  # order_original
    ordered_at = models.DateTimeField(_("ordered at"))
    # The calendar day in Asia/Shanghai: purchase days are counted by it on every database.
    ordered_on = models.DateField(_("order date"))
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.PLACED)
    line_count = models.PositiveIntegerField(_("lines"), default=0)
    total_quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3, default=0)
    total_discount = models.DecimalField(_("discount"), max_digits=14, decimal_places=2, default=0)
    total_amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, default=0)
    total_cost = models.DecimalField(_("cost"), max_digits=14, decimal_places=2, default=0)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-ordered_at", "-id"]
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        constraints = [models.UniqueConstraint(fields=["source", "external_id"], name="order_source_external_id")]
        indexes = [models.Index(fields=["customer", "ordered_at"], name="order_customer_at"),
                   models.Index(fields=["store", "ordered_at"], name="order_store_at"),
                   # Only returns have an original: sales, nearly every order, stay out of the index.
                   models.Index(fields=["original"], name="order_original", condition=Q(original__isnull=False))]

    def __str__(self) -> str:
        return f"{self.source}/{self.external_id}"


class OrderLine(models.Model):
    """One line of an order: a product, how many, at what price (negative quantities on a return)."""

    # No database foreign keys on the lines (ADR 0017): they are written only by the set-based batch
    # apply, which takes the order from the row it has just written and the product from the checked
    # staging line, and a per-line trigger check cost a file import a quarter of its time. Django's
    # collector still deletes an order's lines and protects a product that has lines.
    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines",
                              db_constraint=False, db_index=False)  # orderline_order_no leads with it
    line_no = models.PositiveIntegerField(_("line"))
    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="+",
                                db_constraint=False)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=14, decimal_places=2, default=0)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    # The product's cost when the line arrived, so a later cost change does not rewrite past margins.
    unit_cost = models.DecimalField(_("unit cost"), max_digits=14, decimal_places=2, default=0)

    class Meta:
        ordering = ["order", "line_no"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        indexes = [models.Index(fields=["order", "line_no"], name="orderline_order_no")]

    def __str__(self) -> str:
        return f"{self.order_id}#{self.line_no}"


class PurchaseSummary(models.Model):
    """The system-derived purchase figures of one customer (系统生成信息), kept up to date by every batch."""

    customer = models.OneToOneField("customers.Customer", verbose_name=_("customer"), primary_key=True,
                                    on_delete=models.CASCADE, related_name="purchase_summary")
    # Money and quantities with four more digits than an order's: a customer's orders add up beyond
    # what one order may hold.
    first_purchase_at = models.DateTimeField(_("first purchase"), null=True)
    last_purchase_at = models.DateTimeField(_("last purchase"), null=True)
    orders_count = models.PositiveIntegerField(_("orders"), default=0)
    purchase_days = models.PositiveIntegerField(_("purchase days"), default=0)
    repeat_day_spend = models.DecimalField(_("spend on repeat days"), max_digits=18, decimal_places=2, default=0)
    sales_amount = models.DecimalField(_("sales"), max_digits=18, decimal_places=2, default=0)
    returns_count = models.PositiveIntegerField(_("returns"), default=0)
    returns_amount = models.DecimalField(_("returned amount"), max_digits=18, decimal_places=2, default=0)
    quantity = models.DecimalField(_("net quantity"), max_digits=18, decimal_places=3, default=0)
    amount = models.DecimalField(_("net amount"), max_digits=18, decimal_places=2, default=0)
    margin = models.DecimalField(_("margin"), max_digits=18, decimal_places=2, default=0)
    average_order_value = models.DecimalField(_("average order value"), max_digits=18, decimal_places=2, null=True)
    average_unit_price = models.DecimalField(_("average unit price"), max_digits=18, decimal_places=2, null=True)
    # Derived references, recomputed by every batch: no database constraints (ADR 0017), and no
    # indexes on the categories (only deleting a category looks summaries up by them).
    top_category = models.ForeignKey(Category, verbose_name=_("top category"), null=True,
                                     on_delete=models.SET_NULL, related_name="+", db_constraint=False,
                                     db_index=False)
    second_category = models.ForeignKey(Category, verbose_name=_("second category"), null=True,
                                        on_delete=models.SET_NULL, related_name="+", db_constraint=False,
                                        db_index=False)
    third_category = models.ForeignKey(Category, verbose_name=_("third category"), null=True,
                                       on_delete=models.SET_NULL, related_name="+", db_constraint=False,
                                       db_index=False)
    main_store = models.ForeignKey("accounts.Store", verbose_name=_("main store"), null=True,
                                   on_delete=models.SET_NULL, related_name="+", db_constraint=False)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("purchase summary")
        verbose_name_plural = _("purchase summaries")
        indexes = [models.Index(fields=["last_purchase_at"], name="summary_last_purchase"),
                   models.Index(fields=["amount"], name="summary_amount")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.orders_count} orders"


class StagedLine(models.Model):
    """One order line of a batch (an import or an API call) being checked and applied set-based.

    Rows live only while their batch runs; on PostgreSQL the table is UNLOGGED.
    """

    batch = models.CharField(max_length=36)
    line = models.BigIntegerField()  # file line, or (order index × 10,000 + line index) for the API
    group_no = models.BigIntegerField(default=0)  # the order's index in the batch (API) or 0
    source = models.CharField(max_length=50)
    external_id = models.CharField(max_length=100)
    customer_code = models.CharField(max_length=50, blank=True)
    customer_name = models.CharField(max_length=200, blank=True)
    customer_id = models.BigIntegerField(null=True)
    store_code = models.CharField(max_length=50, blank=True)
    store_id = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=20)
    kind = models.CharField(max_length=10)
    status = models.CharField(max_length=20)
    ordered_at = models.DateTimeField()
    ordered_on = models.DateField()
    original_external_id = models.CharField(max_length=100, blank=True)
    product_code = models.CharField(max_length=50)
    product_id = models.BigIntegerField(null=True)
    quantity = models.DecimalField(max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    discount = models.DecimalField(max_digits=14, decimal_places=2)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    unit_cost = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    error_field = models.CharField(max_length=50, blank=True)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["batch", "source", "external_id"], name="staged_batch_order")]

    def __str__(self) -> str:
        return f"{self.batch}:{self.line}"


class DirtyCustomer(models.Model):
    """A customer whose purchase summary a running batch must recompute."""

    batch = models.CharField(max_length=36)
    customer_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["batch", "customer_id"], name="dirty_batch_customer")]

    def __str__(self) -> str:
        return f"{self.batch}:{self.customer_id}"
