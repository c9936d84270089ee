import datetime as dt

import pytest

from guanxi.customers.models import ChangeEntry, Customer, CustomerSearch, SearchToken
from guanxi.imports import services
from guanxi.imports.choices import JobState
from guanxi.imports.models import ImportRow, RowError
from guanxi.imports.tests.helpers import csv_bytes, run, upload

pytestmark = pytest.mark.django_db

HEADER = ["客户编码", "姓名", "手机", "生日", "标签", "重要程度", "性别"]


def test_create_then_rerun_changes_nothing(org) -> None:
    content = csv_bytes([HEADER, ["K001", "张三", "+86 138-1234-1234", "2024年3月5日", "VIP、老客户", "A", "男"],
                         ["K002", "李四", "139 1234 1234", "1990/3/5", "", "重要客户", "女"]])
    job = run(org.owner, content)
    assert (job.state, job.created_count, job.updated_count, job.invalid_rows) == (JobState.DONE, 2, 0, 0)
    zhang = Customer.objects.get(code="K001")
    assert zhang.phones == ["13812341234"]
    assert zhang.birthday == dt.date(2024, 3, 5)
    assert sorted(t.name for t in zhang.tags.all()) == ["VIP", "老客户"]
    assert (zhang.importance, zhang.gender, zhang.owner, zhang.department) == ("A", "male", org.owner, org.team)
    assert zhang.name_sort.startswith("zhang san")
    assert CustomerSearch.objects.get(customer=zhang).doc.startswith("张三|zhangsan|zs|k001|13812341234")
    assert set(SearchToken.objects.filter(customer=zhang).values_list("token", flat=True)) >= {"张三", "zs", "zh"}
    entries = set(ChangeEntry.objects.filter(customer=zhang).values_list("field", "new_value", "channel"))
    assert ("phones", "13812341234", "import") in entries and ("tags", "VIP, 老客户", "import") in entries
    versions = dict(Customer.objects.values_list("code", "version"))
    ledger_count = ChangeEntry.objects.count()

    again = run(org.owner, content)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert dict(Customer.objects.values_list("code", "version")) == versions
    assert ChangeEntry.objects.count() == ledger_count


def test_update_by_code_and_phone_bumps_version_and_writes_ledger(org, make_customer) -> None:
    first = make_customer("王五", code="W1", phones=["13700000001"])
    second = make_customer("赵六", phones=["13700000002"])
    content = csv_bytes([["编号", "电话", "地址"], ["W1", "", "北京"], ["", "137 0000 0002", "上海"]])
    job = run(org.owner, content, mode="update")
    assert (job.created_count, job.updated_count) == (0, 2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.address, first.version, first.phones) == ("北京", 2, ["13700000001"])
    assert (second.address, second.version) == ("上海", 2)
    assert ChangeEntry.objects.filter(customer=second, field="address", new_value="上海", channel="import").count() == 1


def test_all_or_nothing_then_apply_valid_only(org) -> None:
    content = csv_bytes([HEADER, ["K1", "张三", "13812341234", "", "", "", ""],
                         ["K2", "", "12345", "not a date", "", "Z", ""]])
    job = run(org.owner, content)
    assert (job.state, job.total_rows, job.invalid_rows) == (JobState.REVIEW, 2, 1)
    assert Customer.objects.count() == 0
    fields = set(RowError.objects.filter(job=job).values_list("line", "field"))
    assert fields == {(3, "phones"), (3, "birthday"), (3, "importance"), (3, "name")}
    services.job_apply_valid(actor=org.owner, job=job)
    services.run_job(job.pk)
    job.refresh_from_db()
    assert (job.state, job.created_count) == (JobState.DONE, 1)
    assert list(Customer.objects.values_list("code", flat=True)) == ["K1"]


def test_masked_values_are_refused(org) -> None:
    content = csv_bytes([["姓名", "手机", "身份证号"], ["张三", "138****1234", "110101********1234"]])
    job = run(org.owner, content)
    assert job.state == JobState.REVIEW
    assert set(RowError.objects.filter(job=job).values_list("field", flat=True)) == {"phones", "id_number"}
    assert Customer.objects.count() == 0


