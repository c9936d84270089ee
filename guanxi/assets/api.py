"""REST endpoints for holdings, value snapshots, insurance cover and asset reviews.

Every endpoint starts from a customer the caller may see (404 otherwise). Amounts are null in the
output unless the caller asks `?reveal=true`: that is a reveal through the foundation (role checked,
403 when the role may not reveal; logged in the customer's access log).
"""

from __future__ import annotations

from typing import Any

from ninja import Router, Status
from ninja.params.functions import Path

from guanxi.accounts.http import ApiRequest
from guanxi.assets import selectors, services
from guanxi.assets.schemas import (
    CoverageOut,
    HoldingDetailOut,
    HoldingIn,
    HoldingOut,
    HoldingPatch,
    HoldingsOut,
    MainEarnerIn,
    PolicyIn,
    PolicyOut,
    PolicyPatch,
    ReviewDetailOut,
    ReviewIn,
    ReviewOut,
    ReviewPatch,
    SnapshotIn,
    SnapshotOut,
)
from guanxi.core.inputs import typed_input
from guanxi.customers.choices import Channel
from guanxi.customers.models import Customer
from guanxi.customers.selectors import customer_get

router = Router(tags=["assets"])
Id = Path(..., ge=1, le=2**63 - 1)


def _customer(request: ApiRequest, customer_id: int) -> Customer:
    return customer_get(user=request.auth, customer_id=customer_id)


def _revealed(request: ApiRequest, customer: Customer, reveal: bool) -> bool:
    if reveal:
        services.holdings_reveal(actor=request.auth, customer=customer, channel=Channel.API)
    return reveal


@router.get("/customers/{customer_id}/holdings", response=HoldingsOut, summary="Holdings (资产), amounts masked")
def list_holdings(request: ApiRequest, customer_id: int = Id, reveal: bool = False) -> dict[str, Any]:
    customer = _customer(request, customer_id)
    revealed = _revealed(request, customer, reveal)
    rows = selectors.holdings_of(customer=customer)
    totals = selectors.totals(rows)
    return {"items": [HoldingOut.of(h, revealed) for h in rows], "revealed": revealed,
            "total_assets": totals.assets if revealed else None, "total_loans": totals.loans if revealed else None}


@router.post("/customers/{customer_id}/holdings", response={201: HoldingOut}, summary="Add a holding")
def create_holding(request: ApiRequest, payload: HoldingIn, customer_id: int = Id) -> Status[Any]:
    customer = _customer(request, customer_id)
    holding = services.holding_create(actor=request.auth, customer=customer,
                                      data=typed_input(services.HoldingInput, payload.model_dump()),
                                      channel=Channel.API)
    return Status(201, HoldingOut.of(holding, False))


@router.get("/customers/{customer_id}/holdings/{holding_id}", response=HoldingDetailOut,
            summary="One holding with its value history")
def get_holding(request: ApiRequest, customer_id: int = Id, holding_id: int = Id, reveal: bool = False) -> dict[str, Any]:
    holding = selectors.holding_get(user=request.auth, customer_id=customer_id, holding_id=holding_id)
    revealed = _revealed(request, holding.customer, reveal)
    return {**HoldingOut.of(holding, revealed),
            "snapshots": [SnapshotOut.of(s, revealed) for s in selectors.snapshots_of(holding=holding)]}


@router.patch("/customers/{customer_id}/holdings/{holding_id}", response=HoldingOut, summary="Change a holding")
def patch_holding(request: ApiRequest, payload: HoldingPatch, customer_id: int = Id,
                  holding_id: int = Id) -> dict[str, Any]:
    holding = selectors.holding_get(user=request.auth, customer_id=customer_id, holding_id=holding_id)
    changes = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in changes.items() if v is not None or k in {"start_on", "matures_on"}}
    holding = services.holding_update(actor=request.auth, holding=holding,
                                      data=typed_input(services.HoldingInput, data), channel=Channel.API)
    return HoldingOut.of(holding, False)


@router.delete("/customers/{customer_id}/holdings/{holding_id}", response={204: None}, summary="Remove a holding")
def delete_holding(request: ApiRequest, customer_id: int = Id, holding_id: int = Id) -> Status[None]:
    holding = selectors.holding_get(user=request.auth, customer_id=customer_id, holding_id=holding_id)
    services.holding_delete(actor=request.auth, holding=holding, channel=Channel.API)
    return Status(204, None)


@router.get("/customers/{customer_id}/holdings/{holding_id}/snapshots", response=list[SnapshotOut],
            summary="A holding's value history, newest first")
def list_snapshots(request: ApiRequest, customer_id: int = Id, holding_id: int = Id,
                   reveal: bool = False) -> list[dict[str, Any]]:
    holding = selectors.holding_get(user=request.auth, customer_id=customer_id, holding_id=holding_id)
    revealed = _revealed(request, holding.customer, reveal)
    return [SnapshotOut.of(s, revealed) for s in selectors.snapshots_of(holding=holding)]


@router.post("/customers/{customer_id}/holdings/{holding_id}/snapshots", response={201: SnapshotOut},
             summary="Record a value (append-only)")
def create_snapshot(request: ApiRequest, payload: SnapshotIn, customer_id: int = Id, holding_id: int = Id) -> Status[Any]:
    holding = selectors.holding_get(user=request.auth, customer_id=customer_id, holding_id=holding_id)
    snapshot = services.snapshot_record(actor=request.auth, holding=holding,
                                        data=typed_input(services.SnapshotInput, payload.model_dump()),
                                        channel=Channel.API)
    return Status(201, SnapshotOut.of(snapshot, False))


