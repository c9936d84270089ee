"""The typed service inputs keep step with the forms and API schemas that build them (see
guanxi/customers/tests/test_inputs.py)."""

import pytest

from guanxi.core.inputs import input_keys
from guanxi.orders import forms, schemas, services


@pytest.mark.parametrize(("source", "kind"), [
    (schemas.ProductIn.model_fields, services.ProductInput), (schemas.ProductPatch.model_fields, services.ProductInput),
    (schemas.CategoryIn.model_fields, services.CategoryInput), (forms.ProductEditForm.base_fields, services.ProductInput),
    (forms.CategoryForm.base_fields, services.CategoryInput),
])
def test_inputs_declare_every_field_their_callers_send(source, kind) -> None:
    assert set(source) - {"version"} <= input_keys(kind)
