from django.urls import path

from guanxi.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("upload/", views.job_upload, name="upload"),
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/configure/", views.job_configure, name="configure"),
    path("<int:job_id>/progress/", views.job_progress, name="progress"),
    path("<int:job_id>/apply-valid/", views.job_apply_valid, name="apply_valid"),
    path("<int:job_id>/errors/", views.job_error_file, name="error_file"),
    path("export/customers/", views.export_customers, name="export_customers"),
]
