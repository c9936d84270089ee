"""Customer pages. Each view parses, calls a service or selector, and renders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanxi.accounts.http import request_user
from guanxi.accounts.models import User
from guanxi.core.errors import ConflictError, NotPermitted
from guanxi.core.htmx import render_page_or_partial
from guanxi.core.inputs import typed_input
from guanxi.core.registry import EditRequest, registry
from guanxi.core.spreadsheet import csv_lines, xlsx_workbook
from guanxi.customers import contact_services, custom_fields, handover, selectors, services, tabs
from guanxi.customers.forms import (
    CUSTOM_FORM_PREFIX,
    ConsentForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    CustomFieldForm,
    FamilyMemberForm,
    HandoverForm,
    ReferralForm,
    add_service_errors,
)
from guanxi.customers.ledger import LEDGER_FIELDS
from guanxi.customers.models import Customer, CustomField
from guanxi.customers.rows import list_rows_html

PAGE_SIZE = 50


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    figures = selectors.home_figures(user=user)
    recent = selectors.recently_created(user=user, since=timezone.now() - dt.timedelta(days=30))
    panels = [(panel, panel.context(request)) for panel in registry.home_panels]
    return render(request, "customers/home.html", {"figures": figures, "recent": recent, "panels": panels})


@login_required
@require_GET
def customer_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    form = CustomerFilterForm(request.GET, user=user)
    columns = [*registry.list_columns, *selectors.custom_list_columns(form.active_custom)]
    context: dict[str, Any] = {
        "form": form, "page": None, "columns": columns,
        "search_cap": settings.GUANXI_SEARCH_COUNT_CAP, "search_cap_plus_one": settings.GUANXI_SEARCH_COUNT_CAP + 1,
    }
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        context["page"] = selectors.customer_page(
            user=user, filters=form.filters(), sort=data.get("sort") or "name", cursor=data.get("cursor") or None,
            limit=PAGE_SIZE, columns=columns, fields=selectors.ROW_FIELDS,
        )
        context["rows"] = list_rows_html(context["page"].items, columns)
        context["sort"] = data.get("sort") or "name"
    else:
        status = 400
    query = request.GET.copy()
    query.pop("cursor", None)
    context["base_query"] = query.urlencode()
    sortless = query.copy()
    sortless.pop("sort", None)
    context["sortless_query"] = sortless.urlencode()
    return render_page_or_partial(
        request, "customers/list.html", "customers/partials/list_results.html", context, status=status
    )


def _form_context(form: CustomerForm, customer: Customer | None) -> dict[str, Any]:
    return {"form": form, "customer": customer}


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    if request.method == "POST":
        form = CustomerForm(request.POST, user=user)
        if form.is_valid():
            try:
                customer = services.customer_create(
                    actor=user, data=typed_input(services.CustomerInput, form.service_data()))
            except ValidationError as error:
                form.add_service_errors(error)
            else:
                messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
                return redirect("customers:detail", customer_id=customer.pk)
        return render(request, "customers/form.html", _form_context(form, None), status=422)
    form = CustomerForm(user=user, initial={"owner": user.pk, "department": user.department_id})
    return render(request, "customers/form.html", _form_context(form, None))


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    if request.method == "POST":
        form = CustomerForm(request.POST, user=user)
        if form.is_valid():
            requests: list[EditRequest] = []
            try:
                services.customer_update(
                    actor=user, customer=customer, version=form.cleaned_data.get("version") or 0,
                    data=typed_input(services.CustomerInput, form.service_data()), requests=requests,
                )
            except ValidationError as error:
                form.add_service_errors(error)
            except (ConflictError, NotPermitted) as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Customer %(name)s saved.") % {"name": customer.name})
                for gated in requests:
                    messages.info(request, _("Your change to %(fields)s needs approval: request %(id)s.") % {
                        "fields": ", ".join(str(LEDGER_FIELDS.get(f, f)) for f in gated.fields),
                        "id": gated.request_id})
                return redirect("customers:detail", customer_id=customer.pk)
        return render(request, "customers/form.html", _form_context(form, customer), status=422)
    form = CustomerForm(user=user, initial=CustomerForm.initial_for(customer, selectors.mask_phones(customer.phones)))
    return render(request, "customers/form.html", _form_context(form, customer))


@login_required
@require_POST
def customer_validate(request: HttpRequest) -> HttpResponse:
    """htmx: check one field as the user leaves it, without saving anything."""
    user = request_user(request)
    field = request.GET.get("field", "")
    customer = None
    if request.GET.get("customer", "").isdigit():
        customer = selectors.customer_get(user=user, customer_id=int(request.GET["customer"]))
    form = CustomerForm(request.POST, user=user)
    errors: list[str] = []
    if field in form.fields:
        form.is_valid()
        errors = [str(e) for e in form.errors.get(field, [])]
        if not errors:
            data = form.service_data()
            service_field = {"owner": "owner_id", "department": "department_id", "store": "store_id"}.get(field, field)
            if field.startswith(CUSTOM_FORM_PREFIX):
                key = field[len(CUSTOM_FORM_PREFIX):]
                errors = services.customer_field_errors(
                    actor=user, data={"kind": data.get("kind") or "person", "custom": {key: data["custom"][key]}},
                    instance=customer, field=f"custom.{key}",
                )
            elif service_field in data:
                errors = services.customer_field_errors(
                    actor=user, data=typed_input(services.CustomerInput, {service_field: data[service_field]}),
                    instance=customer, field=field
                )
    return render(request, "customers/partials/field_errors.html", {"errors": errors, "field": field})


@login_required
@require_GET
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id, include_archived=user.may_restore_archived)
    all_tabs = registry.customer_tabs
    active = registry.tab(request.GET.get("tab", "")) or all_tabs[0]
    context = {
        "customer": customer,
        "tabs": all_tabs,
        "active_tab": active,
        "masked_phones": selectors.mask_phones(customer.phones),
    }
    context.update(active.context(request, customer))
    context["customer"] = customer
    if handover.may_hand_over(user) and customer.archived_at is None:
        context["handover_form"] = HandoverForm(user=user, initial={"customer_ids": str(customer.pk),
                                                                    "to_owner": customer.owner_id})
    return render(request, "customers/detail.html", context)


@login_required
@require_GET
def customer_tab(request: HttpRequest, customer_id: int, key: str) -> HttpResponse:
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id, include_archived=user.may_restore_archived)
    tab = registry.tab(key)
    if tab is None:
        raise Http404("no such tab")
    return render(request, tab.template, tab.context(request, customer))


@login_required
@require_POST
def customer_reveal(request: HttpRequest, customer_id: int, field: str) -> HttpResponse:
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    try:
        value = services.customer_reveal(actor=user, customer=customer, field_name=field)
    except NotPermitted as error:
        return render(request, "customers/partials/revealed.html", {"error": error.message}, status=403)
    except ValidationError:
        raise Http404("no such field") from None
    values = value if isinstance(value, list) else [value]
    return render(request, "customers/partials/revealed.html", {"values": values, "field": field})


def _tab_form_post(
    request: HttpRequest,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    tab_key: str,
    customer: Customer,
    rename: dict[str, str] | None = None,
    keep_on_error: dict[str, Any] | None = None,
) -> HttpResponse:
    """A tab's inline form (family, referrals, consent): save through the service, then show the
    tab again — empty on success, with the field errors (422) when the form or the service refused."""
    status = 422
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error, rename=rename)
        else:
            form = type(form)()
            status = 200
    tab = registry.tab(tab_key)
    assert tab is not None
    context = tab.context(request, customer)
    context["form"] = form
    if status != 200:
        context.update(keep_on_error or {})
    return render(request, tab.template, context, status=status)


@login_required
@require_POST
def family_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: add a relative from the Family tab."""
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    return _tab_form_post(
        request, FamilyMemberForm(request.POST),
        lambda data: services.family_member_create(
            actor=user, customer=customer, data=typed_input(services.FamilyMemberInput, data)), "family", customer,
    )


