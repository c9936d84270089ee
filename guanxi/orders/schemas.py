"""Input and output shapes of the orders API, one pair per endpoint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from guanxi.core.schemas import CleanStr, StrictModel

ChannelLiteral = Literal["store", "online", "phone", "distributor"]
StatusLiteral = Literal["placed", "paid", "shipped", "delivered", "cancelled"]
KindLiteral = Literal["sale", "return"]


class LineIn(StrictModel):
    product_code: CleanStr = Field(..., min_length=1, max_length=50)
    quantity: Decimal = Field(..., max_digits=14, decimal_places=3, description="negative on a return")
    unit_price: Decimal = Field(..., ge=0, max_digits=14, decimal_places=2)
    discount: Decimal = Field(Decimal(0), max_digits=14, decimal_places=2)
    amount: Decimal | None = Field(None, max_digits=14, decimal_places=2,
                                   description="defaults to quantity × unit price − discount")


class OrderIn(StrictModel):
    source: CleanStr = Field(..., min_length=1, max_length=50, description="the sending system, e.g. pos-shanghai")
    external_id: CleanStr = Field(..., min_length=1, max_length=100, description="the order's id in that system")
    customer_code: CleanStr = Field(..., min_length=1, max_length=50)
    customer_name: CleanStr = Field("", max_length=200, description="used when unknown customers are created")
    store_code: CleanStr = Field("", max_length=50)
    channel: ChannelLiteral = "store"
    kind: KindLiteral = "sale"
    status: StatusLiteral = "placed"
    ordered_at: dt.datetime = Field(..., description="without a zone it is read as China time")
    original_external_id: CleanStr = Field("", max_length=100, description="a return's original order (same source)")
    lines: list[LineIn] = Field(..., min_length=1, max_length=1000)


class OrdersBulkIn(StrictModel):
    orders: list[OrderIn] = Field(..., min_length=1, max_length=10_000)
    unknown_customers: Literal["reject", "create"] = "reject"


class FieldError(Schema):
    field: str | None
    message: str


class FailedOrderOut(Schema):
    index: int
    source: str
    external_id: str
    errors: list[FieldError]


class OrdersBulkOut(Schema):
    created: int
    updated: int
    unchanged: int = Field(..., description="re-sent orders identical to what is stored: not written again")
    lines: int
    customers: int = Field(..., description="purchase summaries recomputed")
    failed: list[FailedOrderOut]


class LineOut(Schema):
    line_no: int
    product_id: int
    product_code: str
    product_name: str
    quantity: Decimal
    unit_price: Decimal
    discount: Decimal
    amount: Decimal


class OrderOut(Schema):
    id: int
    customer_id: int
    store_id: int | None
    channel: str
    source: str
    external_id: str
    kind: str
    original_id: int | None
    ordered_at: dt.datetime
    ordered_on: dt.date
    status: str
    line_count: int
    total_quantity: Decimal
    total_discount: Decimal
    total_amount: Decimal


class OrderDetailOut(OrderOut):
    lines: list[LineOut]


class OrderListOut(Schema):
    items: list[OrderOut]
    next_before: int | None


class OrderQuery(Schema):
    customer_id: int | None = Field(None, ge=1, le=2**63 - 1)
    store_id: int | None = Field(None, ge=1, le=2**63 - 1)
    status: StatusLiteral | None = None
    before: int | None = Field(None, ge=1, le=2**63 - 1, description="next_before of the previous page")
    limit: int = Field(50, ge=1, le=200)


class StatusLinkOut(Schema):
    url: str
    expires_in_days: int


class SummaryOut(Schema):
    customer_id: int
    first_purchase_at: dt.datetime | None
    last_purchase_at: dt.datetime | None
    orders_count: int
    purchase_days: int
    repeat_day_spend: Decimal
    sales_amount: Decimal
    returns_count: int
    returns_amount: Decimal
    quantity: Decimal
    amount: Decimal
    margin: Decimal
    average_order_value: Decimal | None
    average_unit_price: Decimal | None
    top_category_ids: list[int]
    main_store_id: int | None


class CategoryIn(StrictModel):
    code: CleanStr = Field(..., min_length=1, max_length=50, pattern=r"^[-a-zA-Z0-9_]+$")
    name: CleanStr = Field(..., min_length=1, max_length=100)
    parent_id: int | None = Field(None, ge=1, le=2**63 - 1)


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    parent_id: int | None


class ProductIn(StrictModel):
    code: CleanStr = Field(..., min_length=1, max_length=50)
    name: CleanStr = Field(..., min_length=1, max_length=200)
    category_id: int | None = Field(None, ge=1, le=2**63 - 1)
    spec: CleanStr = Field("", max_length=100)
    colour: CleanStr = Field("", max_length=50)
    unit: CleanStr = Field("", max_length=20)
    list_price: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    cost: Decimal = Field(Decimal(0), ge=0, max_digits=14, decimal_places=2)
    active: bool = True


class ProductPatch(StrictModel):
    """Changes to a product; send the `version` you read — a stale one gets 409."""

    version: int = Field(ge=1, le=2**31 - 1)
    code: CleanStr | None = Field(None, min_length=1, max_length=50)
    name: CleanStr | None = Field(None, min_length=1, max_length=200)
    category_id: int | None = Field(None, ge=1, le=2**63 - 1)
    spec: CleanStr | None = Field(None, max_length=100)
    colour: CleanStr | None = Field(None, max_length=50)
    unit: CleanStr | None = Field(None, max_length=20)
    list_price: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    cost: Decimal | None = Field(None, ge=0, max_digits=14, decimal_places=2)
    active: bool | None = None


class ProductOut(Schema):
    id: int
    code: str
    name: str
    category_id: int | None
    spec: str
    colour: str
    unit: str
    list_price: Decimal
    cost: Decimal
    active: bool
    version: int


class ProductQuery(Schema):
    q: CleanStr = Field("", max_length=100)
    category_id: int | None = Field(None, ge=1, le=2**63 - 1)
    active: bool | None = None
    limit: int = Field(100, ge=1, le=500)


class StoreSalesOut(Schema):
    store_id: int
    sales: Decimal
    returns: Decimal
    orders: int
    customers: int
    months: list[str]
    amounts: list[float]
