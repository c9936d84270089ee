"""API shapes for personal-data requests; strict on input, one schema per direction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import CleanStr, StrictIn


class ExportQuery(Schema):
    requested_by: CleanStr = Field("", max_length=100, description="who asked: the customer, a representative …")
    reason: CleanStr = Field("", max_length=300)
    ticket: CleanStr = Field("", max_length=100)


class RequestOut(Schema):
    id: int
    at: str
    done_by: str
    requested_by: str
    reason: str
    ticket: str


class PersonalDataOut(Schema):
    """Everything held about the customer: its fields (clear values) and every referencing row."""

    request: RequestOut
    customer: dict[str, Any]
    related: dict[str, list[dict[str, Any]]] = Field(description='"app.Model.field" → rows')


class EraseIn(StrictIn):
    confirm_name: CleanStr = Field(max_length=200, description="the customer's name, typed to confirm")
    reason: CleanStr = Field(max_length=300)
    requested_by: CleanStr = Field("", max_length=100)
    ticket: CleanStr = Field("", max_length=100)


class EraseOut(Schema):
    id: int
    customer_id: int
    kind: str
    at: dt.datetime
    done_by: str
    summary: dict[str, Any] = Field(description="fields cleared and kept; per relation, rows deleted/unlinked/kept")
