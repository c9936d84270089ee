import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from guanxi.customers.models import Customer
from guanxi.imports import services
from guanxi.imports.models import ImportJob, SavedMapping
from guanxi.imports.tests.helpers import csv_bytes, upload
from guanxi.testing.base import bearer, login

pytestmark = pytest.mark.django_db

GOOD = csv_bytes([["客户名单"], ["编号", "姓名", "手机"], ["K1", "张三", "13812341234"], ["K2", "李四", "12"]], "gbk")


@pytest.fixture
def sync_jobs(monkeypatch, django_capture_on_commit_callbacks):
    """Run queued jobs right away, as the worker would after the commit."""
    calls: list[int] = []

    def enqueue(job_id: int) -> None:
        calls.append(job_id)
        services.run_job(job_id)

    monkeypatch.setattr(services, "enqueue", enqueue)
    return calls


def test_enqueue_uses_django_q_after_commit(org, monkeypatch, django_capture_on_commit_callbacks) -> None:
    sent = []
    monkeypatch.setattr("django_q.tasks.async_task", lambda *a, **k: sent.append((a, k)))
    job = upload(org.owner, GOOD, "g.csv")
    with django_capture_on_commit_callbacks(execute=True):
        services.job_start(actor=org.owner, job=job)
        assert sent == []
    assert sent == [(("guanxi.imports.tasks.run_import", job.pk), {"task_name": f"import-{job.pk}", "group": "imports"})]


def test_wizard_upload_configure_start_review_apply(client, org, sync_jobs, django_capture_on_commit_callbacks) -> None:
    login(client, org.owner)
    response = client.post("/imports/upload/", {"file": SimpleUploadedFile("名单.csv", GOOD)})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    page = client.get(f"/imports/{job.pk}/")
    assert page.status_code == 200
    assert 'data-error="true"' in page.content.decode()
    form = {"encoding": "gb18030", "header_row": 2, "mode": "both", "col_0": "code", "col_1": "name", "col_2": "phones",
            "save_mapping_as": "名单", "action": "start"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/imports/{job.pk}/configure/", form)
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.state, job.invalid_rows) == ("review", 1)
    assert SavedMapping.objects.get(name="名单").columns == {"编号": "code", "姓名": "name", "手机": "phones"}
    status = client.get(f"/imports/{job.pk}/progress/")
    assert "phones" in status.content.decode()
    errors = client.get(f"/imports/{job.pk}/errors/?format=csv")
    text = b"".join(errors.streaming_content).decode("utf-8")
    assert "K2" in text and "K1" not in text
    xlsx = client.get(f"/imports/{job.pk}/errors/?format=xlsx")
    assert xlsx.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/imports/{job.pk}/apply-valid/").status_code == 302
    assert list(Customer.objects.values_list("code", flat=True)) == ["K1"]
    assert client.get("/imports/").status_code == 200


def test_wizard_refuses_a_field_mapped_twice(client, org) -> None:
    job = upload(org.owner, GOOD, "g.csv")
    response = login(client, org.owner).post(f"/imports/{job.pk}/configure/", {
        "encoding": "gb18030", "header_row": 2, "mode": "both", "col_0": "name", "col_1": "name", "action": "start"})
    assert response.status_code == 422
    job.refresh_from_db()
    assert job.state == "uploaded"


@pytest.mark.outsider("imports:list", "imports:upload", "imports:detail", "imports:configure", "imports:progress",
                      "imports:apply_valid", "imports:error_file")
def test_outsider_cannot_see_or_touch_another_users_import(client, org) -> None:
    job = upload(org.owner, GOOD, "g.csv")
    login(client, org.outsider)
    assert "g.csv" not in client.get("/imports/").content.decode()
    for url in (f"/imports/{job.pk}/", f"/imports/{job.pk}/progress/", f"/imports/{job.pk}/errors/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/imports/{job.pk}/configure/", {"header_row": 1, "mode": "both"}).status_code == 404
    assert client.post(f"/imports/{job.pk}/apply-valid/").status_code == 404
    response = client.post("/imports/upload/", {"file": SimpleUploadedFile("e.csv", b"")})
    assert response.status_code == 422
    job.refresh_from_db()
    assert job.state == "uploaded"
    assert ImportJob.objects.count() == 1


