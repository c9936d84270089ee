from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from guanxi.assets import services
from guanxi.assets.models import HoldingSnapshot


@pytest.fixture
def wealthy(org: Any, make_customer: Any) -> Any:
    """王大伟, the owner's customer: a deposit (matures in 10 days), a fund, a loan, valued last quarter and today."""
    customer = make_customer("王大伟")
    today = timezone.localdate()
    deposit = services.holding_create(actor=org.owner, customer=customer, data={
        "asset_class": "deposit", "product": "大额存单 3年", "amount": "300000", "start_on": today - dt.timedelta(days=700),
        "matures_on": today + dt.timedelta(days=10), "risk_level": "R1"})
    fund = services.holding_create(actor=org.owner, customer=customer, data={
        "asset_class": "fund", "product": "易方达蓝筹精选", "institution": "招商银行", "is_ours": False,
        "amount": "100000", "risk_level": "R3"})
    loan = services.holding_create(actor=org.owner, customer=customer, data={
        "asset_class": "loan", "product": "住房按揭贷款", "amount": "50000"})
    # Back-date the first values to last quarter, so a review then and one today can be compared.
    HoldingSnapshot.objects.update(on=today - dt.timedelta(days=90))
    services.snapshot_record(actor=org.owner, holding=fund, data={"on": today, "value": Decimal("120000")})
    customer.test_holdings = {"deposit": deposit, "fund": fund, "loan": loan}
    return customer
