"""Reads for the organization: department trees, stores, the users a user may see."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import Department, Region, Store, User


def department_descendant_ids(*, department_id: int) -> list[int]:
    """The department and every department below it (the tree is small: load it once)."""
    children: dict[int | None, list[int]] = {}
    for dept_id, parent_id in Department.objects.values_list("id", "parent_id"):
        children.setdefault(parent_id, []).append(dept_id)
    found, stack = [], [department_id]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def department_tree() -> list[tuple[Department, int]]:
    """All departments depth-first, each with its depth, member counts annotated."""
    departments = list(Department.objects.select_related("head").annotate(member_count=Count("members")))
    by_parent: dict[int | None, list[Department]] = {}
    for dept in departments:
        by_parent.setdefault(dept.parent_id, []).append(dept)
    ordered: list[tuple[Department, int]] = []

    def walk(parent_id: int | None, depth: int) -> None:
        for dept in by_parent.get(parent_id, []):
            ordered.append((dept, depth))
            walk(dept.id, depth + 1)

    walk(None, 0)
    return ordered


def users_visible_to(user: User) -> QuerySet[User]:
    """Colleagues a user may pick as owner or filter by: themselves, their team, or everyone."""
    qs = User.objects.filter(is_active=True).select_related("department", "role").order_by("username")
    scope = user.data_scope
    if scope == DataScope.ALL:
        return qs
    if scope == DataScope.DEPARTMENT and user.department_id:
        return qs.filter(department_id__in=department_descendant_ids(department_id=user.department_id))
    return qs.filter(pk=user.pk)


def departments_visible_to(user: User) -> QuerySet[Department]:
    scope = user.data_scope
    if scope == DataScope.ALL:
        return Department.objects.all()
    if user.department_id:
        if scope == DataScope.DEPARTMENT:
            return Department.objects.filter(id__in=department_descendant_ids(department_id=user.department_id))
        return Department.objects.filter(pk=user.department_id)
    return Department.objects.none()


def stores_visible_to(user: User) -> QuerySet[Store]:
    qs = Store.objects.select_related("region", "department")
    scope = user.data_scope
    if scope == DataScope.ALL:
        return qs
    if user.department_id:
        return qs.filter(department_id__in=department_descendant_ids(department_id=user.department_id))
    return qs.none()


def regions_with_stores(user: User) -> list[tuple[Region, list[Store]]]:
    stores = list(stores_visible_to(user).order_by("region__code", "code"))
    grouped: dict[int, tuple[Region, list[Store]]] = {}
    for store in stores:
        grouped.setdefault(store.region_id, (store.region, []))[1].append(store)
    return list(grouped.values())
