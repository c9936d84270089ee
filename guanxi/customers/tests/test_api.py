import json

import pytest
from django.test import Client

from guanxi.customers.models import AccessLog, Customer
from guanxi.testing.base import bearer

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def api(client: Client, user, method: str, path: str, body=None, **extra):
    headers = bearer(client, user)
    kwargs = {"content_type": "application/json"} if body is not None else {}
    data = json.dumps(body) if body is not None else None
    call = getattr(client, method)
    return call(f"/api/v1{path}", data=data, headers=headers, **kwargs, **extra) if data is not None else call(
        f"/api/v1{path}", headers=headers, **extra
    )


def test_token_with_wrong_password_is_401(client, org) -> None:
    response = client.post("/api/v1/auth/token", {"username": "owner", "password": "nope"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["errors"][0]["field"] is None


def test_requests_without_token_are_401(client, org) -> None:
    response = client.get("/api/v1/customers")
    assert response.status_code == 401
    response = client.get("/api/v1/customers", headers={"Authorization": "Bearer gx_wrong"})
    assert response.status_code == 401


def test_create_list_get_patch_delete(client, org) -> None:
    created = api(client, org.owner, "post", "/customers", {"name": "张三", "phones": ["13812341234"], "tags": ["VIP"]})
    assert created.status_code == 201
    body = created.json()
    assert body["phones"] == ["138****1234"]
    assert body["owner"]["username"] == "owner"
    assert body["version"] == 1
    cid = body["id"]

    listed = api(client, org.owner, "get", "/customers?q=zs")
    assert listed.json()["count"] == 1 and listed.json()["count_exact"] is True
    assert [c["id"] for c in listed.json()["items"]] == [cid]

    patched = api(client, org.owner, "patch", f"/customers/{cid}", {"version": 1, "importance": "A"})
    assert patched.status_code == 200
    assert (patched.json()["importance"], patched.json()["version"]) == ("A", 2)

    stale = api(client, org.owner, "patch", f"/customers/{cid}", {"version": 1, "importance": "C"})
    assert stale.status_code == 409
    assert stale.json()["errors"][0]["field"] == "version"
    assert Customer.objects.get(pk=cid).importance == "A"

    deleted = api(client, org.owner, "delete", f"/customers/{cid}")
    assert deleted.status_code == 200 and deleted.json()["archived_at"]
    assert api(client, org.owner, "get", f"/customers/{cid}").status_code == 404
    assert api(client, org.owner, "post", f"/customers/{cid}/restore", {}).status_code == 403
    restored = api(client, org.admin, "post", f"/customers/{cid}/restore", {})
    assert restored.status_code == 200 and restored.json()["archived_at"] is None


def test_reveal_is_permitted_for_manager_and_logged(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    denied = api(client, org.owner, "post", f"/customers/{customer.pk}/reveal", {"field": "phones"})
    assert denied.status_code == 403
    assert AccessLog.objects.count() == 0
    shown = api(client, org.manager, "post", f"/customers/{customer.pk}/reveal", {"field": "phones"})
    assert shown.status_code == 200
    assert shown.json() == {"field": "phones", "value": ["13812341234"]}
    assert AccessLog.objects.filter(user=org.manager, customer=customer, field="phones", channel="api").count() == 1
    unknown = api(client, org.manager, "post", f"/customers/{customer.pk}/reveal", {"field": "salary"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "field"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "   "}, "name"),
        ({"name": "张三", "phones": ["abc"]}, "phones"),
        ({"name": "张三", "email": "x@"}, "email"),
        ({"name": "张三", "owner_id": 999999}, "owner"),
        ({"name": "张三", "notes": "x" * 10_000}, "notes"),
        ({"name": "张\u0000三"}, "name"),
        ({"name": "张三", "importance": "Z"}, "importance"),
        ({"name": "张三", "unknown": 1}, "unknown"),
        ({}, "name"),
        ({"name": "张三", "birthday": "2024-02-30"}, "birthday"),
    ],
)
def test_bad_input_gets_field_errors_and_saves_nothing(client, org, body, field) -> None:
    response = api(client, org.owner, "post", "/customers", body, **EN)
    assert response.status_code == 422, response.content
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert all(e["message"] for e in errors)
    assert Customer.objects.count() == 0


def test_errors_are_translated(client, org) -> None:
    org.owner.language = "zh-hans"
    org.owner.save()
    response = api(client, org.owner, "post", "/customers", {"name": "   "})
    assert response.json()["errors"] == [{"field": "name", "message": "这个字段是必填项。"}]


def test_duplicate_code_is_a_field_error(client, org, make_customer) -> None:
    make_customer("张三", code="A-1")
    response = api(client, org.owner, "post", "/customers", {"name": "李四", "code": "A-1"}, **EN)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "code"


def test_garbage_never_produces_a_server_error(client, org, settings) -> None:
    headers = bearer(client, org.owner)
    cases = [
        client.generic("POST", "/api/v1/customers", b'{"name": "\xff\xfe"}', content_type="application/json", headers=headers),
        client.generic("POST", "/api/v1/customers", b"not json", content_type="application/json", headers=headers),
        client.generic("POST", "/api/v1/customers", b'{"name": "\\ud800"}', content_type="application/json", headers=headers),
        client.generic("POST", "/api/v1/customers", b"[1, 2]", content_type="application/json", headers=headers),
        client.get("/api/v1/customers?q=%00", headers=headers),
        client.get("/api/v1/customers?q=%ff%fe", headers=headers),
        client.get("/api/v1/customers?limit=99999999999999999999", headers=headers),
        client.get("/api/v1/customers/99999999999999999999999", headers=headers),
        client.get("/api/v1/customers?cursor=%%%", headers=headers),
    ]
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    cases.append(
        client.generic("POST", "/api/v1/customers", json.dumps({"name": "x" * 5000}), content_type="application/json", headers=headers)
    )
    statuses = [r.status_code for r in cases]
    bad = [(s, r.content[:200]) for s, r in zip(statuses, cases, strict=True) if not 400 <= s < 500]
    assert bad == []
    assert all("errors" in r.json() for r in cases)
    assert statuses[-1] == 413
    assert Customer.objects.count() == 0


def test_offset_and_cursor_paging(client, org, make_customer) -> None:
    for i in range(5):
        make_customer(f"客户{i}", code=f"K{i}")
    first = api(client, org.owner, "get", "/customers?sort=code&limit=2").json()
    assert [c["code"] for c in first["items"]] == ["K0", "K1"] and first["next_cursor"]
    second = api(client, org.owner, "get", f"/customers?sort=code&limit=2&cursor={first['next_cursor']}").json()
    assert [c["code"] for c in second["items"]] == ["K2", "K3"]
    offset = api(client, org.owner, "get", "/customers?sort=code&limit=2&offset=4").json()
    assert [c["code"] for c in offset["items"]] == ["K4"] and offset["count"] == 5


@pytest.mark.outsider("GET /customers/{customer_id}", "PATCH /customers/{customer_id}", "DELETE /customers/{customer_id}",
                      "POST /customers/{customer_id}/reveal", "POST /customers/{customer_id}/restore", "GET /customers")
def test_outsider_gets_404_and_changes_nothing(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    for user in (org.outsider, org.teammate):
        assert api(client, user, "get", f"/customers/{customer.pk}").status_code == 404
        assert api(client, user, "patch", f"/customers/{customer.pk}", {"version": 1, "name": "x"}).status_code == 404
        assert api(client, user, "delete", f"/customers/{customer.pk}").status_code == 404
        assert api(client, user, "post", f"/customers/{customer.pk}/reveal", {"field": "phones"}).status_code == 404
        assert api(client, user, "post", f"/customers/{customer.pk}/restore", {}).status_code == 404
        assert api(client, user, "get", "/customers?q=zs").json() == {
            "items": [], "count": 0, "count_exact": True, "next_cursor": None
        }
    fresh = Customer.objects.get(pk=customer.pk)
    assert (fresh.name, fresh.version, fresh.archived_at) == ("张三", 1, None)
    assert AccessLog.objects.count() == 0


@pytest.mark.outsider("POST /customers")
def test_outsider_cannot_create_customers_for_others(client, org) -> None:
    response = api(client, org.outsider, "post", "/customers", {"name": "张三", "owner_id": org.owner.pk})
    assert response.status_code == 422
    assert Customer.objects.count() == 0


@pytest.mark.outsider("GET /departments", "GET /stores", "GET /users")
def test_organization_endpoints_are_scoped(client, org) -> None:
    assert [d["code"] for d in api(client, org.owner, "get", "/departments").json()] == ["sales-1"]
    assert {d["code"] for d in api(client, org.manager, "get", "/departments").json()} == {"sales", "sales-1"}
    assert len(api(client, org.admin, "get", "/departments").json()) == 4
    assert [s["code"] for s in api(client, org.outsider, "get", "/stores").json()] == ["gz"]
    assert [u["username"] for u in api(client, org.outsider, "get", "/users").json()] == ["outsider"]
    assert {u["username"] for u in api(client, org.manager, "get", "/users").json()} == {"manager", "owner", "teammate"}


def test_list_output_matches_its_published_schema(client, org, make_customer) -> None:
    import datetime as dt

    from guanxi.customers.schemas import CustomerListOut

    make_customer("张三", phones=["13812341234"], tags=["VIP"], birthday=dt.date(1990, 2, 14), birthday_calendar="lunar",
                  store_id=org.store.pk)
    make_customer("上海便利店", kind="organization")
    body = api(client, org.owner, "get", "/customers").json()
    parsed = CustomerListOut.model_validate(body)
    assert set(body) == set(CustomerListOut.model_fields)
    for raw, item in zip(body["items"], parsed.items, strict=True):
        assert set(raw) == set(type(item).model_fields)
    person = next(i for i in parsed.items if i.kind == "person")
    assert person.lunar_birthday is not None
    assert (person.lunar_birthday.month, person.lunar_birthday.day, person.lunar_birthday.leap) == (1, 19, False)
    assert (person.phones, person.tags, person.store and person.store.name) == (["138****1234"], ["VIP"], "上海店")
