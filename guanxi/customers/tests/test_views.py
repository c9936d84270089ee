import pytest
from django.test import Client
from django.utils import translation

from guanxi.customers.models import AccessLog, Customer
from guanxi.testing.base import login

pytestmark = pytest.mark.django_db


def test_login_required(client: Client, org) -> None:
    response = client.get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_home_shows_real_figures(client, org, make_customer) -> None:
    make_customer("张三", importance="A")
    make_customer("李四", importance="C")
    make_customer("王五", actor=org.outsider)
    html = login(client, org.owner).get("/").content.decode()
    assert 'data-figure="total">2<' in html
    assert 'data-figure="mine">2<' in html
    assert 'data-figure="importance-A">1<' in html
    assert 'data-figure="importance-B">0<' in html
    html = login(client, org.admin).get("/").content.decode()
    assert 'data-figure="total">3<' in html and 'data-figure="mine">0<' in html


def test_list_search_full_page_and_htmx_partial(client, org, make_customer) -> None:
    make_customer("张三")
    make_customer("李四")
    login(client, org.owner)
    page = client.get("/customers/", {"q": "zs"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and "张三" in html and "李四" not in html
    partial = client.get("/customers/", {"q": "ls"}, headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and "李四" in partial.content.decode()


def test_list_rejects_garbled_query(client, org) -> None:
    login(client, org.owner)
    with translation.override("en"):
        response = client.get("/customers/?q=%ff%fe", headers={"Accept-Language": "en"})
    assert response.status_code == 400


def test_list_masks_phones(client, org, make_customer) -> None:
    make_customer("张三", phones=["13812341234"])
    html = login(client, org.owner).get("/customers/").content.decode()
    assert "138****1234" in html and "13812341234" not in html


def test_create_customer_through_the_form(client, org) -> None:
    login(client, org.owner)
    assert client.get("/customers/new/").status_code == 200
    response = client.post("/customers/new/", {
        "kind": "person", "name": "张三", "phones": "138 1234 1234，13900001111", "importance": "A",
        "birthday_calendar": "solar", "tags": "VIP, 老客户", "owner": org.owner.pk,
    })
    customer = Customer.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert customer.phones == ["13812341234", "13900001111"]
    assert sorted(t.name for t in customer.tags.all()) == ["VIP", "老客户"]


def test_form_errors_keep_the_user_input_and_save_nothing(client, org) -> None:
    login(client, org.owner)
    response = client.post("/customers/new/", {
        "kind": "person", "name": "  ", "email": "bad", "importance": "A", "birthday_calendar": "solar",
        "notes": "x" * 10_000,
    })
    assert response.status_code == 422
    assert Customer.objects.count() == 0
    assert set(response.context["form"].errors) == {"name", "notes"}


def test_htmx_field_validation(client, org, make_customer) -> None:
    make_customer("张三", code="A-1")
    login(client, org.owner)
    form = {"kind": "person", "name": "李四", "importance": "B", "birthday_calendar": "solar"}
    ok = client.post("/customers/validate/?field=email", {**form, "email": "x@example.com"})
    assert ok.content.decode().strip() == ""
    bad = client.post("/customers/validate/?field=email", {**form, "email": "bad"})
    assert "<div>" in bad.content.decode()
    taken = client.post("/customers/validate/?field=code", {**form, "code": "A-1"})
    assert "A-1" in taken.content.decode()
    assert Customer.objects.count() == 1


def test_edit_with_stale_version_shows_a_message(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    login(client, org.owner)
    form = client.get(f"/customers/{customer.pk}/edit/").context["form"]
    assert form.initial["phones"] == "138****1234"
    data = {"kind": "person", "name": "张三丰", "importance": "B", "birthday_calendar": "solar",
            "phones": "138****1234", "version": 1, "owner": org.owner.pk}
    assert client.post(f"/customers/{customer.pk}/edit/", data).status_code == 302
    stale = client.post(f"/customers/{customer.pk}/edit/", {**data, "name": "张无忌"})
    assert stale.status_code == 422
    fresh = Customer.objects.get()
    assert (fresh.name, fresh.phones, fresh.version) == ("张三丰", ["13812341234"], 2)


def test_detail_tabs_and_reveal(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    login(client, org.owner)
    html = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "138****1234" in html and "reveal-phones" not in html
    assert client.post(f"/customers/{customer.pk}/reveal/phones/").status_code == 403
    assert client.get(f"/customers/{customer.pk}/tab/timeline/").status_code == 200
    assert client.get(f"/customers/{customer.pk}/tab/nope/").status_code == 404
    login(client, org.manager)
    assert "reveal-phones" in client.get(f"/customers/{customer.pk}/").content.decode()
    revealed = client.post(f"/customers/{customer.pk}/reveal/phones/")
    assert "13812341234" in revealed.content.decode()
    assert AccessLog.objects.filter(user=org.manager, channel="ui").count() == 1
    assert "manager" in client.get(f"/customers/{customer.pk}/tab/access/").content.decode()


def test_archive_and_restore_pages(client, org, make_customer) -> None:
    customer = make_customer("张三")
    login(client, org.owner)
    assert client.post(f"/customers/{customer.pk}/archive/").status_code == 302
    assert client.get(f"/customers/{customer.pk}/").status_code == 404
    client.post(f"/customers/{customer.pk}/restore/")
    assert Customer.objects.get().archived_at is not None
    login(client, org.admin)
    assert client.get("/customers/", {"archived": "on"}).status_code == 200
    assert client.post(f"/customers/{customer.pk}/restore/").status_code == 302
    assert Customer.objects.get().archived_at is None


@pytest.mark.outsider("customers:detail", "customers:edit", "customers:tab", "customers:reveal", "customers:archive",
                      "customers:restore", "customers:list", "customers:validate")
def test_outsider_gets_404_everywhere_and_nothing_changes(client, org, make_customer) -> None:
    customer = make_customer("张三", phones=["13812341234"])
    for user in (org.outsider, org.teammate):
        login(client, user)
        pk = customer.pk
        assert client.get(f"/customers/{pk}/").status_code == 404
        assert client.get(f"/customers/{pk}/edit/").status_code == 404
        assert client.post(f"/customers/{pk}/edit/", {"name": "x", "kind": "person", "importance": "A",
                                                     "birthday_calendar": "solar", "version": 1}).status_code == 404
        assert client.get(f"/customers/{pk}/tab/profile/").status_code == 404
        assert client.post(f"/customers/{pk}/reveal/phones/").status_code == 404
        assert client.post(f"/customers/{pk}/archive/").status_code == 404
        assert client.post(f"/customers/{pk}/restore/").status_code == 404
        assert client.post(f"/customers/validate/?field=name&customer={pk}", {"name": "x"}).status_code == 404
        assert "张三" not in client.get("/customers/", {"q": "zs"}).content.decode()
    fresh = Customer.objects.get()
    assert (fresh.name, fresh.version, fresh.archived_at) == ("张三", 1, None)
    assert AccessLog.objects.count() == 0


@pytest.mark.outsider("customers:create", "home")
def test_outsider_cannot_assign_customers_to_others(client, org, make_customer) -> None:
    make_customer("张三")
    login(client, org.outsider)
    assert "张三" not in client.get("/").content.decode()
    response = client.post("/customers/new/", {"kind": "person", "name": "李四", "importance": "A",
                                               "birthday_calendar": "solar", "owner": org.owner.pk})
    assert response.status_code == 422
    assert Customer.objects.count() == 1
