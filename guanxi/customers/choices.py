from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Kind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANIZATION = "organization", pgettext_lazy("customer kind", "Organization")


class Gender(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Importance(models.TextChoices):
    A = "A", _("A · key customer")
    B = "B", _("B · regular customer")
    C = "C", _("C · occasional customer")


class BirthdayCalendar(models.TextChoices):
    SOLAR = "solar", _("Solar (公历)")
    LUNAR = "lunar", _("Lunar (农历)")


class SensitiveField(models.TextChoices):
    PHONES = "phones", _("Phones")


class Channel(models.TextChoices):
    UI = "ui", _("Web UI")
    API = "api", _("API")
    IMPORT = "import", _("Import")
    MERGE = "merge", _("Merge")
    ERASE = "erase", _("Erasure")
    DEMO = "demo", _("Demo data")


class Relation(models.TextChoices):
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Sibling")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    OTHER = "other", _("Other relative")


class ConsentChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone calls")
    WECHAT = "wechat", _("WeChat")


class ConsentSource(models.TextChoices):
    FORM = "form", _("Signed form")
    PAPER = "paper", _("Paper record")
    CALL = "call", _("Recorded call")
    ONLINE = "online", _("Online")
    OTHER = "other", _("Other")