@login_required
@require_http_methods(["GET", "POST"])
def family_edit(request: HttpRequest, customer_id: int, member_id: int) -> HttpResponse:
    """htmx: the Family tab with one relative's values in the form; saving changes that relative."""
    user = request_user(request)
    member = selectors.family_member_get(user=user, customer_id=customer_id, member_id=member_id)
    customer = member.customer
    if request.method == "GET":
        context = tabs.family_context(request, customer, FamilyMemberForm(initial=FamilyMemberForm.initial_for(member)))
        return render(request, "customers/tabs/family.html", {**context, "editing": member})
    return _tab_form_post(
        request, FamilyMemberForm(request.POST),
        lambda data: services.family_member_update(
            actor=user, member=member, data=typed_input(services.FamilyMemberInput, data)), "family", customer,
        keep_on_error={"editing": member},
    )


@login_required
@require_POST
def family_delete(request: HttpRequest, customer_id: int, member_id: int) -> HttpResponse:
    user = request_user(request)
    member = selectors.family_member_get(user=user, customer_id=customer_id, member_id=member_id)
    services.family_member_delete(actor=user, member=member)
    return render(request, "customers/tabs/family.html", tabs.family_context(request, member.customer))


@login_required
@require_POST
def referral_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: record whom this customer referred, from the Referrals tab."""
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    return _tab_form_post(
        request, ReferralForm(request.POST),
        lambda data: services.referral_create(
            actor=user, referrer=customer, data=typed_input(services.ReferralInput, data)), "referrals", customer,
        rename={"referred": "referred_code"},
    )


@login_required
@require_POST
def referral_delete(request: HttpRequest, customer_id: int, referral_id: int) -> HttpResponse:
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    referral = selectors.referral_get(user=user, customer_id=customer_id, referral_id=referral_id)
    services.referral_delete(actor=user, referral=referral)
    return render(request, "customers/tabs/referrals.html", tabs.referrals_context(request, customer))


@login_required
@require_POST
def consent_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: record a consent decision from the Consent tab."""
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    return _tab_form_post(
        request, ConsentForm(request.POST),
        lambda data: services.consent_record(
            actor=user, customer=customer, data=typed_input(services.ConsentInput, data)), "consent", customer,
    )


