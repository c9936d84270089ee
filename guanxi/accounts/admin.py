from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from guanxi.accounts.models import Department, Region, Role, Store, User


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = ["username", "display_name", "department", "role", "is_active", "is_superuser"]
    list_filter = ["role", "department", "is_active"]
    fieldsets = (*(BaseUserAdmin.fieldsets or ()), (_("Organization"), {"fields": ("display_name", "department", "role", "language")}))


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ["name", "code", "parent", "head", "sort_order"]
    raw_id_fields = ["head"]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin[Region]):
    list_display = ["name", "code"]


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin[Store]):
    list_display = ["name", "code", "region", "department"]
    list_filter = ["region"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    list_display = ["name", "code", "data_scope", "can_reveal_sensitive", "can_restore_archived"]
