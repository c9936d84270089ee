from django.db import models
from django.utils.translation import gettext_lazy as _


class AssetClass(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    WEALTH = "wealth", _("Wealth management product")
    FUND = "fund", _("Fund")
    BOND = "bond", _("Bond")
    STOCK = "stock", _("Stock")
    INSURANCE = "insurance", _("Insurance")
    LOAN = "loan", _("Loan")
    PROPERTY = "property", _("Property")
    OTHER = "other", _("Other")


# A loan is what the customer owes: it is left out of the asset mix and subtracted for net assets.
LIABILITY_CLASSES = frozenset({AssetClass.LOAN})


class RiskLevel(models.TextChoices):
    """The five risk grades Chinese banks put on products (R1 低 … R5 高)."""

    NONE = "", _("Not rated")
    R1 = "R1", _("R1 · low")
    R2 = "R2", _("R2 · medium-low")
    R3 = "R3", _("R3 · medium")
    R4 = "R4", _("R4 · medium-high")
    R5 = "R5", _("R5 · high")


class PolicyType(models.TextChoices):
    LIFE = "life", _("Life")
    CRITICAL_ILLNESS = "critical_illness", _("Critical illness")
    MEDICAL = "medical", _("Medical")
    ACCIDENT = "accident", _("Accident")
    ANNUITY = "annuity", _("Annuity")
    PROPERTY = "property", _("Property insurance")
    OTHER = "other", _("Other insurance")


class GapKind(models.TextChoices):
    NO_CRITICAL_ILLNESS = "no_critical_illness", _("No critical-illness cover")
    NO_LIFE_FOR_EARNER = "no_life_for_earner", _("No life cover for the main earner")