@login_required
@require_POST
def customer_review(request: HttpRequest, customer_id: int, info_class: str) -> HttpResponse:
    """htmx: mark a class of information reviewed, then show the profile tab again."""
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    try:
        customer = services.customer_review(actor=user, customer=customer, info_class=info_class)
    except ValidationError:
        raise Http404("no such information class") from None
    tab = registry.tab("profile")
    assert tab is not None
    return render(request, tab.template, tab.context(request, customer))


def _custom_fields_page(request: HttpRequest, field: CustomField | None) -> HttpResponse:
    user = request_user(request)
    if not user.is_administrator:
        raise PermissionDenied
    status = 200
    if request.method == "POST":
        form = CustomFieldForm(request.POST, instance=field)
        if form.is_valid():
            data = typed_input(custom_fields.CustomFieldInput, form.cleaned_data)
            try:
                if field is None:
                    custom_fields.custom_field_create(actor=user, data=data)
                else:
                    custom_fields.custom_field_update(actor=user, field=field, data=data)
                messages.success(request, _("Custom field saved."))
                return redirect("customers:custom_fields")
            except ValidationError as error:
                add_service_errors(form, error)
        status = 422
    else:
        form = CustomFieldForm(instance=field, initial=CustomFieldForm.initial_for(field) if field else None)
    fields = selectors.custom_field_list(include_inactive=True)
    return render(request, "customers/custom_fields.html", {"form": form, "fields": fields, "editing": field},
                  status=status)


@login_required
@require_http_methods(["GET", "POST"])
def custom_field_list(request: HttpRequest) -> HttpResponse:
    """Administrators define custom fields here; the form beside the list adds one."""
    return _custom_fields_page(request, None)


@login_required
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, field_id: int) -> HttpResponse:
    if not request_user(request).is_administrator:
        raise PermissionDenied
    return _custom_fields_page(request, selectors.custom_field_get(field_id=field_id))


