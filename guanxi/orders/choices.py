from django.db import models
from django.utils.translation import gettext_lazy as _


class SalesChannel(models.TextChoices):
    STORE = "store", _("Store")
    ONLINE = "online", _("Online")
    PHONE = "phone", _("Phone")
    DISTRIBUTOR = "distributor", _("Distributor")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderKind(models.TextChoices):
    SALE = "sale", _("Sale")
    RETURN = "return", _("Return")


class UnknownCustomers(models.TextChoices):
    REJECT = "reject", _("Reject the order")
    CREATE = "create", _("Create the customer")
