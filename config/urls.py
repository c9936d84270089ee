from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config.api import api
from guanxi.accounts import views as account_views
from guanxi.core import views as core_views
from guanxi.customers import views as customer_views

urlpatterns = [
    path("", customer_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", account_views.set_language, name="set_language"),
    path("health/", core_views.health, name="health"),
    path("customers/", include("guanxi.customers.urls")),
    path("imports/", include("guanxi.imports.urls")),
    path("duplicates/", include("guanxi.dedupe.urls")),
    path("privacy/", include("guanxi.privacy.urls")),
    path("follow-up/", include("guanxi.interactions.urls")),
    path("calendar/holidays/", include("guanxi.holidays.urls")),
    path("calendar/", include("guanxi.core.urls")),
    path("events/", include("guanxi.core.event_urls")),
    path("orders/", include("guanxi.orders.urls")),
    path("assets/", include("guanxi.assets.urls")),
    path("analytics/", include("guanxi.analytics.urls")),
    path("organization/", include("guanxi.accounts.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]
