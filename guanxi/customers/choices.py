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


class InfoClass(models.TextChoices):
    """How often a piece of customer information changes, and so how often it is reviewed (信息分类)."""

    STATIC = "static", _("Static information")
    DYNAMIC = "dynamic", _("Dynamic information (quarterly)")
    REALTIME = "realtime", _("Dynamic information (real time)")
    DERIVED = "derived", _("System-derived information")


class IncomeBand(models.TextChoices):
    UNDER_5K = "lt5k", _("Under ¥5,000 a month")
    FROM_5K = "5k-10k", _("¥5,000–10,000 a month")
    FROM_10K = "10k-20k", _("¥10,000–20,000 a month")
    FROM_20K = "20k-50k", _("¥20,000–50,000 a month")
    OVER_50K = "gt50k", _("Over ¥50,000 a month")


class RiskPreference(models.TextChoices):
    CONSERVATIVE = "c1", _("C1 · conservative")
    CAUTIOUS = "c2", _("C2 · cautious")
    BALANCED = "c3", _("C3 · balanced")
    GROWTH = "c4", _("C4 · growth")
    AGGRESSIVE = "c5", _("C5 · aggressive")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit in person")


class BusinessFormat(models.TextChoices):
    """经营业态 of a retail shop, as tobacco and FMCG distributors classify their customers."""

    CONVENIENCE = "convenience", _("Convenience store")
    SUPERMARKET = "supermarket", _("Supermarket")
    GROCERY = "grocery", _("Grocery store")
    TOBACCO_LIQUOR = "tobacco_liquor", _("Tobacco and liquor shop")
    CATERING = "catering", _("Restaurant or catering")
    ENTERTAINMENT = "entertainment", _("Entertainment venue")
    WHOLESALE = "wholesale", _("Wholesale")
    OTHER = "other", _("Other format")


class SettlementMethod(models.TextChoices):
    CASH = "cash", _("Cash on delivery")
    TRANSFER = "transfer", _("Bank transfer")
    ONLINE = "online", _("Online payment")
    DEBIT = "debit", _("Direct debit")
    MONTHLY = "monthly", _("Monthly statement")


class BusinessStatus(models.TextChoices):
    OPERATING = "operating", _("Operating")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", _("Closed")


class CustomFieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    MULTI = "multi", _("Multiple choice")
    BOOL = "bool", _("Yes / no")


class CustomFieldKinds(models.TextChoices):
    ALL = "all", _("All customers")
    PERSON = "person", _("People only")
    ORGANIZATION = "organization", _("Organizations only")


class Language(models.TextChoices):
    """The language messages to the customer are written in (names in their own language)."""

    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class BuyingRole(models.TextChoices):
    """A contact person's part in an organization's buying decision."""

    DECISION_MAKER = "decision", _("Decision maker")
    PURCHASING = "purchasing", _("Purchasing")
    FINANCE = "finance", _("Finance")
    TECHNICAL = "technical", _("Technical")
    USER = "user", pgettext_lazy("buying role", "User")
