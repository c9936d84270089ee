import datetime as dt

import pytest
from django.utils import timezone

from guanxi.accounts.models import ApiToken
from guanxi.accounts.services import api_token_create, api_token_user
from guanxi.testing.base import PASSWORD, login

pytestmark = pytest.mark.django_db


def test_language_switch_persists_on_the_user(client, org) -> None:
    login(client, org.owner)
    assert client.get("/").headers["Content-Language"] == "zh-hans"
    client.post("/language/", {"language": "en", "next": "/customers/"})
    org.owner.refresh_from_db()
    assert org.owner.language == "en"
    client.logout()
    login(client, org.owner)
    response = client.get("/")
    assert response.headers["Content-Language"] == "en"
    assert "My customers" in response.content.decode()


def test_language_switch_rejects_unknown_language_and_foreign_redirects(client, org) -> None:
    login(client, org.owner)
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    org.owner.refresh_from_db()
    assert org.owner.language == ""


def test_anonymous_default_is_simplified_chinese(client) -> None:
    response = client.get("/accounts/login/", headers={"Accept-Language": "en-US"})
    assert response.headers["Content-Language"] == "zh-hans"


@pytest.mark.outsider("accounts:organization")
def test_organization_page_is_scoped(client, org) -> None:
    html = login(client, org.outsider).get("/organization/").content.decode()
    assert "县级营销部" in html and "销售一组" not in html and "广州店" in html and "上海店" not in html
    html = login(client, org.admin).get("/organization/").content.decode()
    assert "销售一组" in html and "上海店" in html


def test_tokens_expire_and_are_stored_hashed(org) -> None:
    raw = api_token_create(username="owner", password=PASSWORD)
    assert raw and raw.startswith("gx_")
    token = ApiToken.objects.get()
    assert raw not in token.digest
    assert api_token_user(raw=raw) == org.owner
    ApiToken.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert api_token_user(raw=raw) is None
    assert api_token_create(username="owner", password="wrong") is None


def test_health(client, db) -> None:
    assert client.get("/health/").json()["status"] == "ok"
