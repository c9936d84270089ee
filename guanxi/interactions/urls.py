from django.urls import path

from guanxi.interactions import views

app_name = "interactions"

urlpatterns = [
    path("", views.today, name="today"),
    path("log/<int:customer_id>/", views.log, name="log"),
    path("contacts/<int:interaction_id>/delete/", views.interaction_delete, name="interaction_delete"),
    path("timeline/<int:customer_id>/", views.timeline, name="timeline"),
    path("calendar/", views.calendar, name="calendar"),
    path("due/", views.due, name="due"),
    path("round/", views.round_plan, name="round"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/<int:task_id>/done/", views.task_done, name="task_done"),
    path("tasks/<int:task_id>/move/", views.task_move, name="task_move"),
    path("board/", views.board_week, name="board_week"),
    path("board/month/", views.board_month, name="board_month"),
    path("appointments/", views.appointments, name="appointments"),
    path("appointments/plan/<int:customer_id>/", views.appointment_plan, name="appointment_plan"),
    path("appointments/<int:appointment_id>/act/", views.appointment_act, name="appointment_act"),
    path("stats/", views.stats, name="stats"),
    path("stats/export/", views.stats_export, name="stats_export"),
    path("reminders/task/", views.reminder_task, name="reminder_task"),
    path("settings/", views.follow_up_settings, name="settings"),
]
