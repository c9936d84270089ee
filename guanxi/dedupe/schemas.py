"""API shapes for duplicates and merges; strict on input, one schema per direction."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import CleanStr, StrictIn

Id = Field(ge=1, le=2**63 - 1)


class DuplicatesQuery(Schema):
    rule: Literal["phone", "name_birthday", "licence", "name_address"] = "phone"
    page: int = Field(1, ge=1, le=100_000)
    per_page: int = Field(20, ge=1, le=100)


class CustomerBrief(Schema):
    id: int
    name: str
    code: str
    owner: str
    version: int


class DuplicateGroupOut(Schema):
    key: str = Field(description="the shared value (phones masked)")
    customers: list[CustomerBrief]


class DuplicatesOut(Schema):
    rule: str
    page: int
    has_next: bool
    groups: list[DuplicateGroupOut]


class MergedIn(StrictIn):
    id: int = Id
    version: int = Field(ge=1, le=2**31 - 1)


class MergeIn(StrictIn):
    """Fold `merged` into the customer in the path. `choices`: field → id of the customer whose
    value is kept (or "union" to keep the phones of all); unnamed fields keep the survivor's."""

    version: int = Field(ge=1, le=2**31 - 1, description="the survivor's version as you read it")
    merged: list[MergedIn] = Field(min_length=1, max_length=9)
    choices: dict[CleanStr, int | Literal["union"]] = Field(default_factory=dict, max_length=200)


class MergeOut(Schema):
    id: int
    survivor_id: int
    merged_id: int
    actor: str | None
    at: dt.datetime
    channel: str
    chosen: dict[str, Any] = Field(description="field → {from, value}; sensitive values masked unless revealable")
    merged_snapshot: dict[str, Any] = Field(description="the merged customer before the merge (masked likewise)")
    moved: dict[str, Any]


class MergeListOut(Schema):
    items: list[MergeOut]
    page: int
    has_next: bool


class MergeListQuery(Schema):
    page: int = Field(1, ge=1, le=100_000)


