from django.urls import path

from guanxi.privacy import views

app_name = "privacy"

urlpatterns = [
    path("customers/<int:customer_id>/export/", views.export, name="export"),
    path("customers/<int:customer_id>/erase/", views.erase, name="erase"),
]
