from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactChannel(models.TextChoices):
    """How a contact happened; the letter is what the contact calendar shows (seed 002: T, E, M)."""

    PHONE = "T", _("Phone")
    EMAIL = "E", _("Email")
    MEETING = "M", _("Meeting")
    VISIT = "V", _("Visit")
    SMS = "S", _("SMS")
    CHAT = "W", _("Chat / WeChat")
    OTHER = "O", _("Other")


# Face-to-face contacts count as visits in the statistics (拜访).
VISIT_CHANNELS = (ContactChannel.VISIT, ContactChannel.MEETING)


class Direction(models.TextChoices):
    OUTBOUND = "out", _("We contacted them")
    INBOUND = "in", _("They contacted us")


class Outcome(models.TextChoices):
    NONE = "", _("Not recorded")
    REACHED = "reached", _("Talked")
    NO_ANSWER = "no_answer", _("No answer")
    INTERESTED = "interested", _("Interested")
    NOT_INTERESTED = "not_interested", _("Not interested")
    ORDERED = "ordered", _("Placed an order")
    COMPLAINT = "complaint", _("Raised a complaint")


class TaskKind(models.TextChoices):
    TODO = "todo", _("To do")
    CALL = "call", _("Call")
    VISIT = "visit", _("Visit")
    GREETING = "greeting", _("Greeting")


class Priority(models.IntegerChoices):
    HIGH = 1, _("High")
    NORMAL = 2, _("Normal")
    LOW = 3, _("Low")


class AppointmentStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    CONFIRMED = "confirmed", _("Confirmed")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    VISITED = "visited", _("Visited")


class AppointmentAction(models.TextChoices):
    CONFIRM = "confirm", _("Confirm with the customer")
    RESCHEDULE = "reschedule", _("Reschedule")
    CANCEL = "cancel", _("Cancel")
    NO_SHOW = "no_show", _("Customer did not show")
    VISITED = "visited", _("Visit took place")


class BoardColumn(models.TextChoices):
    TODAY = "today", _("Today")
    TOMORROW = "tomorrow", _("Tomorrow")
    WEEK = "week", _("Later this week")
