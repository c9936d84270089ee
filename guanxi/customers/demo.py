"""Deterministic demo customers: realistic Chinese names and shops, fast enough for a million rows.

Everything random comes from one `random.Random(seed)`; Faker (pinned) only fills small pools of
addresses up front, so the same seed gives the same data and a million rows need no Faker calls.
Rows go in with COPY on PostgreSQL and batched inserts elsewhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from typing import Any

from django.db import connections, transaction
from django.utils import timezone
from lunar_python import LunarYear, Solar

from guanxi.core.bulk import Model, TableWriter, bulk_load, vacuum_analyze
from guanxi.core.db import copy_value
from guanxi.core.registry import DemoContext
from guanxi.core.text import _SEPARATOR as SEPARATOR
from guanxi.core.text import name_keys, normalize_query, short_tokens
from guanxi.customers.models import (
    Customer,
    CustomerSearch,
    CustomField,
    FamilyMember,
    Referral,
    SearchToken,
    Tag,
)

# Surnames with their approximate share of the population (per mille), compound surnames and
# surnames with special readings included so search by their readings can be tried.
SURNAMES: list[tuple[str, float]] = [
    ("王", 72.5), ("李", 71.9), ("张", 67.9), ("刘", 53.8), ("陈", 45.3), ("杨", 30.8), ("黄", 22.3),
    ("赵", 21.9), ("吴", 20.5), ("周", 18.9), ("徐", 16.2), ("孙", 15.4), ("马", 14.4), ("朱", 12.8),
    ("胡", 12.2), ("郭", 11.3), ("何", 11.1), ("高", 10.5), ("林", 10.2), ("罗", 9.6), ("郑", 9.4),
    ("梁", 8.6), ("谢", 7.3), ("宋", 6.6), ("唐", 6.5), ("许", 6.2), ("韩", 6.1), ("冯", 6.0), ("邓", 5.9),
    ("曹", 5.8), ("彭", 5.6), ("曾", 5.5), ("肖", 5.4), ("田", 5.3), ("董", 5.2), ("袁", 5.1), ("潘", 4.8),
    ("于", 4.7), ("蒋", 4.6), ("蔡", 4.5), ("余", 4.4), ("杜", 4.3), ("叶", 4.2), ("程", 4.1), ("苏", 4.0),
    ("魏", 3.9), ("吕", 3.8), ("丁", 3.7), ("任", 3.6), ("沈", 3.5), ("姚", 3.4), ("卢", 3.3), ("姜", 3.2),
    ("崔", 3.1), ("钟", 3.0), ("谭", 2.9), ("陆", 2.8), ("汪", 2.7), ("范", 2.6), ("金", 2.5), ("石", 2.4),
    ("廖", 2.3), ("贾", 2.2), ("夏", 2.1), ("韦", 2.0), ("付", 1.9), ("方", 1.8), ("白", 1.7), ("邹", 1.6),
    ("孟", 1.5), ("熊", 1.4), ("秦", 1.3), ("邱", 1.2), ("江", 1.1), ("尹", 1.0), ("薛", 1.0), ("闫", 0.9),
    ("段", 0.9), ("雷", 0.8), ("侯", 0.8), ("龙", 0.7), ("史", 0.7), ("陶", 0.6), ("黎", 0.6), ("贺", 0.6),
    ("顾", 0.5), ("毛", 0.5), ("郝", 0.5), ("龚", 0.4), ("邵", 0.4), ("万", 0.4), ("钱", 0.4), ("严", 0.3),
    ("覃", 0.3), ("武", 0.3), ("戴", 0.3), ("莫", 0.3), ("孔", 0.3), ("单", 0.2), ("仇", 0.1), ("解", 0.1),
    ("区", 0.1), ("查", 0.1), ("乐", 0.1), ("欧阳", 0.2), ("司马", 0.05), ("上官", 0.05), ("诸葛", 0.05),
    ("尉迟", 0.02), ("东方", 0.03), ("皇甫", 0.02),
]
MALE_CHARS = "伟强磊军洋勇杰涛明超刚平辉力永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利清飞彬富顺信子昌成康星光天达安岩中茂进林有坚和彪博诚先敬震振壮会思群豪心邦承乐绍功松善厚庆民友裕河哲江浩亮政谦亨奇固之翰朗伯宏言若鸣朋斌梁栋维启克伦翔旭鹏泽晨辰士以建家致树炎德行时泰盛雄琛钧冠策腾楠榕风航弘宇轩睿恒鸿"
FEMALE_CHARS = "芳娜秀英敏静丽艳娟霞兰桂文华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉娣叶璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨韵园艺咏卿聪澜纯毓悦昭冰爽茗羽希欣滢馥筠柔竹凝晓欢枫芸菲寒伊亚宜可舒影荔妮宝贝萱雯曼紫逸蝶"
DISTRICTS = ["朝阳区", "海淀区", "浦东新区", "徐汇区", "天河区", "越秀区", "武侯区", "锦江区", "西湖区", "江北区",
             "南山区", "福田区", "鼓楼区", "雁塔区", "江汉区", "和平区", "市南区", "历下区", "二七区", "芙蓉区"]
ROADS = ["建国路", "人民路", "解放路", "中山路", "南京路", "长江路", "黄河路", "和平街", "新华街", "胜利路",
         "文化路", "光明街", "幸福路", "青年路", "学府路", "朝阳路", "东风路", "滨江路", "花园街", "迎宾路"]
BRANDS = ["金福", "鑫源", "百佳", "好邻居", "万家", "惠民", "鸿运", "兴隆", "利民", "永盛", "吉祥", "和顺",
          "福满", "富贵", "春晖", "新世纪", "华联", "金鼎", "诚信", "宏达", "恒通", "隆昌", "康乐", "美佳"]
FORMATS = ["便利店", "烟酒店", "超市", "副食店", "书店", "咖啡馆", "药店", "餐馆", "五金店", "商行",
           "贸易有限公司", "科技有限公司", "文具店", "茶庄", "母婴店"]
TAGS = ["VIP", "烟草零售", "老客户", "转介绍", "团购", "理财客户"]
EMAIL_DOMAINS = ["example.com", "example.cn", "example.net"]
ADDRESS_POOL_SIZE = 3000
_EPOCH = dt.date(1950, 1, 1)


@dataclass(frozen=True)
class DemoCustomer:
    """One generated customer, before it has database ids."""

    kind: str
    name: str
    code: str
    gender: str
    birthday: dt.date | None
    lunar: tuple[int, int, bool] | None
    phones: tuple[str, ...]
    email: str
    address: str
    importance: str
    owner_index: int
    store_index: int | None
    tag_indexes: tuple[int, ...]
    age_days: int


def _address_pool(seed: int) -> list[str]:
    from faker import Faker  # here, not at import: the app registry loads this module at every start

    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return [fake.address().split(" ")[0] for _ in range(ADDRESS_POOL_SIZE)]


@cache
def _lunar_months(year: int) -> tuple[tuple[Solar, int, int], ...]:
    """(first day, day count, month) of the lunar months `Lunar.fromSolar` walks for a solar year."""
    return tuple(
        (Solar.fromJulianDay(m.getFirstJulianDay()), m.getDayCount(), m.getMonth())
        for m in LunarYear.fromYear(year).getMonths()
    )


@cache
def lunar_birthday(day: dt.date) -> tuple[int, int, bool]:
    """(month, day, leap) of the lunar date of a solar date.

    The same walk as `Solar.getLunar()` (`Lunar.fromSolar`), without building the full `Lunar`
    object (eight characters, solar terms …), which costs milliseconds per call.
    """
    solar = Solar.fromYmd(day.year, day.month, day.day)
    for first, day_count, month in _lunar_months(day.year):
        days = solar.subtract(first)
        if days < day_count:
            return abs(month), days + 1, month < 0
    raise ValueError(f"no lunar month for {day}")


def _person_name(rng: random.Random, surnames: Sequence[str], cum_weights: Sequence[float]) -> tuple[str, str]:
    # `cum_weights` precomputed gives exactly what `weights=` gives, without re-summing each call.
    surname = rng.choices(surnames, cum_weights=cum_weights)[0]
    gender = "male" if rng.random() < 0.5 else "female"
    pool = MALE_CHARS if gender == "male" else FEMALE_CHARS
    length = 1 if rng.random() < 0.35 else 2
    return surname + "".join(rng.choice(pool) for _ in range(length)), gender


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3456789") + f"{rng.randrange(10**9):09d}"


@dataclass(frozen=True)
class NameInfo:
    """What the search index and the list need from a name, computed once per distinct name."""

    sort_key: str
    first_full: str
    doc_parts: tuple[str, ...]  # the name's part of `search_document`, before code, phones and email
    tokens: tuple[str, ...]  # `short_tokens`, sorted
    copy_sort_key: str  # the sort key in COPY text format
    copy_tokens: str  # the name's search-token rows in COPY text format, the customer id as ID_MARK


# Stands for the customer id in `NameInfo.copy_tokens`; COPY text never holds a NUL character.
ID_MARK = "\x00"


class NameInfoCache:
    """Per-name pinyin work, memoised: a million customers share roughly half as many names.

    With `feed`, a name not seen before is not computed here but taken from `feed` (a `NameHelper`),
    which hands out the infos of the same names in the same order, computed by another process."""

    def __init__(self, feed: NameHelper | None = None, *, record: bool = False) -> None:
        self._cache: dict[tuple[str, bool], NameInfo] = {}
        self.new: list[tuple[str, bool, NameInfo]] = []  # with `record`: names computed here since, in order
        self._feed = feed
        self._record = record

    def get(self, name: str, is_person: bool) -> NameInfo:
        info = self._cache.get((name, is_person))
        if info is None:
            if self._feed is not None:
                info = self._feed.next(name, is_person)
            else:
                info = name_info(name, is_person)
                if self._record:
                    self.new.append((name, is_person, info))
            self._cache[(name, is_person)] = info
        return info

    def document(
        self, info: NameInfo, *, code: str, phones: Sequence[str], email: str, extra: Sequence[str] = ()
    ) -> str:
        """`search_document(...)` for a name already looked up (tests check they agree)."""
        parts = [*info.doc_parts, normalize_query(code), *phones]
        if email:
            parts.append(normalize_query(email))
        parts.extend(normalize_query(text)[:200] for text in extra if text)
        return SEPARATOR.join(p for p in dict.fromkeys(parts) if p)


def name_info(name: str, is_person: bool) -> NameInfo:
    keys = name_keys(name, is_person=is_person)
    # The same pieces, in the same order, as `search_document` puts before the code.
    doc_parts = (normalize_query(name), *keys.full, *keys.initials)
    tokens = tuple(sorted(short_tokens(name=name, is_person=is_person, keys=keys)))
    sort_key = copy_value(keys.sort_key)
    return NameInfo(
        sort_key=keys.sort_key, first_full=keys.full[0] if keys.full else "", doc_parts=doc_parts,
        tokens=tokens, copy_sort_key=sort_key,
        copy_tokens="".join(f"{copy_value(token)}\t{sort_key}\t{ID_MARK}\n" for token in tokens),
    )


# From this many customers on, the names' pinyin work runs in a second process (see `NameHelper`).
NAME_HELPER_FROM = 50_000
_HELPER_BATCH = 2000


class NameHelper:
    """The pinyin work of `build_customers`' names (a fifth of the demo customers' Python time), done
    by a forked process on the other core while this one generates the rows.

    The helper walks the same customer stream (same seed, same arguments) and asks the same names in
    the same order as the loader does (`build_customers` for the e-mails, then once per customer), so
    the names that are new to it are new to the loader too, in the same order: it sends their infos
    in batches, and `next` hands them out, checking that each is the name asked for. Same data as
    computing them here; a helper that fails fails the loader (`next` raises)."""

    def __init__(self, *, seed: int, count: int, owners: int, stores: int) -> None:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_name_helper, args=(send, seed, count, owners, stores), name="demo-names", daemon=True)
        self._process.start()
        send.close()
        self._batch: list[tuple[str, bool, NameInfo]] = []
        self._at = 0

    def next(self, name: str, is_person: bool) -> NameInfo:
        if self._at == len(self._batch):
            try:
                self._batch, self._at = self._receive.recv(), 0
            except EOFError:
                raise RuntimeError("demo: the name helper process ended early") from None
        helper_name, helper_person, info = self._batch[self._at]
        if (helper_name, helper_person) != (name, is_person):
            raise RuntimeError(f"demo: the name helper sent {helper_name!r}, the loader needs {name!r}")
        self._at += 1
        return info

    def close(self) -> None:
        self._receive.close()
        self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.terminate()


def _name_helper(send: Any, seed: int, count: int, owners: int, stores: int) -> None:
    names = NameInfoCache(record=True)
    for c in build_customers(seed=seed, count=count, owners=owners, stores=stores, names=names):
        names.get(c.name, c.kind == "person")
        if len(names.new) >= _HELPER_BATCH:
            send.send(names.new)
            names.new = []
    send.send(names.new)
    send.close()


def build_customers(
    *, seed: int, count: int, owners: int, stores: int, names: NameInfoCache | None = None
) -> Iterator[DemoCustomer]:
    """The demo customers for a seed, as a stream; identical for identical arguments. `names` is asked
    for the info of every name that gets an e-mail address, as it is drawn."""
    rng = random.Random(seed)
    names = names or NameInfoCache()
    addresses = _address_pool(seed)
    surnames = [s for s, _ in SURNAMES]
    cum_weights = list(accumulate(w for _, w in SURNAMES))
    for n in range(1, count + 1):
        is_org = rng.random() < 0.2
        if is_org:
            name = rng.choice(DISTRICTS) + rng.choice(ROADS) + rng.choice(BRANDS) + rng.choice(FORMATS)
            gender = ""
        else:
            name, gender = _person_name(rng, surnames, cum_weights)
        birthday = lunar = None
        if not is_org and rng.random() < 0.7:
            birthday = _EPOCH + dt.timedelta(days=rng.randrange(20000))
            if rng.random() < 0.2:
                lunar = lunar_birthday(birthday)
        phones = tuple(_phone(rng) for _ in range(1 if rng.random() < 0.8 else 2))
        email = ""
        if rng.random() < 0.3:
            full = names.get(name, not is_org).first_full
            email = f"{full[:20]}{rng.randrange(1000)}@{rng.choice(EMAIL_DOMAINS)}"
        roll = rng.random()
        importance = "A" if roll < 0.15 else ("B" if roll < 0.6 else "C")
        store_index = rng.randrange(stores) if stores and rng.random() < 0.7 else None
        tag_indexes = tuple(sorted({rng.randrange(len(TAGS)) for _ in range(rng.choice((0, 0, 0, 1, 2)))}))
        yield DemoCustomer(
            kind="organization" if is_org else "person", name=name, code=f"C{n:08d}", gender=gender,
            birthday=birthday, lunar=lunar, phones=phones, email=email,
            address=rng.choice(addresses) + f"{rng.randrange(1, 300)}号", importance=importance,
            owner_index=rng.randrange(owners), store_index=store_index, tag_indexes=tag_indexes,
            age_days=rng.randrange(730),
        )


def data_hash(*, seed: int, count: int, owners: int = 2, stores: int = 9) -> str:
    """SHA-256 over the generated rows: the determinism test compares it across runs."""
    digest = hashlib.sha256()
    for c in build_customers(seed=seed, count=count, owners=owners, stores=stores):
        row = [c.kind, c.name, c.code, c.gender, c.birthday.isoformat() if c.birthday else None, c.lunar,
               c.phones, c.email, c.address, c.importance, c.owner_index, c.store_index, c.tag_indexes, c.age_days]
        digest.update(json.dumps(row, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


PROFILE_COLUMNS = [
    "occupation", "employer", "position", "income_band", "risk_preference", "hobbies", "personality", "needs",
    "cautions", "preferred_channel", "preferred_time", "shop_name", "legal_person", "business_scope",
    "business_format", "licence_number", "latitude", "longitude", "settlement_method", "bank_account",
    "delivery_route", "order_cycle_days", "visit_cycle_days", "business_status", "importance_reason",
    "importance_set_by_id", "importance_set_at", "static_reviewed_at", "dynamic_reviewed_at", "custom",
    "founded_on",
]
OCCUPATIONS = [("教师", "实验小学", "教研组长"), ("医生", "人民医院", "主治医师"), ("工程师", "华为技术有限公司", "高级工程师"),
               ("公务员", "市税务局", "科员"), ("个体户", "个体经营", "店主"), ("会计", "中国银行", "主管"),
               ("销售经理", "美的集团", "区域经理"), ("退休", "", "")]
HOBBIES = ["羽毛球", "书法", "钓鱼", "广场舞", "摄影", "旅游", "茶艺", "太极拳", "烹饪", "登山"]
PERSONALITIES = ["谨慎", "爽快", "健谈", "注重细节", "重感情", "讲究效率"]
NEEDS = ["子女教育金", "养老规划", "稳健理财", "房贷咨询", "健康保障", "新品尝鲜"]
CAUTIONS = ["不喜欢电话推销", "讨厌频繁短信", "对价格敏感", "需要家人一起决定", ""]
TIMES = ["工作时间不接电话", "晚上七点后", "周末上午", "午休时间", ""]
SCOPES = ["卷烟零售、预包装食品", "日用百货、预包装食品、酒类", "卷烟、雪茄烟零售", "餐饮服务、酒类零售"]
BUSINESS_FORMATS = ["convenience", "supermarket", "grocery", "tobacco_liquor", "catering", "wholesale"]
A_REASONS = ["年消费超过五万", "带来多位转介绍客户", "连锁门店总店", "资产规模大"]
# Custom fields the demo defines, and how often each is filled
DEMO_CUSTOM_FIELDS: list[dict[str, Any]] = [
    {"key": "source", "label": "客户来源", "field_type": "choice", "choices": ["门店", "转介绍", "线上", "活动"],
     "in_list": True, "info_class": "static"},
    {"key": "wechat_id", "label": "微信号", "field_type": "text", "searchable": True, "info_class": "realtime"},
    {"key": "member", "label": "会员", "field_type": "bool", "info_class": "dynamic"},
]


def _profile_values(rng: random.Random, c: DemoCustomer, owner_id: int, created: dt.datetime,
                    now: dt.datetime) -> tuple[tuple[object, ...], str]:
    """The profile columns of a demo customer, from its own random stream (the data hash stays put),
    and its WeChat id (a custom value the search row holds)."""
    reviewed_static = now - dt.timedelta(days=rng.randint(0, 240), seconds=rng.randint(0, 86399))
    reviewed_dynamic = now - dt.timedelta(days=rng.randint(0, 120), seconds=rng.randint(0, 86399))
    reviewed_static, reviewed_dynamic = max(reviewed_static, created), max(reviewed_dynamic, created)
    custom: dict[str, object] = {"source": rng.choice(["门店", "门店", "转介绍", "线上", "活动"])}
    if rng.random() < 0.3:
        custom["wechat_id"] = f"wx_{c.code.lower()}"
    if rng.random() < 0.4:
        custom["member"] = rng.random() < 0.7
    reason = rng.choice(A_REASONS) if c.importance == "A" else ""
    common = (reason, owner_id, created, reviewed_static, reviewed_dynamic, json.dumps(custom, ensure_ascii=False))
    wechat_id = str(custom.get("wechat_id", ""))
    if c.kind == "person":
        occupation, employer, position = rng.choice(OCCUPATIONS)
        person = (
            occupation, employer, position, rng.choice(["lt5k", "5k-10k", "10k-20k", "20k-50k", "gt50k", ""]),
            rng.choice(["c1", "c2", "c3", "c4", "c5", ""]), "、".join(rng.sample(HOBBIES, 2)),
            rng.choice(PERSONALITIES), rng.choice(NEEDS), rng.choice(CAUTIONS),
            rng.choice(["phone", "wechat", "sms", "visit", ""]), rng.choice(TIMES),
        )
        return (*person, "", "", "", "", "", None, None, "", "", "", None, None, "", *common, None), wechat_id
    road = rng.choice(ROADS[:6])
    organization = (
        f"{c.name}({road}店)", c.name[:1] + rng.choice(["建国", "丽华", "志强", "秀英", "伟"]), rng.choice(SCOPES),
        rng.choice(BUSINESS_FORMATS), f"{rng.randint(110000, 659999)}{rng.randint(100000, 999999)}",
        f"{rng.uniform(22.5, 40.0):.6f}", f"{rng.uniform(108.0, 122.0):.6f}",
        rng.choice(["cash", "transfer", "online", "debit", "monthly"]), f"6222{rng.randint(10**14, 10**15 - 1)}",
        f"{road}{rng.randint(1, 9)}线", rng.choice([7, 7, 14, 30]), rng.choice([7, 14, 14, 30]),
        rng.choice(["operating"] * 8 + ["suspended", "closed"]),
    )
    founded = dt.date(rng.randint(1995, 2023), rng.randint(1, 12), rng.randint(1, 28))
    return ("", "", "", "", "", "", "", "", "", "", "", *organization, *common, founded), wechat_id


CUSTOMER_COLUMNS = [
    "id", "kind", "name", "name_sort", "code", "gender", "birthday", "birthday_calendar", "lunar_birth_month",
    "lunar_birth_day", "lunar_birth_leap", "phones", "email", "address", "importance", "owner_id",
    "department_id", "store_id", "notes", "version", "archived_at", "created_at", "updated_at", "created_by_id",
    "id_number", *PROFILE_COLUMNS,
]
CustomerTags = Customer.tags.through
# model → columns, in the order rows are written
TABLES: dict[Model, list[str]] = {
    Customer: CUSTOMER_COLUMNS,
    CustomerSearch: ["customer_id", "doc", "name_sort", "active"],
    SearchToken: ["token", "name_sort", "customer_id"],
    CustomerTags: ["customer_id", "tag_id"],
    FamilyMember: [
        "customer_id", "name", "relation", "gender", "birthday", "birthday_calendar", "lunar_birth_month",
        "lunar_birth_day", "lunar_birth_leap", "school_or_employer", "notes", "created_at",
    ],
    Referral: ["referrer_id", "referred_id", "referred_on", "bought", "notes", "created_by_id", "created_at"],
}
SCHOOLS = ["第一中学", "实验小学", "外国语学校", "师范大学附属中学", "育才小学", "市第三中学"]
EMPLOYERS = ["中国银行", "人民医院", "市税务局", "华为技术有限公司", "第二小学", "自来水公司", "个体经营"]


def _family_rows(
    rng: random.Random, c: DemoCustomer, cum_weights: Sequence[float]
) -> list[tuple[object, ...]]:
    """A spouse and sometimes a child for about one person in ten, from their own random stream
    (so adding family members left every customer's data, and the determinism hash, unchanged)."""
    if c.kind != "person" or rng.random() >= 0.1 or c.birthday is None:
        return []
    rows: list[tuple[str, str, str, dt.date, str]] = []
    spouse_name, spouse_gender = _person_name(rng, [s for s, _ in SURNAMES], cum_weights)
    spouse_birthday = c.birthday + dt.timedelta(days=rng.randrange(-1500, 1500))
    rows.append(("spouse", spouse_name, spouse_gender, spouse_birthday, rng.choice(EMPLOYERS)))
    if rng.random() < 0.6 and c.birthday.year < 1995:
        surname = c.name[:2] if c.name[:2] in dict(SURNAMES) else c.name[:1]
        child_name, child_gender = _person_name(rng, [surname], [1.0])
        child_birthday = dt.date(min(c.birthday.year + rng.randrange(22, 36), 2024), rng.randrange(1, 13), rng.randrange(1, 29))
        place = rng.choice(SCHOOLS) if child_birthday.year >= 2004 else rng.choice(EMPLOYERS)
        rows.append(("child", child_name, child_gender, child_birthday, place))
    result: list[tuple[object, ...]] = []
    for relation, name, gender, birthday, where in rows:
        lunar = lunar_birthday(birthday) if rng.random() < 0.3 else None
        result.append((
            relation, name, gender, birthday, "lunar" if lunar else "solar", lunar[0] if lunar else None,
            lunar[1] if lunar else None, bool(lunar and lunar[2]), where, "",
        ))
    return result


ID_REGIONS = ["110105", "310104", "440106", "510107", "330106", "420106", "320102", "370102"]
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number(rng: random.Random, c: DemoCustomer) -> str:
    """A well-formed resident ID (region, birth date, sequence, check) for half the people with a
    birthday, from the secondary random stream so the customer rows themselves stay as they were."""
    if c.kind != "person" or c.birthday is None or rng.random() >= 0.5:
        return ""
    sequence = rng.randrange(0, 500) * 2 + (1 if c.gender == "male" else 0)
    body = f"{rng.choice(ID_REGIONS)}{c.birthday:%Y%m%d}{sequence:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


PROGRESS_EVERY = 10_000


def _phones_json(phones: tuple[str, ...]) -> str:
    """`json.dumps(list(phones))` for phones of digits only (the demo's), without the encoder's overhead."""
    return "[" + ", ".join(f'"{phone}"' for phone in phones) + "]"


def generate(ctx: DemoContext) -> None:
    owners = ctx.data["reps"]
    stores = ctx.data["stores"]
    started = time.monotonic()
    helper = None
    if ctx.customers >= NAME_HELPER_FROM:  # forked now, before any thread of this load starts
        helper = NameHelper(seed=ctx.seed, count=ctx.customers, owners=len(owners), stores=len(stores))
    try:
        _generate(ctx, owners, stores, NameInfoCache(feed=helper), started)
    finally:
        if helper is not None:
            helper.close()


def _generate(ctx: DemoContext, owners: list[Any], stores: list[Any], names: NameInfoCache, started: float) -> None:
    now = timezone.now()
    total = ctx.customers
    ctx.progress("customers", 0, total)
    with transaction.atomic(using=ctx.using):
        tags = [Tag.objects.using(ctx.using).create(name=name) for name in TAGS]
        tag_ids = [tag.pk for tag in tags]
        store_ids = [store.pk for store in stores]
        owner_keys = [(owner.pk, owner.department_id) for owner in owners]
        first_id = (Customer.objects.using(ctx.using).order_by("-id").values_list("id", flat=True).first() or 0) + 1
        family_rng = random.Random(ctx.seed * 7919 + 1)
        profile_rng = random.Random(ctx.seed * 104729 + 3)
        for definition in DEMO_CUSTOM_FIELDS:
            CustomField.objects.using(ctx.using).get_or_create(key=definition["key"], defaults=definition)
        last_of_owner: dict[int, int] = {}
        family_weights = list(itertools.accumulate(w for _, w in SURNAMES))
        customer_id = first_id - 1
        tables = [model._meta.db_table for model in TABLES]
        # The tokens arrive in name order per customer, so in random order for their key: built once at
        # the end (sorted) instead of maintained row by row (10,000,000 rows at a million customers).
        keys = (f"{SearchToken._meta.db_table}_pkey",)
        # The two largest tables are written frozen when empty (a fresh demo): no VACUUM of 10,000,000 rows.
        frozen: set[str] = set()
        loading = bulk_load(connections[ctx.using], tables, keys=keys, defer=ctx.defer, label="customers",
                            frozen=frozen)
        with loading, TableWriter(ctx.using, TABLES, freeze=(SearchToken, CustomerSearch)) as writer:
            frozen |= writer.frozen
            add = writer.add
            is_pg = writer.is_pg
            for c in build_customers(
                seed=ctx.seed, count=ctx.customers, owners=len(owners), stores=len(stores), names=names
            ):
                customer_id += 1
                owner_id, department_id = owner_keys[c.owner_index]
                is_person = c.kind == "person"
                info = names.get(c.name, is_person)
                created = now - dt.timedelta(days=c.age_days, seconds=customer_id % 86400)
                lunar = c.lunar
                profile, wechat_id = _profile_values(profile_rng, c, owner_id, created, now)
                add(Customer, (
                    customer_id, c.kind, c.name, info.sort_key, c.code, c.gender,
                    c.birthday, "lunar" if lunar else "solar", lunar[0] if lunar else None,
                    lunar[1] if lunar else None, bool(lunar and lunar[2]),
                    _phones_json(c.phones), c.email, c.address, c.importance, owner_id, department_id,
                    store_ids[c.store_index] if c.store_index is not None else None, "", 1, None, created, created,
                    owner_id, _id_number(family_rng, c), *profile,
                ))
                extra = (str(profile[11]), str(profile[15]), wechat_id)  # shop, licence, wechat
                doc = names.document(info, code=c.code, phones=c.phones, email=c.email, extra=extra)
                if is_pg:
                    # Encoded here, faster than a tuple per row: the name's part is encoded once per name.
                    key = str(customer_id)
                    writer.add_line(CustomerSearch, f"{key}\t{copy_value(doc)}\t{info.copy_sort_key}\tt\n")
                    if info.copy_tokens:
                        writer.add_line(SearchToken, info.copy_tokens.replace(ID_MARK, key))
                else:
                    add(CustomerSearch, (customer_id, doc, info.sort_key, True))
                    for token in info.tokens:
                        add(SearchToken, (token, info.sort_key, customer_id))
                for row in _family_rows(family_rng, c, family_weights):
                    add(FamilyMember, (customer_id, row[1], row[0], *row[2:], created))
                # About one customer in thirty was introduced by an earlier customer of the same manager.
                earlier = last_of_owner.get(c.owner_index)
                if earlier is not None and family_rng.random() < 0.033:
                    add(Referral, (earlier, customer_id, created.date(), family_rng.random() < 0.6, "",
                                               owner_id, created))
                last_of_owner[c.owner_index] = customer_id
                for tag_index in c.tag_indexes:
                    add(CustomerTags, (customer_id, tag_ids[tag_index]))
                if customer_id % PROGRESS_EVERY == 0:
                    ctx.progress("customers", customer_id - first_id + 1, total)
            ctx.progress("customers", total, total, "writing the last rows")
            writer.flush()
            ctx.progress("customers", total, total, "rebuilding indexes" if ctx.defer is None else "committing")
        if writer.is_pg:
            with writer.connection.cursor() as cursor:
                for table in (Customer._meta.db_table, CustomerTags._meta.db_table):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                    )
                # The next generators read the customers: statistics now (a sample, about a second),
                # not only after the rebuild.
                cursor.execute(f"ANALYZE {Customer._meta.db_table}")
    if ctx.defer is None:
        ctx.progress("customers", total, total, "VACUUM ANALYZE")
        vacuum_analyze(writer.connection, tables, frozen=frozen)
    ctx.stdout(f"customers: {ctx.customers:,} loaded in {time.monotonic() - started:.1f} s"
               + (" (indexes and foreign keys rebuilt in the background)" if ctx.defer is not None and writer.is_pg else ""))