def test_running_a_job_twice_does_nothing_the_second_time(org) -> None:
    job = run(org.owner, csv_bytes([["姓名"], ["张三"]]))
    assert services.run_job(job.pk) is None
    assert Customer.objects.count() == 1


def test_duplicates_in_the_file_and_codes_of_others(org, make_customer) -> None:
    make_customer("外人", actor=org.outsider, code="OUT1")
    content = csv_bytes([["编号", "姓名"], ["A1", "甲"], ["A1", "乙"], ["OUT1", "丙"]])
    job = run(org.owner, content)
    assert set(RowError.objects.filter(job=job).values_list("line", "field")) == {(2, "code"), (3, "code"), (4, "code")}
    assert Customer.objects.filter(name__in=["甲", "乙", "丙"]).count() == 0
    assert ImportRow.objects.filter(job=job, valid=True).count() == 0


def test_blank_code_is_generated(org) -> None:
    job = run(org.owner, csv_bytes([["姓名"], ["张三"], [""], ["李四"]]))
    assert job.total_rows == 2
    codes = {c.code: c.pk for c in Customer.objects.all()}
    assert all(code == f"C{pk:08d}" for code, pk in codes.items())


def test_upload_of_an_empty_file_is_a_field_error(org) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        upload(org.owner, b"", "x.csv")
    assert "file" in error.value.message_dict


def test_phone_of_several_customers_is_an_error_and_a_unique_phone_matches(org, make_customer) -> None:
    make_customer("王五", phones=["13700000011"])
    make_customer("王六", phones=["13700000011"])
    single = make_customer("赵七", phones=["13700000012"])
    content = csv_bytes([["电话", "地址"], ["137 0000 0011", "北京"], ["13700000012", "上海"]])
    job = run(org.owner, content, mode="update")
    # Line 2 matches nobody then, so "update" also reports it as unknown.
    assert set(RowError.objects.filter(job=job).values_list("line", "field")) == {(2, "phones"), (2, "code")}
    assert ImportRow.objects.get(job=job, line=3).customer_id == single.pk


def test_name_memo_builds_the_same_keys_as_core_text() -> None:
    from guanxi.core.text import name_keys, search_document, short_tokens
    from guanxi.imports.customer_import.apply import _NameMemo

    memo = _NameMemo()
    for name, is_person in [("张三", True), ("欧阳修", True), ("单雄信", True), ("Li Lei", True),
                            ("北京市朝阳区华联超市", False), ("张三", False)]:
        info = memo.get(name, is_person)
        assert info.sort_key == name_keys(name, is_person=is_person).sort_key
        assert info.tokens == sorted(short_tokens(name=name, is_person=is_person))
        assert memo.document(info, code="K-1", phones=["13812341234"], email="A@B.cn", extra=("店名", "")) == \
            search_document(name=name, is_person=is_person, code="K-1", phones=["13812341234"], email="A@B.cn",
                            extra=("店名", ""))


def test_customer_line_with_cached_defaults_is_the_plain_format(org) -> None:
    from django.utils import timezone

    from guanxi.imports.customer_import.apply import _Resolver
    from guanxi.imports.models import ImportJob

    job = ImportJob.objects.create(user=org.owner, source_name="x.csv")
    resolver = _Resolver(job, timezone.now())
    values = resolver.new_values({"name": "张\t三", "phones": ["13812341234"], "birthday": dt.date(1990, 3, 5)}, 7)
    values.update(name_sort="zhang san", lunar_birth_month=None, lunar_birth_day=None, lunar_birth_leap=False)
    stored = resolver.storable(values)
    plain = "\t".join(resolver.format_column(a, stored[a]) for a in resolver.attnames) + "\n"
    assert resolver.customer_line(stored) == plain
    assert resolver.customer_line(resolver.storable(values)) == plain  # the cache, a second time
    assert "张\\t三" in plain
