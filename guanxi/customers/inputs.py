"""The typed inputs of the customers services (see guanxi/core/inputs.py): TypedDicts with
total=False, so an absent key is "not sent" (on update the stored value stays) and None or ""
clears where the field allows it. `guanxi.customers.services` re-exports them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TypedDict

DateValue = dt.date | str | None
NumberValue = Decimal | float | int | str | None


class BirthdayInput(TypedDict, total=False):
    """The birthday fields customers, family members and contact people share."""

    birthday: dt.date | None
    birthday_calendar: str


class CustomerInput(BirthdayInput, total=False):
    """What a user may set on a customer; absent fields keep their value on update. Every field of
    guanxi.customers.profile.PROFILE_FIELDS is a key too (a test keeps them in step)."""

    kind: str
    name: str | None
    code: str | None
    gender: str | None
    phones: list[str] | None
    id_number: str | None
    email: str | None
    address: str | None
    importance: str
    tags: list[str] | None
    owner_id: int | None
    department_id: int | None
    store_id: int | None
    notes: str | None
    importance_reason: str | None
    custom: dict[str, Any] | None
    # profile fields (guanxi.customers.profile.PROFILE_FIELDS)
    occupation: str | None
    employer: str | None
    position: str | None
    income_band: str | None
    risk_preference: str | None
    hobbies: str | None
    personality: str | None
    needs: str | None
    cautions: str | None
    preferred_channel: str | None
    preferred_time: str | None
    shop_name: str | None
    legal_person: str | None
    licence_number: str | None
    founded_on: DateValue
    business_scope: str | None
    business_format: str | None
    latitude: NumberValue
    longitude: NumberValue
    settlement_method: str | None
    bank_account: str | None
    delivery_route: str | None
    order_cycle_days: NumberValue
    visit_cycle_days: NumberValue
    business_status: str | None
    current_products: str | None
    other_sources: str | None
    why_us: str | None
    language: str | None


class FamilyMemberInput(BirthdayInput, total=False):
    name: str | None
    relation: str | None
    gender: str | None
    school_or_employer: str | None
    notes: str | None
    linked_customer_id: int | None


class ReferralInput(TypedDict, total=False):
    referred_id: int | None
    referred_code: str | None
    referred_on: dt.date | None
    bought: bool
    notes: str | None


class ConsentInput(TypedDict, total=False):
    channel: str
    source: str
    given: bool
    notes: str | None
