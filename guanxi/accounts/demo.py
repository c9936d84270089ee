"""Demo organization: the departments of the archive workflow, regions, stores, roles and users."""

from __future__ import annotations

from django.contrib.auth.hashers import make_password
from django.db import transaction

from guanxi.accounts.choices import DataScope
from guanxi.accounts.models import Department, Region, Role, Store, User
from guanxi.core.registry import DemoContext

DEMO_PASSWORD = "guanxi-demo"
CUSTOMERS_PER_REP = 2000

# (code, name, parent code): MISSION.md §2 — licensing office → county marketing → market
# department → delivery → sales, under a marketing centre.
DEPARTMENTS = [
    ("hq", "总部", None),
    ("marketing", "营销中心", "hq"),
    ("licensing", "许可证管理办公室", "marketing"),
    ("market", "市场部", "marketing"),
    ("sales", "销售部", "marketing"),
    ("sales-1", "销售一组", "sales"),
    ("sales-2", "销售二组", "sales"),
    ("county-east", "东城县级营销部", "marketing"),
    ("county-west", "西城县级营销部", "marketing"),
    ("delivery", "配送中心", "hq"),
]
REGIONS = [("east", "华东区"), ("north", "华北区"), ("south", "华南区"), ("southwest", "西南区")]
# (code, name, region, department)
STORES = [
    ("sh-nanjing-rd", "上海南京路店", "east", "sales"),
    ("sh-xujiahui", "上海徐家汇店", "east", "sales-1"),
    ("hz-wulin", "杭州武林店", "east", "sales-2"),
    ("bj-wangfujing", "北京王府井店", "north", "county-east"),
    ("tj-binjiang", "天津滨江道店", "north", "county-east"),
    ("gz-tianhe", "广州天河店", "south", "county-west"),
    ("sz-huaqiang", "深圳华强北店", "south", "county-west"),
    ("cd-chunxi", "成都春熙路店", "southwest", "sales"),
    ("cq-jiefangbei", "重庆解放碑店", "southwest", "sales-2"),
]
REP_DEPARTMENTS = ["sales-1", "sales-2", "county-east", "county-west"]


def generate(ctx: DemoContext) -> None:
    ctx.progress("organization", 0, 1)
    with transaction.atomic(using=ctx.using):
        roles = {
            "admin": Role.objects.create(code="admin", name="系统管理员", data_scope=DataScope.ALL,
                                         can_reveal_sensitive=True, can_restore_archived=True),
            "manager": Role.objects.create(code="manager", name="销售经理", data_scope=DataScope.DEPARTMENT,
                                           can_reveal_sensitive=True),
            "rep": Role.objects.create(code="rep", name="客户经理", data_scope=DataScope.OWN),
        }
        departments: dict[str, Department] = {}
        for order, (code, name, parent) in enumerate(DEPARTMENTS):
            departments[code] = Department.objects.create(
                code=code, name=name, parent=departments[parent] if parent else None, sort_order=order
            )
        regions = {code: Region.objects.create(code=code, name=name) for code, name in REGIONS}
        stores = [
            Store.objects.create(code=code, name=name, region=regions[region], department=departments[dept])
            for code, name, region, dept in STORES
        ]
        password = make_password(DEMO_PASSWORD)
        admin = User.objects.create(username="admin", password=password, display_name="系统管理员",
                                    is_staff=True, is_superuser=True, role=roles["admin"],
                                    department=departments["hq"])
        manager = User.objects.create(username="manager", password=password, display_name="王经理",
                                      role=roles["manager"], department=departments["sales"])
        departments["sales"].head = manager
        departments["sales"].save(update_fields=["head"])
        rep_count = max(2, ctx.customers // CUSTOMERS_PER_REP)
        reps = [
            User(username="rep1", password=password, display_name="李娜", role=roles["rep"],
                 department=departments["sales"]),
            User(username="rep2", password=password, display_name="张伟", role=roles["rep"],
                 department=departments["sales"]),
        ]
        for n in range(3, rep_count + 1):
            dept = departments[REP_DEPARTMENTS[n % len(REP_DEPARTMENTS)]]
            reps.append(User(username=f"rep{n}", password=password, display_name=f"客户经理{n:04d}",
                             role=roles["rep"], department=dept))
        reps = User.objects.bulk_create(reps, batch_size=1000)
    ctx.data.update(admin=admin, manager=manager, reps=reps, stores=stores, departments=departments)
    ctx.progress("organization", 1, 1)
    ctx.stdout(f"organization: {len(departments)} departments, {len(stores)} stores, {len(reps) + 2} users")
