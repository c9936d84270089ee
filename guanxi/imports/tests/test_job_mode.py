"""The mode sent with an upload is set through the imports service, not by the endpoint."""

import pytest
from django.core.exceptions import ValidationError

from guanxi.imports import services
from guanxi.imports.choices import JobState
from guanxi.imports.models import ImportJob
from guanxi.imports.tests.helpers import csv_bytes, upload

pytestmark = pytest.mark.django_db


def test_mode_is_set_on_an_uploaded_job_only(org) -> None:
    job = upload(org.owner, csv_bytes([["姓名"], ["张三"]]))
    assert services.job_set_mode(job=job, mode="create").mode == "create"
    assert ImportJob.objects.get(pk=job.pk).mode == "create"
    with pytest.raises(ValidationError) as caught:
        services.job_set_mode(job=job, mode="merge")
    assert set(caught.value.message_dict) == {"mode"}
    ImportJob.objects.filter(pk=job.pk).update(state=JobState.QUEUED)
    job.refresh_from_db()
    with pytest.raises(ValidationError) as caught:
        services.job_set_mode(job=job, mode="update")
    assert set(caught.value.message_dict) == {"state"}
    assert ImportJob.objects.get(pk=job.pk).mode == "create"
