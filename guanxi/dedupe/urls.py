from django.urls import path

from guanxi.dedupe import views

app_name = "dedupe"

urlpatterns = [
    path("", views.duplicate_list, name="list"),
    path("compare/", views.compare, name="compare"),
    path("merges/", views.merge_list, name="merges"),
    path("merges/<int:merge_id>/", views.merge_detail, name="merge_detail"),
]
