from django.urls import path

from guanxi.core import event_views

app_name = "events"

urlpatterns = [
    path("dead-letters/", event_views.dead_letters, name="dead_letters"),
    path("dead-letters/retry/", event_views.dead_letters_retry_all, name="dead_letters_retry_all"),
    path("dead-letters/<int:delivery_id>/retry/", event_views.dead_letter_retry, name="dead_letter_retry"),
]
