"""REST endpoints for customers: thin, calling the same services and selectors as the UI."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.params import functions
from ninja.params.functions import Path
from pydantic import Field

from guanxi.accounts.http import ApiRequest
from guanxi.accounts.models import User
from guanxi.core.inputs import typed_input
from guanxi.core.pagination import decode_cursor
from guanxi.core.registry import EditRequest
from guanxi.core.schemas import CleanStr, StrictIn
from guanxi.customers import contact_services, custom_fields, handover, selectors, services
from guanxi.customers.choices import Channel
from guanxi.customers.schemas import (
    ConsentIn,
    ConsentOut,
    ContactIn,
    ContactListOut,
    ContactOut,
    ContactPatch,
    CustomerIn,
    CustomerListOut,
    CustomerOut,
    CustomerPatch,
    CustomerPatchOut,
    CustomFieldIn,
    CustomFieldOut,
    CustomFieldPatch,
    FamilyMemberIn,
    FamilyMemberOut,
    FamilyMemberPatch,
    HandoverIn,
    HandoverOut,
    HistoryOut,
    ImportanceLiteral,
    KindLiteral,
    ReferralIn,
    ReferralOut,
    ReferralsOut,
    RevealIn,
    RevealOut,
    TopReferrerOut,
    referral_out,
)

router = Router(tags=["customers"])
CustomerId = Path(..., ge=1, le=2**63 - 1)


class CustomerQuery(Schema):
    q: CleanStr = Field("", max_length=100, description="name, pinyin (zhangsan / zs), phone fragment, code")
    kind: KindLiteral | None = None
    importance: ImportanceLiteral | None = None
    owner_id: int | None = Field(None, ge=1, le=2**63 - 1)
    department_id: int | None = Field(None, ge=1, le=2**63 - 1)
    store_id: int | None = Field(None, ge=1, le=2**63 - 1)
    tag_id: int | None = Field(None, ge=1, le=2**63 - 1)
    archived: bool = False
    review: Literal["overdue", "static", "dynamic"] | None = Field(
        None, description="only customers whose review (of any class, or of this one) is overdue")
    custom: list[CleanStr] = Field(default_factory=list, max_length=10,
                                   description="custom field filters as key:value (yes/no fields: key:yes)")
    filter: list[CleanStr] = Field(default_factory=list, max_length=10, description=(
        "filters other apps add, as key:value — purchases:none, once, repeat, active90 or lapsed90 "
        "(from the purchase summary)"))
    sort: CleanStr = Field("name", max_length=40, description=(
        "name, code, created, or a sortable column's key (net_spend, last_purchase, …); "
        "a leading - sorts descending"))
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)
    cursor: CleanStr | None = Field(None, max_length=500, description="keyset cursor from next_cursor")


def _filters(query: CustomerQuery, user: Any) -> selectors.CustomerFilters:
    return selectors.CustomerFilters(
        q=query.q, kind=query.kind or "", importance=query.importance or "", owner_id=query.owner_id,
        department_id=query.department_id, store_id=query.store_id, tag_id=query.tag_id, archived=query.archived,
        review=query.review or "", custom=_custom_filters(query.custom), extra=_extension_filters(query.filter, user),
    )


def _extension_filters(raw: list[str], user: Any) -> tuple[tuple[str, str], ...]:
    """`filter` values checked against the list filters the apps registered (the list page's extra
    selects), so a typo is an error rather than an unfiltered list."""
    from guanxi.core.registry import registry

    known = {f.key: f for f in registry.list_filters}
    pairs = []
    for item in raw:
        key, sep, value = item.partition(":")
        extension = known.get(key)
        if not sep or extension is None:
            raise ValidationError({"filter": [_("Write filters as key:value, the key one of: %(keys)s.") % {
                "keys": ", ".join(known)}]})
        allowed = [choice for choice, _label in extension.choices(user) if choice]
        if value not in allowed:
            raise ValidationError({"filter": [_("%(key)s takes one of: %(values)s.") % {
                "key": key, "values": ", ".join(allowed)}]})
        pairs.append((key, value))
    return tuple(pairs)


def _custom_filters(raw: list[str]) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in raw:
        key, sep, value = item.partition(":")
        if not sep or not key or not value:
            raise ValidationError({"custom": [_("Write custom field filters as key:value.")]})
        pairs.append((key, value))
    return tuple(pairs)


@router.get("/customers", response=CustomerListOut, summary="List and search customers")
def list_customers(request: ApiRequest, query: Query[CustomerQuery]) -> HttpResponse:
    if query.sort not in selectors.sort_names():
        raise ValidationError({"sort": [_("Sort by one of: %(names)s.") % {"names": ", ".join(selectors.sort_names())}]})
    if query.cursor is not None and decode_cursor(query.cursor) is None:
        raise ValidationError({"cursor": [_("This cursor is not valid; start again without it.")]})
    filters = _filters(query, request.auth)
    if query.cursor is not None or query.offset == 0:
        page = selectors.customer_page(
            user=request.auth, filters=filters, sort=query.sort, cursor=query.cursor, limit=query.limit
        )
        items, count, next_cursor = page.items, page.count, page.next_cursor
    else:
        items, count = selectors.customer_offset_page(
            user=request.auth, filters=filters, sort=query.sort, offset=query.offset, limit=query.limit
        )
        next_cursor = None
    body = {
        "items": [CustomerOut.from_customer(c) for c in items],
        "count": count.value,
        "count_exact": count.exact,
        "next_cursor": next_cursor,
    }
    # The hottest endpoint: rows are built from typed model fields by `from_customer`, and a test
    # validates this output against CustomerListOut, so the per-row re-validation is skipped.
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


@router.post("/customers", response={201: CustomerOut}, summary="Create a customer")
def create_customer(request: ApiRequest, payload: CustomerIn) -> Status[Any]:
    customer = services.customer_create(actor=request.auth, data=typed_input(services.CustomerInput, payload.model_dump()),
                                       channel=Channel.API)
    customer = selectors.customer_get(user=request.auth, customer_id=customer.pk)
    return Status(201, CustomerOut.from_customer(customer))


@router.get("/customers/{customer_id}", response=CustomerOut, summary="One customer")
def get_customer(request: ApiRequest, customer_id: int = CustomerId) -> dict[str, Any]:
    return CustomerOut.from_customer(selectors.customer_get(user=request.auth, customer_id=customer_id))


@router.patch("/customers/{customer_id}", response=CustomerPatchOut, summary="Change a customer (optimistic locking)",
              description="Fields an edit policy gates for your role are not changed but requested: "
                          "`edit_requests` lists them with the request's id.")
def patch_customer(request: ApiRequest, payload: CustomerPatch, customer_id: int = CustomerId) -> dict[str, Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    # An explicit null clears a nullable field; for the rest null means "leave unchanged".
    data = {k: v for k, v in changes.items() if v is not None or k in {"birthday", "store_id"}}
    requests: list[EditRequest] = []
    services.customer_update(actor=request.auth, customer=customer, version=version,
                             data=typed_input(services.CustomerInput, data), channel=Channel.API,
                             requests=requests)
    body = CustomerOut.from_customer(selectors.customer_get(user=request.auth, customer_id=customer_id))
    body["edit_requests"] = [{"policy": r.policy, "fields": list(r.fields), "request_id": r.request_id}
                             for r in requests]
    return body


@router.delete("/customers/{customer_id}", response=CustomerOut, summary="Archive a customer (soft delete)")
def archive_customer(request: ApiRequest, customer_id: int = CustomerId) -> dict[str, Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    services.customer_archive(actor=request.auth, customer=customer, channel=Channel.API)
    archived = selectors.customer_get(user=request.auth, customer_id=customer_id, include_archived=True)
    return CustomerOut.from_customer(archived)


@router.post("/customers/{customer_id}/restore", response=CustomerOut, summary="Restore an archived customer")
def restore_customer(request: ApiRequest, customer_id: int = CustomerId) -> dict[str, Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id, include_archived=True)
    services.customer_restore(actor=request.auth, customer=customer, channel=Channel.API)
    return CustomerOut.from_customer(selectors.customer_get(user=request.auth, customer_id=customer_id))


class HistoryQuery(Schema):
    field: CleanStr = Field("", max_length=60, description="only this ledger field")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


@router.get("/customers/{customer_id}/history", response=HistoryOut, summary="The change ledger (修改台帐)")
def customer_history(
    request: ApiRequest, query: Query[HistoryQuery], customer_id: int = CustomerId
) -> dict[str, Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    rows, total = selectors.customer_history(
        user=request.auth, customer=customer, field=query.field, limit=query.limit, offset=query.offset
    )
    items = [{"at": r.at, "field": r.field, "old_value": r.old_value, "new_value": r.new_value,
              "actor": r.actor, "channel": r.channel} for r in rows]
    return {"items": items, "count": total}


MemberId = Path(..., ge=1, le=2**63 - 1)


@router.get("/customers/{customer_id}/family", response=list[FamilyMemberOut], summary="Family members (家庭成员)")
def list_family(request: ApiRequest, customer_id: int = CustomerId) -> list[dict[str, Any]]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    return [FamilyMemberOut.from_member(m) for m in selectors.family_of(user=request.auth, customer=customer)]


@router.post("/customers/{customer_id}/family", response={201: FamilyMemberOut}, summary="Add a family member")
def add_family_member(request: ApiRequest, payload: FamilyMemberIn, customer_id: int = CustomerId) -> Status[Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    member = services.family_member_create(
        actor=request.auth, customer=customer, data=typed_input(services.FamilyMemberInput, payload.model_dump()),
        channel=Channel.API
    )
    return Status(201, FamilyMemberOut.from_member(member))


@router.patch("/customers/{customer_id}/family/{member_id}", response=FamilyMemberOut, summary="Change a family member")
def patch_family_member(
    request: ApiRequest, payload: FamilyMemberPatch, customer_id: int = CustomerId, member_id: int = MemberId
) -> dict[str, Any]:
    member = selectors.family_member_get(user=request.auth, customer_id=customer_id, member_id=member_id)
    changes = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in changes.items() if v is not None or k in {"birthday", "linked_customer_id"}}
    member = services.family_member_update(actor=request.auth, member=member,
                                           data=typed_input(services.FamilyMemberInput, data), channel=Channel.API)
    return FamilyMemberOut.from_member(member)


@router.delete("/customers/{customer_id}/family/{member_id}", response={204: None}, summary="Remove a family member")
def delete_family_member(request: ApiRequest, customer_id: int = CustomerId, member_id: int = MemberId) -> Status[None]:
    member = selectors.family_member_get(user=request.auth, customer_id=customer_id, member_id=member_id)
    services.family_member_delete(actor=request.auth, member=member, channel=Channel.API)
    return Status(204, None)


@router.get("/customers/{customer_id}/referrals", response=ReferralsOut, summary="Referrals (转介绍), both ways")
def list_referrals(request: ApiRequest, customer_id: int = CustomerId) -> dict[str, Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    made, received = selectors.referrals_of(user=request.auth, customer=customer)
    return {"made": [referral_out(r) for r in made], "received": [referral_out(r) for r in received]}


@router.post("/customers/{customer_id}/referrals", response={201: ReferralOut}, summary="Record a referral")
def add_referral(request: ApiRequest, payload: ReferralIn, customer_id: int = CustomerId) -> Status[Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    referral = services.referral_create(
        actor=request.auth, referrer=customer, data=typed_input(services.ReferralInput, payload.model_dump()),
        channel=Channel.API
    )
    return Status(201, referral_out(referral))


@router.delete("/customers/{customer_id}/referrals/{referral_id}", response={204: None}, summary="Remove a referral")
def delete_referral(request: ApiRequest, customer_id: int = CustomerId, referral_id: int = MemberId) -> Status[None]:
    referral = selectors.referral_get(user=request.auth, customer_id=customer_id, referral_id=referral_id)
    services.referral_delete(actor=request.auth, referral=referral, channel=Channel.API)
    return Status(204, None)


@router.get("/referrers/top", response=list[TopReferrerOut], summary="Customers who referred the most")
def top_referrers(request: ApiRequest, limit: int = functions.Query(20, ge=1, le=200)) -> list[dict[str, Any]]:
    return [
        {"customer": {"id": r.customer.pk, "name": r.customer.name}, "referrals": r.referrals, "bought": r.bought}
        for r in selectors.top_referrers(user=request.auth, limit=limit)
    ]


def _consents(customer: Any) -> list[dict[str, Any]]:
    return [
        {"channel": s.channel, "given": s.latest.given if s.latest else None,
         "source": s.latest.source if s.latest else None, "at": s.latest.at if s.latest else None,
         "recorded_by": str(s.latest.recorded_by) if s.latest and s.latest.recorded_by else None}
        for s in selectors.consent_state(customer=customer)
    ]


@router.get("/customers/{customer_id}/consents", response=list[ConsentOut], summary="Marketing consent per channel")
def list_consents(request: ApiRequest, customer_id: int = CustomerId) -> list[dict[str, Any]]:
    return _consents(selectors.customer_get(user=request.auth, customer_id=customer_id))


@router.post("/customers/{customer_id}/consents", response={201: list[ConsentOut]}, summary="Record consent given or withdrawn")
def add_consent(request: ApiRequest, payload: ConsentIn, customer_id: int = CustomerId) -> Status[Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    services.consent_record(actor=request.auth, customer=customer,
                            data=typed_input(services.ConsentInput, payload.model_dump()), channel=Channel.API)
    return Status(201, _consents(customer))


@router.post("/customers/{customer_id}/reveal", response=RevealOut, summary="Reveal a sensitive field (logged)")
def reveal_customer_field(request: ApiRequest, payload: RevealIn, customer_id: int = CustomerId) -> RevealOut:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    value = services.customer_reveal(actor=request.auth, customer=customer, field_name=payload.field, channel=Channel.API)
    return RevealOut(field=payload.field, value=value)


class ReviewIn(StrictIn):
    info_class: Literal["static", "dynamic"]


@router.post("/customers/{customer_id}/review", response=CustomerOut,
             summary="Mark a class of information reviewed with the customer (信息复核)")
def review_customer(request: ApiRequest, payload: ReviewIn, customer_id: int = CustomerId) -> dict[str, Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    customer = services.customer_review(actor=request.auth, customer=customer, info_class=payload.info_class,
                                        channel=Channel.API)
    return CustomerOut.from_customer(selectors.customer_get(user=request.auth, customer_id=customer_id))


FieldId = Path(..., ge=1, le=2**31 - 1)


@router.get("/custom-fields", response=list[CustomFieldOut], summary="Custom field definitions (自定义字段)")
def list_custom_fields(request: HttpRequest, include_inactive: bool = False) -> list[Any]:
    return list(selectors.custom_field_list(include_inactive=include_inactive))


@router.post("/custom-fields", response={201: CustomFieldOut}, summary="Define a custom field (administrators)")
def create_custom_field(request: ApiRequest, payload: CustomFieldIn) -> Status[Any]:
    field = custom_fields.custom_field_create(
        actor=request.auth, data=typed_input(custom_fields.CustomFieldInput, payload.model_dump()))
    return Status(201, field)


@router.patch("/custom-fields/{field_id}", response=CustomFieldOut, summary="Change a custom field (administrators)")
def patch_custom_field(request: ApiRequest, payload: CustomFieldPatch, field_id: int = FieldId) -> Any:
    field = selectors.custom_field_get(field_id=field_id)
    return custom_fields.custom_field_update(actor=request.auth, field=field,
                                             data=typed_input(custom_fields.CustomFieldInput,
                                                              payload.model_dump(exclude_unset=True)))


ContactId = Path(..., ge=1, le=2**63 - 1)


@router.get("/customers/{customer_id}/contacts", response=list[ContactOut], summary="Contact people (联系人)")
def list_contacts(request: ApiRequest, customer_id: int = CustomerId) -> list[dict[str, Any]]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    return [ContactOut.from_contact(c) for c in selectors.contacts_of(user=request.auth, customer=customer)]


@router.post("/customers/{customer_id}/contacts", response={201: ContactOut},
             summary="Add a contact person (organization customers only)")
def add_contact(request: ApiRequest, payload: ContactIn, customer_id: int = CustomerId) -> Status[Any]:
    customer = selectors.customer_get(user=request.auth, customer_id=customer_id)
    contact = contact_services.contact_create(
        actor=request.auth, customer=customer, data=typed_input(contact_services.ContactInput, payload.model_dump()),
        channel=Channel.API
    )
    return Status(201, ContactOut.from_contact(contact))


@router.get("/customers/{customer_id}/contacts/{contact_id}", response=ContactOut, summary="One contact person")
def get_contact(request: ApiRequest, customer_id: int = CustomerId, contact_id: int = ContactId) -> dict[str, Any]:
    contact = selectors.contact_get(user=request.auth, customer_id=customer_id, contact_id=contact_id)
    return ContactOut.from_contact(contact)


@router.patch("/customers/{customer_id}/contacts/{contact_id}", response=ContactOut,
              summary="Change a contact person (optimistic locking)")
def patch_contact(
    request: ApiRequest, payload: ContactPatch, customer_id: int = CustomerId, contact_id: int = ContactId
) -> dict[str, Any]:
    contact = selectors.contact_get(user=request.auth, customer_id=customer_id, contact_id=contact_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    data = {k: v for k, v in changes.items() if v is not None or k == "birthday"}
    contact = contact_services.contact_update(actor=request.auth, contact=contact, version=version,
                                              data=typed_input(contact_services.ContactInput, data),
                                              channel=Channel.API)
    return ContactOut.from_contact(contact)


@router.delete("/customers/{customer_id}/contacts/{contact_id}", response={204: None}, summary="Remove a contact person")
def delete_contact(request: ApiRequest, customer_id: int = CustomerId, contact_id: int = ContactId) -> Status[Any]:
    contact = selectors.contact_get(user=request.auth, customer_id=customer_id, contact_id=contact_id)
    contact_services.contact_delete(actor=request.auth, contact=contact, channel=Channel.API)
    return Status(204, None)


class ContactQuery(Schema):
    q: CleanStr = Field(max_length=100, min_length=1, description="name, pinyin (lina / ln), phone piece, e-mail")
    limit: int = Field(selectors.CONTACT_SEARCH_LIMIT, ge=1, le=200)


@router.get("/contacts", response=ContactListOut, summary="Find contact people and their organizations")
def search_contacts(request: ApiRequest, query: Query[ContactQuery]) -> dict[str, Any]:
    found = selectors.contact_search(user=request.auth, q=query.q, limit=query.limit)
    return {"items": [ContactOut.from_contact(c) for c in found[: query.limit]], "count": len(found)}


@router.post("/customer-handovers", response=HandoverOut,
             summary="Hand customers over to another account manager (managers)",
             description="The owner changes (in each customer's ledger) and every registered handover source "
                         "moves what belonged to the previous manager: open tasks and upcoming appointments.")
def handover_customers(request: ApiRequest, payload: HandoverIn) -> dict[str, Any]:
    # The service decides whether the caller may hand over and may name this manager.
    to_owner = User.objects.filter(pk=payload.to_owner_id).first()
    if to_owner is None:
        raise ValidationError({"to_owner_id": [_("Unknown account manager.")]})
    result = handover.customer_handover(actor=request.auth, customer_ids=payload.customer_ids, to_owner=to_owner,
                                        channel=Channel.API)
    return {"customers": result.customers, "moved": result.moved}
