"""The import list keeps its query count with 1 job and 30."""

import itertools

import pytest

from guanxi.imports.models import ImportJob
from guanxi.testing.base import login
from guanxi.testing.query_counts import assert_app_query_counts

pytestmark = pytest.mark.django_db


def test_list_routes_keep_their_query_counts(client, org) -> None:
    serial = itertools.count()

    def add_rows(n: int) -> None:
        for _ in range(n):
            i = next(serial)
            ImportJob.objects.create(user=[org.owner, org.admin][i % 2], source_name=f"customers-{i}.csv",
                                     file_format="csv", state=["uploaded", "done", "failed"][i % 3])

    assert_app_query_counts(login(client, org.admin), "imports", {}, add_rows)
