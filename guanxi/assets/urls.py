from django.urls import path

from guanxi.assets import views

app_name = "assets"

urlpatterns = [
    path("<int:customer_id>/holdings/", views.holdings, name="holdings"),
    path("<int:customer_id>/holdings/new/", views.holding_add, name="holding_add"),
    path("<int:customer_id>/holdings/<int:holding_id>/edit/", views.holding_edit, name="holding_edit"),
    path("<int:customer_id>/holdings/<int:holding_id>/delete/", views.holding_delete, name="holding_delete"),
    path("<int:customer_id>/holdings/<int:holding_id>/values/", views.snapshots, name="snapshots"),
    path("<int:customer_id>/insurance/", views.insurance, name="insurance"),
    path("<int:customer_id>/insurance/new/", views.policy_add, name="policy_add"),
    path("<int:customer_id>/insurance/<int:policy_id>/edit/", views.policy_edit, name="policy_edit"),
    path("<int:customer_id>/insurance/<int:policy_id>/delete/", views.policy_delete, name="policy_delete"),
    path("<int:customer_id>/insurance/main-earner/", views.main_earner, name="main_earner"),
    path("<int:customer_id>/reviews/", views.reviews, name="reviews"),
    path("<int:customer_id>/reviews/<int:review_id>/", views.review, name="review"),
    path("<int:customer_id>/reviews/<int:review_id>/notes/", views.review_notes, name="review_notes"),
    path("<int:customer_id>/reviews/<int:review_id>/delete/", views.review_delete, name="review_delete"),
]
