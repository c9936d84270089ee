from django.urls import path

from guanxi.core import views

app_name = "calendar"

urlpatterns = [
    path("", views.reminders, name="reminders"),
]
