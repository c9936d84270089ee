from __future__ import annotations

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import CleanStr, StrictIn


class TokenIn(StrictIn):
    username: CleanStr = Field(max_length=150)
    password: CleanStr = Field(max_length=128)


class TokenOut(Schema):
    token: str


class DepartmentOut(Schema):
    id: int
    name: str
    code: str
    parent_id: int | None


class StoreOut(Schema):
    id: int
    name: str
    code: str
    region: str
    department_id: int


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    department_id: int | None
    role: str | None
