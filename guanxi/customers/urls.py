from django.urls import path

from guanxi.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("validate/", views.customer_validate, name="validate"),
    path("referrers/", views.top_referrers, name="referrers"),
    path("fields/", views.custom_field_list, name="custom_fields"),
    path("fields/<int:field_id>/", views.custom_field_edit, name="custom_field_edit"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path("<int:customer_id>/tab/<slug:key>/", views.customer_tab, name="tab"),
    path("<int:customer_id>/reveal/<slug:field>/", views.customer_reveal, name="reveal"),
    path("<int:customer_id>/family/", views.family_add, name="family_add"),
    path("<int:customer_id>/family/<int:member_id>/edit/", views.family_edit, name="family_edit"),
    path("<int:customer_id>/family/<int:member_id>/delete/", views.family_delete, name="family_delete"),
    path("contacts/", views.contact_search, name="contacts"),
    path("handover/", views.customer_handover, name="handover"),
    path("<int:customer_id>/contacts/", views.contact_add, name="contact_add"),
    path("<int:customer_id>/contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("<int:customer_id>/contacts/<int:contact_id>/delete/", views.contact_delete, name="contact_delete"),
    path("<int:customer_id>/referrals/", views.referral_add, name="referral_add"),
    path("<int:customer_id>/referrals/<int:referral_id>/delete/", views.referral_delete, name="referral_delete"),
    path("<int:customer_id>/consent/", views.consent_add, name="consent_add"),
    path("<int:customer_id>/history/export/", views.history_export, name="history_export"),
    path("<int:customer_id>/review/<slug:info_class>/", views.customer_review, name="review"),
    path("<int:customer_id>/archive/", views.customer_archive, name="archive"),
    path("<int:customer_id>/restore/", views.customer_restore, name="restore"),
]
