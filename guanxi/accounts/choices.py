from django.db import models
from django.utils.translation import gettext_lazy as _


class DataScope(models.TextChoices):
    OWN = "own", _("Own customers")
    DEPARTMENT = "department", _("Department (with sub-departments)")
    ALL = "all", _("All customers")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"
