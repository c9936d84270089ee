"""Input and output shapes of the asset endpoints. Amounts come out masked (`amount_masked`) and as
numbers only when the caller revealed them (`?reveal=true`, logged)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from guanxi.assets.models import AssetReview, Holding, HoldingSnapshot, InsurancePolicy
from guanxi.assets.selectors import MASKED, Coverage, ReviewDetail
from guanxi.core.schemas import CleanStr, StrictIn

AssetClassLiteral = Literal["deposit", "wealth", "fund", "bond", "stock", "insurance", "loan", "property", "other"]
RiskLiteral = Literal["", "R1", "R2", "R3", "R4", "R5"]
PolicyTypeLiteral = Literal["life", "critical_illness", "medical", "accident", "annuity", "property", "other"]
Money = Field(ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)


class HoldingIn(StrictIn):
    asset_class: AssetClassLiteral
    product: CleanStr = Field(max_length=200)
    institution: CleanStr = Field("", max_length=100)
    is_ours: bool = True
    amount: Decimal = Money
    start_on: dt.date | None = None
    matures_on: dt.date | None = None
    risk_level: RiskLiteral = ""
    notes: CleanStr = Field("", max_length=500)


class HoldingPatch(StrictIn):
    asset_class: AssetClassLiteral | None = None
    product: CleanStr | None = Field(None, max_length=200)
    institution: CleanStr | None = Field(None, max_length=100)
    is_ours: bool | None = None
    amount: Decimal | None = Field(None, ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2,
                                   description="a new amount is appended as today's value snapshot")
    start_on: dt.date | None = None
    matures_on: dt.date | None = None
    risk_level: RiskLiteral | None = None
    notes: CleanStr | None = Field(None, max_length=500)


class SnapshotIn(StrictIn):
    on: dt.date
    value: Decimal = Money


class SnapshotOut(Schema):
    id: int
    on: dt.date
    value: Decimal | None = Field(description="null unless revealed")
    value_masked: str

    @staticmethod
    def of(snapshot: HoldingSnapshot, revealed: bool) -> dict[str, Any]:
        return {"id": snapshot.pk, "on": snapshot.on, "value": snapshot.value if revealed else None,
                "value_masked": MASKED}


class HoldingOut(Schema):
    id: int
    customer_id: int
    asset_class: str
    product: str
    institution: str
    is_ours: bool
    amount: Decimal | None = Field(description="null unless revealed with ?reveal=true (logged)")
    amount_masked: str
    start_on: dt.date | None
    matures_on: dt.date | None
    risk_level: str
    notes: str

    @staticmethod
    def of(holding: Holding, revealed: bool) -> dict[str, Any]:
        return {
            "id": holding.pk, "customer_id": holding.customer_id, "asset_class": holding.asset_class,
            "product": holding.product, "institution": holding.institution, "is_ours": holding.is_ours,
            "amount": holding.amount if revealed else None, "amount_masked": MASKED, "start_on": holding.start_on,
            "matures_on": holding.matures_on, "risk_level": holding.risk_level, "notes": holding.notes,
        }


class HoldingDetailOut(HoldingOut):
    snapshots: list[SnapshotOut]


class HoldingsOut(Schema):
    items: list[HoldingOut]
    revealed: bool
    total_assets: Decimal | None
    total_loans: Decimal | None


class PolicyIn(StrictIn):
    policy_type: PolicyTypeLiteral
    insured_member_id: int | None = Field(None, ge=1, le=2**63 - 1,
                                          description="a family member of this customer; null: the customer")
    insurer: CleanStr = Field("", max_length=100)
    product: CleanStr = Field("", max_length=200)
    sum_insured: Decimal = Money
    premium: Decimal = Money
    term_years: int | None = Field(None, ge=1, le=100, description="null: whole life")
    starts_on: dt.date | None = None
    critical_illness: bool = False
    notes: CleanStr = Field("", max_length=500)


class PolicyPatch(StrictIn):
    policy_type: PolicyTypeLiteral | None = None
    insured_member_id: int | None = Field(None, ge=1, le=2**63 - 1)
    insurer: CleanStr | None = Field(None, max_length=100)
    product: CleanStr | None = Field(None, max_length=200)
    sum_insured: Decimal | None = Field(None, ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)
    premium: Decimal | None = Field(None, ge=0, le=Decimal("999999999999.99"), max_digits=14, decimal_places=2)
    term_years: int | None = Field(None, ge=1, le=100)
    starts_on: dt.date | None = None
    critical_illness: bool | None = None
    notes: CleanStr | None = Field(None, max_length=500)


class PolicyOut(Schema):
    id: int
    policy_type: str
    insured_member_id: int | None
    insured_name: str
    insurer: str
    product: str
    sum_insured: Decimal | None
    premium: Decimal | None
    amounts_masked: str
    term_years: int | None
    starts_on: dt.date | None
    critical_illness: bool
    notes: str

    @staticmethod
    def of(policy: InsurancePolicy, customer_name: str, revealed: bool) -> dict[str, Any]:
        return {
            "id": policy.pk, "policy_type": policy.policy_type, "insured_member_id": policy.insured_member_id,
            "insured_name": policy.insured_member.name if policy.insured_member else customer_name,
            "insurer": policy.insurer, "product": policy.product,
            "sum_insured": policy.sum_insured if revealed else None, "premium": policy.premium if revealed else None,
            "amounts_masked": MASKED, "term_years": policy.term_years, "starts_on": policy.starts_on,
            "critical_illness": policy.critical_illness, "notes": policy.notes,
        }


class GapOut(Schema):
    kind: str
    member_id: int | None
    name: str
    message: str


class CoverageOut(Schema):
    policies: list[PolicyOut]
    gaps: list[GapOut]
    main_earner_member_id: int | None
    revealed: bool

    @staticmethod
    def of(cover: Coverage, customer_name: str, revealed: bool) -> dict[str, Any]:
        return {
            "policies": [PolicyOut.of(p, customer_name, revealed) for person in cover.people for p in person.policies],
            "gaps": [{"kind": kind, "member_id": person.member_id, "name": person.name, "message": message}
                     for person in cover.people for kind, message in zip(person.gap_kinds, person.gaps, strict=True)],
            "main_earner_member_id": cover.main_earner_id, "revealed": revealed,
        }


class MainEarnerIn(StrictIn):
    member_id: int | None = Field(None, ge=1, le=2**63 - 1, description="a family member; null: the customer")


class ReviewIn(StrictIn):
    on: dt.date | None = Field(None, description="default today")
    notes: CleanStr = Field("", max_length=5000)


class ReviewPatch(StrictIn):
    notes: CleanStr = Field(max_length=5000)


class ReviewOut(Schema):
    id: int
    on: dt.date
    notes: str
    total_assets: Decimal | None
    total_loans: Decimal | None
    amounts_masked: str

    @staticmethod
    def of(review: AssetReview, revealed: bool) -> dict[str, Any]:
        return {"id": review.pk, "on": review.on, "notes": review.notes,
                "total_assets": review.total_assets if revealed else None,
                "total_loans": review.total_loans if revealed else None, "amounts_masked": MASKED}


class ReviewLineOut(Schema):
    asset_class: str
    product: str
    institution: str
    is_ours: bool
    risk_level: str
    start_on: dt.date | None
    matures_on: dt.date | None
    status: Literal["kept", "new", "gone"]
    value: Decimal | None
    change: Decimal | None


class MixOut(Schema):
    asset_class: str
    value: Decimal | None
    share: Decimal | None


class TrendOut(Schema):
    review_id: int
    on: dt.date
    total_assets: Decimal | None
    net_assets: Decimal | None


class ReviewDetailOut(ReviewOut):
    previous_review_id: int | None
    lines: list[ReviewLineOut]
    mix: list[MixOut]
    trend: list[TrendOut]
    revealed: bool

    @staticmethod
    def of_detail(detail: ReviewDetail, revealed: bool) -> dict[str, Any]:
        def shown(value: Decimal | None) -> Decimal | None:
            return value if revealed else None

        return {
            **ReviewOut.of(detail.review, revealed),
            "previous_review_id": detail.previous.pk if detail.previous else None,
            "lines": [{"asset_class": ln.asset_class, "product": ln.product, "institution": ln.institution,
                       "is_ours": ln.is_ours, "risk_level": ln.risk_level, "start_on": ln.start_on,
                       "matures_on": ln.matures_on, "status": ln.status, "value": shown(ln.value),
                       "change": shown(ln.change)} for ln in detail.lines],
            "mix": [{"asset_class": m.asset_class, "value": shown(m.value), "share": shown(m.share)} for m in detail.mix],
            "trend": [{"review_id": t.review_id, "on": t.on, "total_assets": shown(t.total_assets),
                       "net_assets": shown(t.net_assets)} for t in detail.trend],
            "revealed": revealed,
        }