@login_required
@require_GET
def history_export(request: HttpRequest, customer_id: int) -> HttpResponseBase:
    """The customer's change ledger as CSV or xlsx, masked as the user sees it; the export is logged."""
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id, include_archived=user.may_restore_archived)
    file_format = request.GET.get("format", "csv")
    field = request.GET.get("field", "")
    if file_format not in ("csv", "xlsx") or (field and field not in LEDGER_FIELDS and not field.startswith("custom.")):
        return HttpResponse(_("Choose csv or xlsx and a ledger field."), status=400, content_type="text/plain")
    header, rows = selectors.history_table(user=user, customer=customer, field=field)
    services.customer_export_logged(actor=user, customer=customer, what="history")
    filename = f"history-{customer.code}.{file_format}"
    if file_format == "xlsx":
        response: HttpResponseBase = FileResponse(
            xlsx_workbook(_("Change ledger"), header, rows), as_attachment=True, filename=filename,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        return response
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_GET
def top_referrers(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/referrers.html", {"rows": selectors.top_referrers(user=request_user(request), limit=50)})


@login_required
@require_POST
def customer_archive(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    services.customer_archive(actor=user, customer=customer)
    messages.success(request, _("Customer %(name)s archived.") % {"name": customer.name})
    return redirect("customers:list")


@login_required
@require_POST
def customer_restore(request: HttpRequest, customer_id: int) -> HttpResponse:
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id, include_archived=True)
    try:
        services.customer_restore(actor=user, customer=customer)
    except NotPermitted as error:
        messages.error(request, error.message)
        return redirect("customers:list")
    messages.success(request, _("Customer %(name)s restored.") % {"name": customer.name})
    return redirect("customers:detail", customer_id=customer.pk)


@login_required
@require_POST
def contact_add(request: HttpRequest, customer_id: int) -> HttpResponse:
    """htmx: add a contact person from the Contacts tab."""
    user = request_user(request)
    customer = selectors.customer_get(user=user, customer_id=customer_id)
    form = ContactForm(request.POST)
    return _contact_form_post(
        request, form, lambda: contact_services.contact_create(
            actor=user, customer=customer, data=typed_input(contact_services.ContactInput, form.service_data())),
        customer)


def _contact_form_post(
    request: HttpRequest, form: ContactForm, save: Callable[[], object], customer: Customer,
    editing: object = None,
) -> HttpResponse:
    status = 422
    if form.is_valid():
        try:
            save()
        except ValidationError as error:
            add_service_errors(form, error)
        except (ConflictError, NotPermitted) as error:
            form.add_error(None, error.message)
        else:
            form, status, editing = ContactForm(), 200, None
    context = tabs.contacts_context(request, customer, form)
    if editing is not None:
        context["editing"] = editing
    return render(request, "customers/tabs/contacts.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    """htmx: the Contacts tab with one contact's values in the form; saving changes that contact."""
    user = request_user(request)
    contact = selectors.contact_get(user=user, customer_id=customer_id, contact_id=contact_id)
    customer = contact.customer
    if request.method == "GET":
        context = tabs.contacts_context(request, customer, ContactForm(initial=ContactForm.initial_for(contact)))
        return render(request, "customers/tabs/contacts.html", {**context, "editing": contact})
    form = ContactForm(request.POST)
    return _contact_form_post(
        request, form, lambda: contact_services.contact_update(
            actor=user, contact=contact, version=form.cleaned_data.get("version") or 0,
            data=typed_input(contact_services.ContactInput, form.service_data())),
        customer, editing=contact)


@login_required
@require_POST
def contact_delete(request: HttpRequest, customer_id: int, contact_id: int) -> HttpResponse:
    user = request_user(request)
    contact = selectors.contact_get(user=user, customer_id=customer_id, contact_id=contact_id)
    customer = contact.customer
    contact_services.contact_delete(actor=user, contact=contact)
    return render(request, "customers/tabs/contacts.html", tabs.contacts_context(request, customer))


@login_required
@require_GET
def contact_search(request: HttpRequest) -> HttpResponse:
    """Find contact people by name, pinyin or phone piece, each with its organization."""
    user = request_user(request)
    q = request.GET.get("q", "")[:100].replace("\x00", "")
    found = selectors.contact_search(user=user, q=q) if q.strip() else []
    more = len(found) > selectors.CONTACT_SEARCH_LIMIT
    return render_page_or_partial(
        request, "customers/contacts.html", "customers/partials/contact_results.html",
        {"q": q, "contacts": found[: selectors.CONTACT_SEARCH_LIMIT], "more": more},
    )


@login_required
@require_POST
def customer_handover(request: HttpRequest) -> HttpResponse:
    """Managers hand customers (one from its page, or the ones ticked on the list) to another manager."""
    user = request_user(request)
    if not handover.may_hand_over(user):
        raise PermissionDenied
    form = HandoverForm(request.POST, user=user)
    back = request.POST.get("next", "")
    target = back if back.startswith("/") and not back.startswith("//") else "/customers/"
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect(target)
    to_owner = User.objects.filter(pk=form.cleaned_data["to_owner"]).first()
    try:
        if to_owner is None:
            raise ValidationError({"to_owner": [_("Unknown account manager.")]})
        result = handover.customer_handover(actor=user, customer_ids=form.cleaned_data["customer_ids"],
                                            to_owner=to_owner)
    except NotPermitted as error:
        raise PermissionDenied(error.message) from None
    except ValidationError as error:
        messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
        return redirect(target)
    messages.success(request, _("%(count)d customers handed over to %(name)s; %(moved)d open tasks and "
                                "appointments moved with them.") % {
        "count": result.customers, "name": str(to_owner), "moved": sum(result.moved.values())})
    return redirect(target)
