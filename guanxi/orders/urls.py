from django.urls import path

from guanxi.orders import views

app_name = "orders"

urlpatterns = [
    path("", views.order_list, name="list"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("<int:order_id>/status-link/", views.status_link, name="status_link"),
    path("products/", views.product_list, name="products"),
    path("products/<int:product_id>/", views.product_edit, name="product"),
    path("categories/", views.category_list, name="categories"),
    path("stores/", views.store_list, name="stores"),
    path("stores/<int:store_id>/", views.store_detail, name="store"),
    path("s/<str:token>/", views.order_status, name="status"),
]
