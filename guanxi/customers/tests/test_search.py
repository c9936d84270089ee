import pytest

from guanxi.customers.selectors import CustomerFilters, customer_offset_page, customer_page


@pytest.fixture
def people(make_customer):
    return {
        "zhangsan": make_customer("张三", phones=["13812341234"], code="SH-0001"),
        "zhangwei": make_customer("张伟强", phones=["13900005678"]),
        "shan": make_customer("单田芳"),
        "ouyang": make_customer("欧阳修"),
        "zeng": make_customer("曾国藩"),
        "shop": make_customer("上海浦东张江便利店", kind="organization", phones=["021-5080 1234"]),
        "li": make_customer("李四", email="lisi@example.com"),
    }


def names(user, q: str, **filters) -> list[str]:
    page = customer_page(user=user, filters=CustomerFilters(q=q, **filters), limit=50)
    return [c.name for c in page.items]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("张三", ["张三"]),
        ("张伟", ["张伟强"]),
        ("伟强", ["张伟强"]),
        ("张", ["上海浦东张江便利店", "张三", "张伟强"]),
        ("zhangsan", ["张三"]),
        ("ZhangSan", ["张三"]),
        ("zhang san", ["张三"]),
        ("zs", ["张三"]),
        ("ＺＳ", ["张三"]),
        ("zwq", ["张伟强"]),
        ("shantianfang", ["单田芳"]),
        ("dantianfang", ["单田芳"]),
        ("stf", ["单田芳"]),
        ("ouyang", ["欧阳修"]),
        ("oyx", ["欧阳修"]),
        ("zengguofan", ["曾国藩"]),
        ("zgf", ["曾国藩"]),
        ("1234", ["上海浦东张江便利店", "张三"]),
        ("138 1234", ["张三"]),
        ("+86 138-1234-1234", ["张三"]),
        ("１３８１２３４", ["张三"]),
        ("5080", ["上海浦东张江便利店"]),
        ("sh-0001", ["张三"]),
        ("便利店", ["上海浦东张江便利店"]),
        ("bld", ["上海浦东张江便利店"]),
        ("lisi@example", ["李四"]),
        ("没有这个人", []),
        ("xyzq", []),
    ],
)
def test_one_search_box_finds_by_name_pinyin_phone_and_code(org, people, q, expected) -> None:
    assert names(org.admin, q) == expected


def test_list_sorts_by_pinyin(org, people) -> None:
    assert names(org.admin, "") == ["李四", "欧阳修", "单田芳", "上海浦东张江便利店", "曾国藩", "张三", "张伟强"]
    page = customer_page(user=org.admin, filters=CustomerFilters(), sort="-name", limit=3)
    assert [c.name for c in page.items] == ["张伟强", "张三", "曾国藩"]


def test_keyset_paging_walks_forward_and_back(org, make_customer) -> None:
    for i in range(7):
        make_customer(f"客户{i}", code=f"K{i}")
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        page = customer_page(user=org.admin, filters=CustomerFilters(), sort="code", cursor=cursor, limit=3)
        seen += [c.code for c in page.items]
        cursor = page.next_cursor
        assert page.count.value == 7 and page.count.exact
    assert seen == [f"K{i}" for i in range(7)]
    assert cursor is None
    second = customer_page(user=org.admin, filters=CustomerFilters(), sort="code", limit=3)
    third = customer_page(user=org.admin, filters=CustomerFilters(), sort="code", cursor=second.next_cursor, limit=3)
    back = customer_page(user=org.admin, filters=CustomerFilters(), sort="code", cursor=third.prev_cursor, limit=3)
    assert [c.code for c in back.items] == ["K0", "K1", "K2"]


def test_descending_keyset_paging(org, make_customer) -> None:
    for i in range(5):
        make_customer(f"客户{i}", code=f"K{i}")
    first = customer_page(user=org.admin, filters=CustomerFilters(), sort="-code", limit=2)
    second = customer_page(user=org.admin, filters=CustomerFilters(), sort="-code", cursor=first.next_cursor, limit=2)
    assert [c.code for c in first.items + second.items] == ["K4", "K3", "K2", "K1"]


def test_tampered_cursor_starts_from_the_top(org, make_customer) -> None:
    make_customer("张三")
    page = customer_page(user=org.admin, filters=CustomerFilters(), cursor="!!not-a-cursor", limit=5)
    assert [c.name for c in page.items] == ["张三"]


