"""REST endpoints for tokens and the organization (read-only: the admin site edits it)."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from guanxi.accounts import selectors, services
from guanxi.accounts.http import ApiRequest
from guanxi.accounts.schemas import DepartmentOut, StoreOut, TokenIn, TokenOut, UserOut

auth_router = Router(tags=["auth"])
router = Router(tags=["organization"])


@auth_router.post("/token", response=TokenOut, auth=None, summary="Exchange username and password for a token")
def create_token(request: HttpRequest, payload: TokenIn) -> TokenOut:
    raw = services.api_token_create(username=payload.username, password=payload.password)
    if raw is None:
        raise HttpError(401, _("Wrong username or password."))
    return TokenOut(token=raw)


@router.get("/departments", response=list[DepartmentOut], summary="Departments in the caller's scope")
def list_departments(request: ApiRequest) -> list[DepartmentOut]:
    return [
        DepartmentOut(id=d.pk, name=d.name, code=d.code, parent_id=d.parent_id)
        for d in selectors.departments_visible_to(request.auth)
    ]


@router.get("/stores", response=list[StoreOut], summary="Stores in the caller's scope")
def list_stores(request: ApiRequest) -> list[StoreOut]:
    return [
        StoreOut(id=s.pk, name=s.name, code=s.code, region=s.region.name, department_id=s.department_id)
        for s in selectors.stores_visible_to(request.auth)
    ]


@router.get("/users", response=list[UserOut], summary="Users the caller may assign customers to")
def list_users(request: ApiRequest) -> list[UserOut]:
    return [
        UserOut(id=u.pk, username=u.username, display_name=str(u), department_id=u.department_id,
                role=u.role.name if u.role else None)
        for u in selectors.users_visible_to(request.auth)
    ]