def _upload_api(client, headers, content=GOOD, name="g.csv", **fields):
    return client.post("/api/v1/imports", {"file": SimpleUploadedFile(name, content), **fields}, headers=headers)


def test_api_upload_apply_status(client, org, sync_jobs, django_capture_on_commit_callbacks) -> None:
    headers = bearer(client, org.owner)
    created = _upload_api(client, headers)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["state"], body["header_row"], body["encoding"]) == ("uploaded", 2, "gb18030")
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post(f"/api/v1/imports/{body['id']}/apply", {}, content_type="application/json",
                              headers=headers)
    assert started.status_code == 202
    status = client.get(f"/api/v1/imports/{body['id']}", headers=headers).json()
    assert (status["state"], status["invalid_rows"], status["errors"][0]["field"]) == ("review", 1, "phones")
    refused = client.post(f"/api/v1/imports/{body['id']}/apply", {}, content_type="application/json", headers=headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "apply_valid_only"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/api/v1/imports/{body['id']}/apply", {"apply_valid_only": True}, content_type="application/json",
                    headers=headers)
    status = client.get(f"/api/v1/imports/{body['id']}", headers=headers).json()
    assert (status["state"], status["created"]) == ("done", 1)


def test_api_bad_input(client, org) -> None:
    headers = bearer(client, org.owner)
    empty = _upload_api(client, headers, content=b"")
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "file"
    job = _upload_api(client, headers).json()
    bad = client.post(f"/api/v1/imports/{job['id']}/apply", {"mode": "merge"}, content_type="application/json",
                      headers=headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "mode"
    unknown = client.post(f"/api/v1/imports/{job['id']}/apply", {"mapping": {"0": "nonsense"}},
                          content_type="application/json", headers={**headers, "Accept-Language": "en"})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "mapping"


@pytest.mark.outsider("POST /imports", "GET /imports/{job_id}", "POST /imports/{job_id}/apply")
def test_api_outsider_gets_404(client, org) -> None:
    job = _upload_api(client, bearer(client, org.owner)).json()
    headers = bearer(client, org.outsider)
    assert client.get(f"/api/v1/imports/{job['id']}", headers=headers).status_code == 404
    response = client.post(f"/api/v1/imports/{job['id']}/apply", {}, content_type="application/json", headers=headers)
    assert response.status_code == 404
    assert ImportJob.objects.get(pk=job["id"]).state == "uploaded"
    own = _upload_api(client, headers)
    assert own.status_code == 201 and own.json()["id"] != job["id"]


def test_command_exit_codes(org, tmp_path) -> None:
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes([["姓名", "手机"], ["张三", "13812341234"]]))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["姓名", "手机"], ["李四", "13912341234"], ["王五", "1"]]))
    out = io.StringIO()
    call_command("import", "customers", str(good), "--user", "owner", stdout=out, stderr=io.StringIO())
    assert "created 1" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("import", "customers", str(bad), "--user", "owner", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Customer.objects.filter(name="李四").exists()
    call_command("import", "customers", str(bad), "--user", "owner", "--apply-valid-only", stdout=io.StringIO(),
                 stderr=io.StringIO())
    assert Customer.objects.filter(name="李四").exists()
    with pytest.raises(CommandError):
        call_command("import", "customers", str(tmp_path / "missing.csv"), "--user", "owner")


def test_cli_exit_code_is_non_zero_when_nothing_applied(org, tmp_path) -> None:
    from guanxi.cli import main

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["姓名", "手机"], ["王五", "1"]]))
    with pytest.raises(SystemExit) as exit_info:
        main(["import", "customers", str(bad), "--user", "owner"])
    assert exit_info.value.code == 1
