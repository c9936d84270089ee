"""Reads of holdings, cover and reviews. Every read starts from a customer the user may see
(`customers.selectors.customer_get`, built on `Customer.objects.visible_to`), so an id outside the
user's scope is a 404 and a relative's account manager sees nothing through the relative."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.accounts.models import User
from guanxi.assets.choices import LIABILITY_CLASSES, AssetClass, GapKind, PolicyType
from guanxi.assets.models import (
    AssetReview,
    AssetReviewLine,
    CoverageSettings,
    Holding,
    HoldingSnapshot,
    InsurancePolicy,
)
from guanxi.core.money import format_money
from guanxi.core.registry import Reminder
from guanxi.customers.models import Customer, FamilyMember
from guanxi.customers.selectors import customer_get

MASKED = "¥**,***"
SOON_DAYS = 30
REMINDER_CAP = 200
MATURITY = "maturity"
MATURITY_NOTICE = "maturity_notice"


def _valid_id(value: int) -> bool:
    return 0 < value < 2**63


def holdings_of(*, customer: Customer) -> list[Holding]:
    return list(Holding.objects.filter(customer=customer).order_by("asset_class", "id"))


def holding_get(*, user: User, customer_id: int, holding_id: int) -> Holding:
    customer = customer_get(user=user, customer_id=customer_id)
    holding = Holding.objects.filter(customer=customer, pk=holding_id).first() if _valid_id(holding_id) else None
    if holding is None:
        raise Http404("holding not found")
    holding.customer = customer
    return holding


def snapshots_of(*, holding: Holding) -> list[HoldingSnapshot]:
    return list(HoldingSnapshot.objects.filter(holding=holding).select_related("recorded_by").order_by("-on", "-id"))


@dataclass(frozen=True)
class Totals:
    assets: Decimal
    loans: Decimal

    @property
    def net(self) -> Decimal:
        return self.assets - self.loans


def totals(holdings: list[Holding]) -> Totals:
    assets = sum((h.amount for h in holdings if h.asset_class not in LIABILITY_CLASSES), Decimal(0))
    loans = sum((h.amount for h in holdings if h.asset_class in LIABILITY_CLASSES), Decimal(0))
    return Totals(assets=assets, loans=loans)


def maturing_soon(holdings: list[Holding], *, today: dt.date | None = None) -> list[Holding]:
    today = today or timezone.localdate()
    end = today + dt.timedelta(days=SOON_DAYS)
    return sorted((h for h in holdings if h.matures_on and today <= h.matures_on <= end),
                  key=lambda h: (h.matures_on, h.pk))


# Insurance cover -----------------------------------------------------------------------------

@dataclass
class Insured:
    """One person of the family with their policies and what their cover lacks."""

    name: str
    relation: str
    member_id: int | None
    is_main_earner: bool
    policies: list[InsurancePolicy] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    gap_kinds: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Coverage:
    people: list[Insured]
    main_earner_id: int | None

    @property
    def gap_count(self) -> int:
        return sum(len(p.gaps) for p in self.people)


def policies_of(*, customer: Customer) -> list[InsurancePolicy]:
    return list(InsurancePolicy.objects.filter(customer=customer).select_related("insured_member")
                .order_by("insured_member_id", "policy_type", "id"))


def policy_get(*, user: User, customer_id: int, policy_id: int) -> InsurancePolicy:
    customer = customer_get(user=user, customer_id=customer_id)
    policy = None
    if _valid_id(policy_id):
        policy = InsurancePolicy.objects.filter(customer=customer, pk=policy_id).select_related("insured_member").first()
    if policy is None:
        raise Http404("policy not found")
    policy.customer = customer
    return policy


def family_members(*, customer: Customer) -> list[FamilyMember]:
    return list(FamilyMember.objects.filter(customer=customer).order_by("id"))


def coverage(*, customer: Customer, policies: list[InsurancePolicy] | None = None) -> Coverage:
    """The family's cover person by person, with the gaps: anyone without critical-illness cover, and
    no life cover for the main earner (the customer unless a family member is named)."""
    policies = policies if policies is not None else policies_of(customer=customer)
    members = family_members(customer=customer)
    earner_id = CoverageSettings.objects.filter(customer=customer).values_list("main_earner_id", flat=True).first()
    if earner_id not in {m.pk for m in members}:
        earner_id = None
    people = [Insured(name=customer.name, relation=_("Customer"), member_id=None, is_main_earner=earner_id is None)]
    people += [Insured(name=m.name, relation=m.get_relation_display(), member_id=m.pk,
                       is_main_earner=m.pk == earner_id) for m in members]
    by_member = {p.member_id: p for p in people}
    for policy in policies:
        by_member[policy.insured_member_id].policies.append(policy)
    for person in people:
        if not any(p.critical_illness or p.policy_type == PolicyType.CRITICAL_ILLNESS for p in person.policies):
            person.gaps.append(_("%(name)s has no critical-illness cover.") % {"name": person.name})
            person.gap_kinds.append(GapKind.NO_CRITICAL_ILLNESS)
        if person.is_main_earner and not any(p.policy_type == PolicyType.LIFE for p in person.policies):
            person.gaps.append(_("No life cover for the main earner, %(name)s.") % {"name": person.name})
            person.gap_kinds.append(GapKind.NO_LIFE_FOR_EARNER)
    return Coverage(people=people, main_earner_id=earner_id)


# Asset reviews -------------------------------------------------------------------------------

def reviews_of(*, customer: Customer) -> list[AssetReview]:
    return list(AssetReview.objects.filter(customer=customer).annotate(line_count=Count("lines"))
                .order_by("-on", "-id"))


def review_get(*, user: User, customer_id: int, review_id: int) -> AssetReview:
    customer = customer_get(user=user, customer_id=customer_id)
    review = AssetReview.objects.filter(customer=customer, pk=review_id).first() if _valid_id(review_id) else None
    if review is None:
        raise Http404("asset review not found")
    review.customer = customer
    return review


@dataclass(frozen=True)
class ReviewLine:
    """A holding at the review, and how its value moved since the previous review."""

    asset_class: str
    asset_class_label: str
    product: str
    institution: str
    is_ours: bool
    risk_level: str
    start_on: dt.date | None
    matures_on: dt.date | None
    value: Decimal
    previous: Decimal | None
    status: str  # "kept" | "new" | "gone"

    @property
    def change(self) -> Decimal | None:
        return None if self.previous is None else self.value - self.previous

    @property
    def is_liability(self) -> bool:
        return self.asset_class in LIABILITY_CLASSES


@dataclass(frozen=True)
class MixSlice:
    asset_class: str
    label: str
    value: Decimal
    share: Decimal  # percent of total assets, one decimal


@dataclass(frozen=True)
class TrendPoint:
    on: dt.date
    total_assets: Decimal
    net_assets: Decimal
    review_id: int


@dataclass(frozen=True)
class ReviewDetail:
    review: AssetReview
    previous: AssetReview | None
    lines: list[ReviewLine]
    mix: list[MixSlice]
    trend: list[TrendPoint]

    @property
    def change_assets(self) -> Decimal | None:
        return None if self.previous is None else self.review.total_assets - self.previous.total_assets


def _line(line: AssetReviewLine, previous: Decimal | None, status: str, value: Decimal | None = None) -> ReviewLine:
    return ReviewLine(
        asset_class=line.asset_class, asset_class_label=str(line.get_asset_class_display()), product=line.product,
        institution=line.institution, is_ours=line.is_ours, risk_level=line.risk_level, start_on=line.start_on,
        matures_on=line.matures_on, value=line.value if value is None else value, previous=previous, status=status,
    )


def review_detail(*, review: AssetReview) -> ReviewDetail:
    """The review's lines with the change since the review before it, the asset mix and the trend of
    total assets across every review up to this one."""
    earlier = AssetReview.objects.filter(customer_id=review.customer_id).filter(
        Q(on__lt=review.on)).order_by("-on", "-id")
    previous = earlier.first()
    current = list(AssetReviewLine.objects.filter(review=review).order_by("asset_class", "id"))
    before = list(AssetReviewLine.objects.filter(review=previous).order_by("asset_class", "id")) if previous else []
    before_by_holding = {b.holding_id: b for b in before if b.holding_id is not None}
    lines: list[ReviewLine] = []
    matched: set[int] = set()
    for line in current:
        prev = before_by_holding.get(line.holding_id) if line.holding_id is not None else None
        if prev is not None:
            matched.add(prev.pk)
            lines.append(_line(line, prev.value, "kept"))
        else:
            lines.append(_line(line, Decimal(0) if previous else None, "new" if previous else "kept"))
    for gone in before:
        if gone.pk not in matched:
            lines.append(_line(gone, gone.value, "gone", value=Decimal(0)))
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for line in current:
        if line.asset_class not in LIABILITY_CLASSES:
            sums[line.asset_class] += line.value
    total = sum(sums.values(), Decimal(0))
    labels = dict(AssetClass.choices)
    mix = [
        MixSlice(asset_class=key, label=str(labels[key]), value=sums[key],
                 share=(sums[key] * 100 / total).quantize(Decimal("0.1")) if total else Decimal(0))
        for key in AssetClass.values if sums.get(key)
    ]
    trend = [
        TrendPoint(on=r.on, total_assets=r.total_assets, net_assets=r.total_assets - r.total_loans, review_id=r.pk)
        for r in AssetReview.objects.filter(customer_id=review.customer_id, on__lte=review.on).order_by("on", "id")
    ]
    return ReviewDetail(review=review, previous=previous, lines=lines, mix=mix, trend=trend)


def chart_data(detail: ReviewDetail) -> dict[str, Any]:
    """What the two ECharts charts draw (amounts: only put on a page after a logged reveal)."""
    return {
        "mix": [{"name": s.label, "value": float(s.value)} for s in detail.mix],
        "trend": {
            "dates": [p.on.isoformat() for p in detail.trend],
            "assets": [float(p.total_assets) for p in detail.trend],
            "net": [float(p.net_assets) for p in detail.trend],
        },
        "labels": {"assets": _("Total assets"), "net": _("Net assets"), "mix": _("Asset mix")},
    }


# Reminders -----------------------------------------------------------------------------------

def _holdings_url(customer_id: int) -> str:
    return reverse("assets:holdings", args=[customer_id])


def maturity_reminders(user: Any, start: dt.date, end: dt.date) -> list[Reminder]:
    """Holdings of the user's customers that mature in [start, end], and a notice 30 days before each
    maturity that falls in [start + 30, end + 30] so the renewal can be prepared."""
    if end < start:
        return []
    notice = dt.timedelta(days=SOON_DAYS)
    visible = Customer.objects.visible_to(user).active()
    rows = list(
        Holding.objects.filter(customer__in=visible)
        .filter(Q(matures_on__gte=start, matures_on__lte=end) | Q(matures_on__gte=start + notice,
                                                                  matures_on__lte=end + notice))
        .order_by("matures_on", "id")
        .values_list("id", "customer_id", "customer__name", "asset_class", "product", "matures_on")[:REMINDER_CAP]
    )
    labels = dict(AssetClass.choices)
    found: list[Reminder] = []
    for _pk, customer_id, name, asset_class, product, due in rows:
        if due is None:  # excluded by the filter; keeps the type checker sure
            continue
        matures_on: dt.date = due
        what = f"{labels.get(asset_class, asset_class)} {product}"
        if start <= matures_on <= end:
            found.append(Reminder(on=matures_on, kind=MATURITY, customer_id=customer_id, url=_holdings_url(customer_id),
                                  title=_("%(name)s: %(what)s matures") % {"name": name, "what": what}))
        if start <= matures_on - notice <= end:
            found.append(Reminder(
                on=matures_on - notice, kind=MATURITY_NOTICE, customer_id=customer_id, url=_holdings_url(customer_id),
                title=_("%(name)s: %(what)s matures on %(date)s") % {"name": name, "what": what,
                                                                      "date": matures_on.isoformat()},
            ))
    return found


def reveal_values(customer: Customer) -> list[str]:
    """The clear amounts, one line per holding and policy: what the registered sensitive field reveals."""
    lines = [f"{h.get_asset_class_display()} · {h.product} · {format_money(h.amount, empty='')}" for h in holdings_of(customer=customer)]
    for p in policies_of(customer=customer):
        insured = p.insured_member.name if p.insured_member else customer.name
        lines.append(f"{p.get_policy_type_display()} · {p.product or p.insurer} · {insured} · "
                     f"{_('sum insured')} {format_money(p.sum_insured, empty='')} · {_('annual premium')} {format_money(p.premium, empty='')}")
    return lines