@router.get("/customers/{customer_id}/insurance", response=CoverageOut,
            summary="Insurance cover (保险涵盖范围) of the family, with its gaps")
def get_coverage(request: ApiRequest, customer_id: int = Id, reveal: bool = False) -> dict[str, Any]:
    customer = _customer(request, customer_id)
    revealed = _revealed(request, customer, reveal)
    return CoverageOut.of(selectors.coverage(customer=customer), customer.name, revealed)


@router.post("/customers/{customer_id}/insurance", response={201: PolicyOut}, summary="Add an insurance policy")
def create_policy(request: ApiRequest, payload: PolicyIn, customer_id: int = Id) -> Status[Any]:
    customer = _customer(request, customer_id)
    policy = services.policy_create(actor=request.auth, customer=customer,
                                    data=typed_input(services.PolicyInput, payload.model_dump()),
                                    channel=Channel.API)
    return Status(201, PolicyOut.of(policy, customer.name, False))


@router.patch("/customers/{customer_id}/insurance/{policy_id}", response=PolicyOut, summary="Change a policy")
def patch_policy(request: ApiRequest, payload: PolicyPatch, customer_id: int = Id, policy_id: int = Id) -> dict[str, Any]:
    policy = selectors.policy_get(user=request.auth, customer_id=customer_id, policy_id=policy_id)
    changes = payload.model_dump(exclude_unset=True)
    data = {k: v for k, v in changes.items() if v is not None or k in {"insured_member_id", "term_years", "starts_on"}}
    policy = services.policy_update(actor=request.auth, policy=policy,
                                    data=typed_input(services.PolicyInput, data), channel=Channel.API)
    return PolicyOut.of(policy, policy.customer.name, False)


@router.delete("/customers/{customer_id}/insurance/{policy_id}", response={204: None}, summary="Remove a policy")
def delete_policy(request: ApiRequest, customer_id: int = Id, policy_id: int = Id) -> Status[None]:
    policy = selectors.policy_get(user=request.auth, customer_id=customer_id, policy_id=policy_id)
    services.policy_delete(actor=request.auth, policy=policy, channel=Channel.API)
    return Status(204, None)


@router.put("/customers/{customer_id}/insurance-main-earner", response=CoverageOut,
            summary="Name the family's main earner (for the life-cover gap)")
def put_main_earner(request: ApiRequest, payload: MainEarnerIn, customer_id: int = Id) -> dict[str, Any]:
    customer = _customer(request, customer_id)
    services.main_earner_set(actor=request.auth, customer=customer, member_id=payload.member_id)
    return CoverageOut.of(selectors.coverage(customer=customer), customer.name, False)


@router.get("/customers/{customer_id}/asset-reviews", response=list[ReviewOut], summary="Asset reviews (资产回顾)")
def list_reviews(request: ApiRequest, customer_id: int = Id, reveal: bool = False) -> list[dict[str, Any]]:
    customer = _customer(request, customer_id)
    revealed = _revealed(request, customer, reveal)
    return [ReviewOut.of(r, revealed) for r in selectors.reviews_of(customer=customer)]


@router.post("/customers/{customer_id}/asset-reviews", response={201: ReviewOut},
             summary="Hold an asset review: every holding's value on the date is kept with it")
def create_review(request: ApiRequest, payload: ReviewIn, customer_id: int = Id) -> Status[Any]:
    customer = _customer(request, customer_id)
    data = {k: v for k, v in payload.model_dump().items() if v is not None}
    review = services.review_create(actor=request.auth, customer=customer,
                                    data=typed_input(services.ReviewInput, data), channel=Channel.API)
    return Status(201, ReviewOut.of(review, False))


@router.get("/customers/{customer_id}/asset-reviews/{review_id}", response=ReviewDetailOut,
            summary="One asset review: lines with change since the last review, asset mix, trend")
def get_review(request: ApiRequest, customer_id: int = Id, review_id: int = Id, reveal: bool = False) -> dict[str, Any]:
    review = selectors.review_get(user=request.auth, customer_id=customer_id, review_id=review_id)
    revealed = _revealed(request, review.customer, reveal)
    return ReviewDetailOut.of_detail(selectors.review_detail(review=review), revealed)


@router.patch("/customers/{customer_id}/asset-reviews/{review_id}", response=ReviewOut, summary="Change a review's notes")
def patch_review(request: ApiRequest, payload: ReviewPatch, customer_id: int = Id, review_id: int = Id) -> dict[str, Any]:
    review = selectors.review_get(user=request.auth, customer_id=customer_id, review_id=review_id)
    review = services.review_update(actor=request.auth, review=review,
                                    data=typed_input(services.ReviewInput, payload.model_dump()))
    return ReviewOut.of(review, False)


@router.delete("/customers/{customer_id}/asset-reviews/{review_id}", response={204: None}, summary="Remove a review")
def delete_review(request: ApiRequest, customer_id: int = Id, review_id: int = Id) -> Status[None]:
    review = selectors.review_get(user=request.auth, customer_id=customer_id, review_id=review_id)
    services.review_delete(actor=request.auth, review=review, channel=Channel.API)
    return Status(204, None)
