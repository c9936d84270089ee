from django.contrib import admin

from guanxi.customers.models import AccessLog, Customer, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin[Tag]):
    list_display = ["name", "color"]
    search_fields = ["name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin[Customer]):
    """Read-mostly: edits belong to the app's forms, which keep the search index and versions right."""

    list_display = ["code", "name", "kind", "importance", "owner", "department", "archived_at"]
    list_filter = ["kind", "importance"]
    search_fields = ["code"]
    raw_id_fields = ["owner", "created_by"]
    readonly_fields = [f.name for f in Customer._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin[AccessLog]):
    list_display = ["at", "user", "customer", "field", "action", "channel"]
    list_filter = ["field", "action", "channel"]
    raw_id_fields = ["user", "customer"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: object) -> bool:
        return False
