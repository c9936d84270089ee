"""REST endpoints for personal-data rights: export and erase, the same services as the tab."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router
from ninja.params.functions import Path

from guanxi.accounts.http import ApiRequest
from guanxi.customers.choices import Channel
from guanxi.customers.selectors import customer_get
from guanxi.privacy import services
from guanxi.privacy.schemas import EraseIn, EraseOut, ExportQuery, PersonalDataOut

router = Router(tags=["personal data"])
CustomerId = Path(..., ge=1, le=2**63 - 1)


def _customer(request: ApiRequest, customer_id: int) -> Any:
    user = request.auth
    return customer_get(user=user, customer_id=customer_id, include_archived=user.may_restore_archived)


@router.get("/customers/{customer_id}/personal-data", response=PersonalDataOut,
            summary="Export a customer's personal data (access right; logged)")
def export_personal_data(request: ApiRequest, query: Query[ExportQuery], customer_id: int = CustomerId) -> dict[str, Any]:
    return services.personal_data_export(
        actor=request.auth, customer=_customer(request, customer_id), requested_by=query.requested_by,
        reason=query.reason, ticket=query.ticket, channel=Channel.API,
    )


@router.post("/customers/{customer_id}/erase", response=EraseOut,
             summary="Erase a customer's personal data (deletion right; cannot be undone)")
def erase_customer(request: ApiRequest, payload: EraseIn, customer_id: int = CustomerId) -> dict[str, Any]:
    record = services.customer_erase(
        actor=request.auth, customer=_customer(request, customer_id), confirm_name=payload.confirm_name,
        requested_by=payload.requested_by, reason=payload.reason, ticket=payload.ticket, channel=Channel.API,
    )
    return {"id": record.pk, "customer_id": record.customer_id, "kind": record.kind, "at": record.at,
            "done_by": str(record.done_by), "summary": record.summary}
