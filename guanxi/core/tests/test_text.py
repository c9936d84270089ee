from hypothesis import given
from hypothesis import strategies as st

from guanxi.core.text import (
    looks_like_phone_input,
    mask_digits,
    name_keys,
    normalize_query,
    phone_digits,
    search_document,
    short_tokens,
)


def test_person_name_has_surname_reading_and_everyday_reading() -> None:
    keys = name_keys("单田芳", is_person=True)
    assert keys.full == ("shantianfang", "dantianfang")
    assert keys.initials == ("stf", "dtf")
    assert keys.sort_key == "shan tian fang 单田芳"


def test_common_surname_readings() -> None:
    assert name_keys("曾国藩", is_person=True).full[0] == "zengguofan"
    assert name_keys("仇英", is_person=True).full[0] == "qiuying"
    assert name_keys("解缙", is_person=True).full[0] == "xiejin"


def test_compound_surname_is_one_unit() -> None:
    keys = name_keys("欧阳修", is_person=True)
    assert keys.full == ("ouyangxiu",)
    assert keys.initials == ("oyx",)
    assert name_keys("尉迟恭", is_person=True).full == ("yuchigong", "weichigong")


def test_surname_table_applies_to_people_only() -> None:
    shop = name_keys("单县便利店", is_person=False)
    assert shop.full == ("danxianbianlidian",)


def test_organisation_reads_phrases() -> None:
    assert name_keys("工商银行", is_person=False).full == ("gongshangyinhang",)


def test_phone_digits_accepts_fullwidth_spaces_dashes_and_country_code() -> None:
    assert phone_digits("+86 138-1234 5678") == "13812345678"
    assert phone_digits("１３８１２３４５６７８") == "13812345678"
    assert phone_digits("0086 13812345678") == "13812345678"
    assert phone_digits("8613812345678") == "13812345678"
    assert phone_digits("010-6552 1234") == "01065521234"
    assert looks_like_phone_input("+86 138-1234")
    assert not looks_like_phone_input("张三")


def test_mask_digits() -> None:
    assert mask_digits("13812341234") == "138****1234"
    assert mask_digits("01065521234") == "010****1234"
    assert mask_digits("6552123") == "65***23"
    assert mask_digits("123") == "***"


def test_search_document_and_tokens() -> None:
    doc = search_document(name="张三", is_person=True, code="C0001", phones=["13812341234"], email="Z@Example.com")
    assert doc == "张三|zhangsan|zs|c0001|13812341234|z@example.com"
    assert short_tokens(name="张伟强", is_person=True) == {"张", "伟", "强", "张伟", "伟强", "z", "zh", "zw"}


def test_normalize_query_removes_spaces_and_folds_width() -> None:
    assert normalize_query(" Zhang San ") == "zhangsan"
    assert normalize_query("ＺＳ") == "zs"
    assert normalize_query("a|b") == "ab"


@given(st.text(alphabet=st.sampled_from("张王李赵欧阳单曾伟芳娜强军abc123 "), min_size=1, max_size=6))
def test_keys_never_fail_and_sort_key_starts_with_first_reading(name: str) -> None:
    keys = name_keys(name, is_person=True)
    if keys.full:
        assert keys.sort_key.replace(" ", "").startswith(keys.full[0][: len(keys.full[0]) // 2])


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_mask_keeps_prefix_and_suffix(phone: str) -> None:
    masked = mask_digits(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:] and masked[3:7] == "****"