def test_count_is_capped_above_the_limit(org, make_customer, settings) -> None:
    settings.GUANXI_LIST_COUNT_CAP = 3
    for i in range(5):
        make_customer(f"客户{i}")
    page = customer_page(user=org.admin, filters=CustomerFilters(), limit=2)
    assert not page.count.exact
    assert page.count.value >= 4


def test_filters(org, people, make_customer) -> None:
    vip = make_customer("王五", importance="A", tags=["VIP"], store_id=org.store.pk)
    tag_id = vip.tags.get().pk
    assert names(org.admin, "", importance="A") == ["王五"]
    assert names(org.admin, "", tag_id=tag_id) == ["王五"]
    assert names(org.admin, "", store_id=org.store.pk) == ["王五"]
    assert names(org.admin, "", kind="organization") == ["上海浦东张江便利店"]
    assert names(org.admin, "", owner_id=org.teammate.pk) == []


def test_offset_paging(org, people) -> None:
    items, count = customer_offset_page(user=org.admin, filters=CustomerFilters(), offset=5, limit=5)
    assert [c.name for c in items] == ["张三", "张伟强"]
    assert (count.value, count.exact) == (7, True)


def test_token_walk_pages_like_the_plain_list(org, make_customer) -> None:
    for name in ["张一", "张二", "张三", "章四", "王五", "张六", "周七"]:
        make_customer(name)
    expected = [c.name for c in customer_page(user=org.admin, filters=CustomerFilters(q="zh"), limit=50).items]
    assert expected == ["张二", "张六", "张三", "章四", "张一", "周七"]
    seen, cursor = [], None
    while True:
        page = customer_page(user=org.admin, filters=CustomerFilters(q="zh"), cursor=cursor, limit=2)
        seen += [c.name for c in page.items]
        assert page.count.value == 6
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    back = customer_page(user=org.admin, filters=CustomerFilters(q="zh"), cursor=page.prev_cursor, limit=2)
    assert [c.name for c in back.items] == ["张三", "章四"]
    # the rep's path (no token walk) agrees
    assert [c.name for c in customer_page(user=org.owner, filters=CustomerFilters(q="zh")).items] == expected


def test_renaming_moves_the_token_sort_key(org, make_customer) -> None:
    from guanxi.customers.models import SearchToken
    from guanxi.customers.services import customer_update

    customer = make_customer("张三")
    customer_update(actor=org.owner, customer=customer, version=1, data={"name": "王三"})
    assert set(SearchToken.objects.filter(customer=customer).values_list("name_sort", flat=True)) == {"wang san 王三"}


def test_search_count_says_more_than_the_cap(org, make_customer, settings, client, monkeypatch) -> None:
    from guanxi.customers import views
    from guanxi.testing.base import login

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    org.admin.language = "en"
    org.admin.save()
    settings.GUANXI_SEARCH_COUNT_CAP = 3
    for i in range(6):
        make_customer(f"张{i}", code=f"Z{i}")
    page = customer_page(user=org.admin, filters=CustomerFilters(q="张"), limit=2)
    assert (page.count.value, page.count.exact) == (4, False)
    login(client, org.admin)
    html = client.get("/customers/", {"q": "张"}, headers={"HX-Request": "true"}).content.decode()
    assert "more than 3 customers" in html


def test_admin_substring_search_pages_in_the_search_rows(org, make_customer) -> None:
    from guanxi.customers.services import customer_archive, customer_restore, customer_update

    made = [make_customer(name, phones=[f"1380000{i:04d}"]) for i, name in enumerate(["张一", "李二", "王三", "赵四", "钱五"])]
    customer_archive(actor=org.owner, customer=made[1])
    customer_update(actor=org.owner, customer=made[2], version=1, data={"name": "阿三"})
    expected = ["阿三", "钱五", "张一", "赵四"]
    assert names(org.admin, "13800") == expected
    seen, cursor = [], None
    while True:
        page = customer_page(user=org.admin, filters=CustomerFilters(q="13800"), cursor=cursor, limit=3)
        seen += [c.name for c in page.items]
        assert page.count.value == 4
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == expected
    assert [c.name for c in customer_page(user=org.owner, filters=CustomerFilters(q="13800")).items] == expected
    customer_restore(actor=org.admin, customer=made[1])
    assert names(org.admin, "13800") == ["阿三", "李二", "钱五", "张一", "赵四"]
