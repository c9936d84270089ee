from django.urls import path

from guanxi.core import views

app_name = "calendar"

urlpatterns = [
    path("", views.reminders, name="reminders"),
    path("holidays/", views.holiday_list, name="holidays"),
    path("holidays/<int:holiday_id>/delete/", views.holiday_delete, name="holiday_delete"),
]
