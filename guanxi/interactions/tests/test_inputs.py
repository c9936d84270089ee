"""The typed service inputs keep step with the forms and API schemas that build them (see
guanxi/customers/tests/test_inputs.py)."""

import pytest

from guanxi.core.inputs import input_keys
from guanxi.interactions import forms, schemas, services


@pytest.mark.parametrize(("source", "kind", "other"), [
    (schemas.InteractionIn.model_fields, services.InteractionInput, {"customer_id"}),
    (schemas.TaskIn.model_fields, services.TaskInput, set()),
    (schemas.TaskPatch.model_fields, services.TaskInput, {"done"}),
    (schemas.AppointmentIn.model_fields, services.TaskInput, set()),
    (forms.InteractionForm.base_fields, services.InteractionInput, set()),
    (forms.TaskForm.base_fields, services.TaskInput, set()),
    (forms.AppointmentForm.base_fields, services.TaskInput, set()),
])
def test_inputs_declare_every_field_their_callers_send(source, kind, other) -> None:
    assert set(source) - other <= input_keys(kind)
