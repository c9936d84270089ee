from django.urls import URLPattern, path

from guanxi.analytics import views

app_name = "analytics"

urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("rfm/", views.rfm, name="rfm"),
    path("lifecycle/", views.lifecycle, name="lifecycle"),
    path("value/", views.value, name="value"),
    path("composition/", views.composition, name="composition"),
    path("basket/", views.basket, name="basket"),
    path("export/<slug:table>.<str:fmt>", views.export, name="export"),
    path("run/", views.run_now, name="run_now"),
    path("run/<int:run_id>/status/", views.run_status, name="run_status"),
]
