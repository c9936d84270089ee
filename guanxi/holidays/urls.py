from django.urls import path

from guanxi.holidays import views

app_name = "holidays"

urlpatterns = [
    path("", views.holiday_list, name="list"),
    path("<int:holiday_id>/delete/", views.holiday_delete, name="delete"),
]
