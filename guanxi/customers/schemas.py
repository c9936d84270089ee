"""API input and output shapes for customers; one schema per direction, strict on input."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import CleanStr, StrictIn
from guanxi.core.text import mask_digits
from guanxi.customers.models import Contact, Customer, FamilyMember, Referral
from guanxi.customers.profile import PROFILE_FIELDS

DbId = int  # documented bounds are applied with Field(ge=1, le=2**63 - 1)
KindLiteral = Literal["person", "organization"]
GenderLiteral = Literal["", "male", "female"]
ImportanceLiteral = Literal["A", "B", "C"]
CalendarLiteral = Literal["solar", "lunar"]


IncomeBandLiteral = Literal["", "lt5k", "5k-10k", "10k-20k", "20k-50k", "gt50k"]
RiskLiteral = Literal["", "c1", "c2", "c3", "c4", "c5"]
ContactChannelLiteral = Literal["", "phone", "sms", "wechat", "email", "visit"]
BusinessFormatLiteral = Literal["", "convenience", "supermarket", "grocery", "tobacco_liquor", "catering",
                                "entertainment", "wholesale", "other"]
SettlementLiteral = Literal["", "cash", "transfer", "online", "debit", "monthly"]
BusinessStatusLiteral = Literal["", "operating", "suspended", "closed"]
LanguageLiteral = Literal["zh-hans", "en"]
BuyingRoleLiteral = Literal["", "decision", "purchasing", "finance", "technical", "user"]
CustomValue = str | float | bool | list[str] | None
CUSTOM_DESCRIPTION = (
    "values of the custom fields an administrator defined, by key (GET /custom-fields lists them): "
    "text and date (YYYY-MM-DD) as strings, number as a number, yes/no as a boolean, multiple choice as a "
    "list of strings; null or \"\" clears a value"
)


class ProfileIn(StrictIn):
    """The profile of a person and the particulars of an organization; blank clears a value."""

    importance_reason: CleanStr | None = Field(None, max_length=300)
    occupation: CleanStr | None = Field(None, max_length=100)
    employer: CleanStr | None = Field(None, max_length=200)
    position: CleanStr | None = Field(None, max_length=100)
    income_band: IncomeBandLiteral | None = None
    risk_preference: RiskLiteral | None = None
    hobbies: CleanStr | None = Field(None, max_length=300)
    personality: CleanStr | None = Field(None, max_length=200)
    needs: CleanStr | None = Field(None, max_length=5000)
    cautions: CleanStr | None = Field(None, max_length=5000, description="things to be careful about")
    preferred_channel: ContactChannelLiteral | None = None
    preferred_time: CleanStr | None = Field(None, max_length=100, description="e.g. no calls in working hours")
    shop_name: CleanStr | None = Field(None, max_length=200)
    legal_person: CleanStr | None = Field(None, max_length=100)
    business_scope: CleanStr | None = Field(None, max_length=5000)
    business_format: BusinessFormatLiteral | None = None
    licence_number: CleanStr | None = Field(None, max_length=50)
    founded_on: dt.date | None = None
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    settlement_method: SettlementLiteral | None = None
    bank_account: CleanStr | None = Field(None, max_length=40, description="digits; send back the masked value to keep it")
    delivery_route: CleanStr | None = Field(None, max_length=100)
    order_cycle_days: int | None = Field(None, ge=1, le=365)
    visit_cycle_days: int | None = Field(None, ge=1, le=365)
    business_status: BusinessStatusLiteral | None = None
    current_products: CleanStr | None = Field(None, max_length=5000, description="what the customer uses now")
    other_sources: CleanStr | None = Field(None, max_length=5000, description="where else they buy, and why")
    why_us: CleanStr | None = Field(None, max_length=5000, description="why they chose us")
    language: LanguageLiteral | None = Field(None, description="language of messages to the customer (default zh-hans)")
    custom: dict[str, CustomValue] | None = Field(None, description=CUSTOM_DESCRIPTION)


class CustomerIn(ProfileIn):
    """A new customer. Only `name` is required; a blank `code` is generated (C00001234)."""

    kind: KindLiteral = "person"
    name: CleanStr = Field(max_length=200)
    code: CleanStr = Field("", max_length=50)
    gender: GenderLiteral = ""
    birthday: dt.date | None = None
    birthday_calendar: CalendarLiteral = "solar"
    phones: list[CleanStr] = Field(default_factory=list, max_length=10)
    email: CleanStr = Field("", max_length=254)
    id_number: CleanStr = Field("", max_length=40, description="mainland resident ID (checksum validated)")
    address: CleanStr = Field("", max_length=300)
    importance: ImportanceLiteral = "B"
    tags: list[CleanStr] = Field(default_factory=list, max_length=20)
    owner_id: int | None = Field(None, ge=1, le=2**63 - 1, description="defaults to the caller")
    department_id: int | None = Field(None, ge=1, le=2**63 - 1, description="defaults to the owner's")
    store_id: int | None = Field(None, ge=1, le=2**63 - 1)
    notes: CleanStr = Field("", max_length=5000)


class CustomerPatch(ProfileIn):
    """Changes to a customer; send the `version` you read — a stale one gets 409."""

    version: int = Field(ge=1, le=2**31 - 1)
    kind: KindLiteral | None = None
    name: CleanStr | None = Field(None, max_length=200)
    code: CleanStr | None = Field(None, max_length=50)
    gender: GenderLiteral | None = None
    birthday: dt.date | None = None
    birthday_calendar: CalendarLiteral | None = None
    phones: list[CleanStr] | None = Field(None, max_length=10)
    email: CleanStr | None = Field(None, max_length=254)
    id_number: CleanStr | None = Field(None, max_length=40, description="send back the masked value to keep it")
    address: CleanStr | None = Field(None, max_length=300)
    importance: ImportanceLiteral | None = None
    tags: list[CleanStr] | None = Field(None, max_length=20)
    owner_id: int | None = Field(None, ge=1, le=2**63 - 1)
    department_id: int | None = Field(None, ge=1, le=2**63 - 1)
    store_id: int | None = Field(None, ge=1, le=2**63 - 1)
    notes: CleanStr | None = Field(None, max_length=5000)


class RevealIn(StrictIn):
    field: CleanStr = Field(max_length=50, description="a sensitive field, e.g. `phones`")


class RevealOut(Schema):
    field: str
    value: list[str] | str | None = Field(description="phones: a list; id_number: a string")


class UserRef(Schema):
    id: int
    username: str
    display_name: str


class NamedRef(Schema):
    id: int
    name: str


class LunarBirthday(Schema):
    month: int
    day: int
    leap: bool


class ProfileOut(Schema):
    importance_reason: str
    importance_set_by: UserRef | None
    importance_set_at: dt.datetime | None
    occupation: str
    employer: str
    position: str
    income_band: IncomeBandLiteral
    risk_preference: RiskLiteral
    hobbies: str
    personality: str
    needs: str
    cautions: str
    preferred_channel: ContactChannelLiteral
    preferred_time: str
    shop_name: str
    legal_person: str
    business_scope: str
    business_format: BusinessFormatLiteral
    licence_number: str
    founded_on: dt.date | None
    latitude: float | None
    longitude: float | None
    settlement_method: SettlementLiteral
    bank_account: str = Field(description="masked; use /reveal with field bank_account")
    delivery_route: str
    order_cycle_days: int | None
    visit_cycle_days: int | None
    business_status: BusinessStatusLiteral
    current_products: str
    other_sources: str
    why_us: str
    language: LanguageLiteral
    custom: dict[str, CustomValue] = Field(description=CUSTOM_DESCRIPTION)
    static_reviewed_at: dt.datetime | None = Field(description="static information last reviewed")
    dynamic_reviewed_at: dt.datetime | None = Field(description="dynamic information last reviewed")


class CustomerOut(ProfileOut):
    """A customer as the API shows it: phones always masked (use /reveal for the clear values)."""

    id: int
    kind: KindLiteral
    name: str
    code: str
    gender: str
    birthday: dt.date | None
    birthday_calendar: CalendarLiteral
    lunar_birthday: LunarBirthday | None
    phones: list[str]
    email: str
    id_number: str = Field(description="masked (110***********002X); use /reveal with field id_number")
    address: str
    importance: ImportanceLiteral
    tags: list[str]
    owner: UserRef
    department: NamedRef | None
    store: NamedRef | None
    notes: str
    version: int
    archived_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def from_customer(customer: Customer) -> dict[str, Any]:
        """The output as plain data: ninja validates it once on the way out (building the schema
        here too would validate every row twice, a third of a list request's time)."""
        owner = customer.owner
        lunar = None
        if customer.lunar_birth_month and customer.lunar_birth_day:
            lunar = {"month": customer.lunar_birth_month, "day": customer.lunar_birth_day,
                     "leap": customer.lunar_birth_leap}
        return {
            "id": customer.pk, "kind": customer.kind, "name": customer.name, "code": customer.code,
            "gender": customer.gender, "birthday": customer.birthday,
            "birthday_calendar": customer.birthday_calendar, "lunar_birthday": lunar,
            "phones": [mask_digits(p) for p in customer.phones], "email": customer.email,
            "id_number": mask_digits(customer.id_number) if customer.id_number else "",
            "address": customer.address, "importance": customer.importance,
            "tags": [t.name for t in customer.tag_list],
            "owner": {"id": owner.pk, "username": owner.username, "display_name": str(owner)},
            "department": {"id": customer.department.pk, "name": customer.department.name}
            if customer.department else None,
            "store": {"id": customer.store.pk, "name": customer.store.name} if customer.store else None,
            "notes": customer.notes, "version": customer.version, "archived_at": customer.archived_at,
            "created_at": customer.created_at, "updated_at": customer.updated_at,
            **profile_out(customer),
        }


def _user_ref(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "username": user.username, "display_name": str(user)} if user else None


def profile_out(customer: Customer) -> dict[str, Any]:
    values: dict[str, Any] = {spec.name: getattr(customer, spec.name) for spec in PROFILE_FIELDS}
    for name in ("latitude", "longitude"):
        values[name] = float(values[name]) if values[name] is not None else None
    values["bank_account"] = mask_digits(customer.bank_account) if customer.bank_account else ""
    set_by = customer.importance_set_by if customer.importance_set_by_id else None
    return {
        **values, "importance_reason": customer.importance_reason, "importance_set_by": _user_ref(set_by),
        "importance_set_at": customer.importance_set_at, "custom": dict(customer.custom or {}),
        "static_reviewed_at": customer.static_reviewed_at, "dynamic_reviewed_at": customer.dynamic_reviewed_at,
    }


CustomFieldTypeLiteral = Literal["text", "number", "date", "choice", "multi", "bool"]
CustomFieldKindsLiteral = Literal["all", "person", "organization"]
InfoClassLiteral = Literal["static", "dynamic", "realtime"]


class CustomFieldIn(StrictIn):
    key: CleanStr = Field(max_length=40, description="lower-case letters, digits, underscores; fixed once created")
    label: CleanStr = Field(max_length=100)
    field_type: CustomFieldTypeLiteral = Field(description="fixed once created")
    kinds: CustomFieldKindsLiteral = "all"
    info_class: InfoClassLiteral = "static"
    choices: list[CleanStr] = Field(default_factory=list, max_length=50, description="choice and multi only")
    help_text: CleanStr = Field("", max_length=200)
    required: bool = False
    in_list: bool = False
    searchable: bool = Field(False, description="text fields only")
    position: int = Field(0, ge=0, le=32767)
    active: bool = True


class CustomFieldPatch(StrictIn):
    label: CleanStr | None = Field(None, max_length=100)
    kinds: CustomFieldKindsLiteral | None = None
    info_class: InfoClassLiteral | None = None
    choices: list[CleanStr] | None = Field(None, max_length=50)
    help_text: CleanStr | None = Field(None, max_length=200)
    required: bool | None = None
    in_list: bool | None = None
    searchable: bool | None = None
    position: int | None = Field(None, ge=0, le=32767)
    active: bool | None = None


class CustomFieldOut(Schema):
    id: int
    key: str
    label: str
    field_type: CustomFieldTypeLiteral
    kinds: CustomFieldKindsLiteral
    info_class: InfoClassLiteral
    choices: list[str]
    help_text: str
    required: bool
    in_list: bool
    searchable: bool
    position: int
    active: bool


RelationLiteral = Literal["spouse", "child", "parent", "sibling", "grandparent", "grandchild", "other"]


class FamilyMemberIn(StrictIn):
    """A relative; `linked_customer_id` when the relative is a customer the caller may see."""

    name: CleanStr = Field(max_length=100)
    relation: RelationLiteral
    gender: GenderLiteral = ""
    birthday: dt.date | None = None
    birthday_calendar: CalendarLiteral = "solar"
    school_or_employer: CleanStr = Field("", max_length=200)
    notes: CleanStr = Field("", max_length=5000)
    linked_customer_id: int | None = Field(None, ge=1, le=2**63 - 1)


class FamilyMemberPatch(StrictIn):
    name: CleanStr | None = Field(None, max_length=100)
    relation: RelationLiteral | None = None
    gender: GenderLiteral | None = None
    birthday: dt.date | None = None
    birthday_calendar: CalendarLiteral | None = None
    school_or_employer: CleanStr | None = Field(None, max_length=200)
    notes: CleanStr | None = Field(None, max_length=5000)
    linked_customer_id: int | None = Field(None, ge=1, le=2**63 - 1)


class FamilyMemberOut(Schema):
    id: int
    name: str
    relation: RelationLiteral
    gender: str
    birthday: dt.date | None
    birthday_calendar: CalendarLiteral
    lunar_birthday: LunarBirthday | None
    school_or_employer: str
    notes: str
    linked_customer_id: int | None = Field(description="null when the relative is not a customer you may see")

    @staticmethod
    def from_member(member: FamilyMember) -> dict[str, Any]:
        lunar = None
        if member.lunar_birth_month and member.lunar_birth_day:
            lunar = {"month": member.lunar_birth_month, "day": member.lunar_birth_day, "leap": member.lunar_birth_leap}
        return {
            "id": member.pk, "name": member.name, "relation": member.relation, "gender": member.gender,
            "birthday": member.birthday, "birthday_calendar": member.birthday_calendar, "lunar_birthday": lunar,
            "school_or_employer": member.school_or_employer, "notes": member.notes,
            "linked_customer_id": member.linked_customer.pk if member.linked_customer else None,
        }


class ReferralIn(StrictIn):
    """Whom this customer referred: by id or by customer code (one of them)."""

    referred_id: int | None = Field(None, ge=1, le=2**63 - 1)
    referred_code: CleanStr = Field("", max_length=50)
    referred_on: dt.date | None = Field(None, description="defaults to today")
    bought: bool = False
    notes: CleanStr = Field("", max_length=300)


class ReferralOut(Schema):
    id: int
    referrer: NamedRef
    referred: NamedRef
    referred_on: dt.date
    bought: bool
    notes: str


class ReferralsOut(Schema):
    made: list[ReferralOut] = Field(description="customers this one referred (those you may see)")
    received: list[ReferralOut] = Field(description="who referred this customer (if you may see them)")


class TopReferrerOut(Schema):
    customer: NamedRef
    referrals: int
    bought: int


def referral_out(referral: Referral) -> dict[str, Any]:
    return {
        "id": referral.pk, "referred_on": referral.referred_on, "bought": referral.bought, "notes": referral.notes,
        "referrer": {"id": referral.referrer.pk, "name": referral.referrer.name},
        "referred": {"id": referral.referred.pk, "name": referral.referred.name},
    }


ConsentChannelLiteral = Literal["sms", "email", "phone", "wechat"]
ConsentSourceLiteral = Literal["form", "paper", "call", "online", "other"]


class ConsentIn(StrictIn):
    channel: ConsentChannelLiteral
    given: bool
    source: ConsentSourceLiteral
    notes: CleanStr = Field("", max_length=300)


class ConsentOut(Schema):
    channel: ConsentChannelLiteral
    given: bool | None = Field(description="null: never asked")
    source: str | None
    at: dt.datetime | None
    recorded_by: str | None


class HistoryEntryOut(Schema):
    at: dt.datetime
    field: str = Field(description="ledger field: name, phones, owner, archived …")
    old_value: str = Field(description="as text; phones masked unless the caller may reveal")
    new_value: str
    actor: str
    channel: str = Field(description="ui, api, import, merge, erase, demo")


class HistoryOut(Schema):
    items: list[HistoryEntryOut]
    count: int


class CustomerListOut(Schema):
    items: list[CustomerOut]
    count: int = Field(description="exact up to 10,000 (1,000 when searching); above that an estimate or cap+1")
    count_exact: bool
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page (keyset paging)")


class ContactIn(StrictIn):
    """A contact person (联系人) of an organization customer; phones as digits."""

    name: CleanStr = Field(max_length=100)
    title: CleanStr = Field("", max_length=100)
    role: BuyingRoleLiteral = Field("", description="role in buying: decision, purchasing, finance, technical, user")
    phones: list[CleanStr] = Field(default_factory=list, max_length=10)
    email: CleanStr = Field("", max_length=254)
    birthday: dt.date | None = None
    birthday_calendar: CalendarLiteral = "solar"
    notes: CleanStr = Field("", max_length=5000)


class ContactPatch(StrictIn):
    """Changes to a contact; `version` is the one read (a stale version is refused with 409)."""

    version: int = Field(ge=1, le=2**31 - 1)
    name: CleanStr | None = Field(None, max_length=100)
    title: CleanStr | None = Field(None, max_length=100)
    role: BuyingRoleLiteral | None = None
    phones: list[CleanStr] | None = Field(None, max_length=10, description="send back a masked phone to keep it")
    email: CleanStr | None = Field(None, max_length=254)
    birthday: dt.date | None = None
    birthday_calendar: CalendarLiteral | None = None
    notes: CleanStr | None = Field(None, max_length=5000)


class ContactOut(Schema):
    """A contact person; phones masked (a role that may reveal reads them on the customer page)."""

    id: int
    customer: NamedRef
    name: str
    title: str
    role: BuyingRoleLiteral
    phones: list[str]
    email: str
    birthday: dt.date | None
    birthday_calendar: CalendarLiteral
    lunar_birthday: LunarBirthday | None
    notes: str
    version: int

    @staticmethod
    def from_contact(contact: Contact) -> dict[str, Any]:
        lunar = None
        if contact.lunar_birth_month and contact.lunar_birth_day:
            lunar = {"month": contact.lunar_birth_month, "day": contact.lunar_birth_day,
                     "leap": contact.lunar_birth_leap}
        return {
            "id": contact.pk, "customer": {"id": contact.customer.pk, "name": contact.customer.name},
            "name": contact.name, "title": contact.title, "role": contact.role,
            "phones": [mask_digits(p) for p in contact.phones], "email": contact.email,
            "birthday": contact.birthday, "birthday_calendar": contact.birthday_calendar, "lunar_birthday": lunar,
            "notes": contact.notes, "version": contact.version,
        }


class ContactListOut(Schema):
    items: list[ContactOut]
    count: int = Field(description="matches, up to the limit + 1")


class EditRequestOut(Schema):
    policy: str
    fields: list[str]
    request_id: str


class HandoverIn(StrictIn):
    customer_ids: list[int] = Field(min_length=1, max_length=1000)
    to_owner_id: int = Field(ge=1, le=2**63 - 1)


class HandoverOut(Schema):
    customers: int = Field(description="customers whose account manager changed")
    moved: dict[str, int] = Field(description="rows moved per handover source (followup: tasks and appointments)")


class CustomerPatchOut(CustomerOut):
    edit_requests: list[EditRequestOut] = Field(
        default_factory=list, description="fields an edit policy turned into requests instead of changing them")
