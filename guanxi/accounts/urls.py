from django.urls import path

from guanxi.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.organization, name="organization"),
]
