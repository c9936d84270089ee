"""The typed service inputs keep step with the forms and API schemas that build them: `typed_input`
keeps only the keys an input declares, so a field missing there would be dropped silently."""

import pytest

from guanxi.core.inputs import input_keys
from guanxi.customers import contact_services, custom_fields, forms, schemas, services
from guanxi.customers.profile import PROFILE_FIELDS


def test_every_profile_field_is_a_customer_input_key() -> None:
    assert {spec.name for spec in PROFILE_FIELDS} <= input_keys(services.CustomerInput)


@pytest.mark.parametrize(("source", "kind"), [
    (schemas.CustomerIn, services.CustomerInput), (schemas.CustomerPatch, services.CustomerInput),
    (schemas.FamilyMemberIn, services.FamilyMemberInput), (schemas.FamilyMemberPatch, services.FamilyMemberInput),
    (schemas.ReferralIn, services.ReferralInput), (schemas.ConsentIn, services.ConsentInput),
    (schemas.ContactIn, contact_services.ContactInput), (schemas.ContactPatch, contact_services.ContactInput),
    (schemas.CustomFieldIn, custom_fields.CustomFieldInput), (schemas.CustomFieldPatch, custom_fields.CustomFieldInput),
])
def test_api_inputs_name_only_keys_the_service_input_declares(source, kind) -> None:
    assert set(source.model_fields) - {"version"} <= input_keys(kind)


@pytest.mark.parametrize(("form", "kind"), [
    (forms.FamilyMemberForm, services.FamilyMemberInput), (forms.ReferralForm, services.ReferralInput),
    (forms.ConsentForm, services.ConsentInput), (forms.ContactForm, contact_services.ContactInput),
    (forms.CustomFieldForm, custom_fields.CustomFieldInput),
])
def test_forms_name_only_keys_the_service_input_declares(form, kind) -> None:
    assert set(form.base_fields) - {"version"} <= input_keys(kind)
