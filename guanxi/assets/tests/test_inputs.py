"""The typed service inputs keep step with the forms and API schemas that build them (see
guanxi/customers/tests/test_inputs.py)."""

import pytest

from guanxi.assets import forms, schemas, services
from guanxi.core.inputs import input_keys


@pytest.mark.parametrize(("source", "kind"), [
    (schemas.HoldingIn.model_fields, services.HoldingInput), (schemas.HoldingPatch.model_fields, services.HoldingInput),
    (schemas.SnapshotIn.model_fields, services.SnapshotInput), (schemas.PolicyIn.model_fields, services.PolicyInput),
    (schemas.PolicyPatch.model_fields, services.PolicyInput), (schemas.ReviewIn.model_fields, services.ReviewInput),
    (schemas.ReviewPatch.model_fields, services.ReviewInput), (forms.HoldingForm.base_fields, services.HoldingInput),
    (forms.SnapshotForm.base_fields, services.SnapshotInput), (forms.PolicyForm.base_fields, services.PolicyInput),
    (forms.ReviewForm.base_fields, services.ReviewInput),
])
def test_inputs_declare_every_field_their_callers_send(source, kind) -> None:
    assert set(source) <= input_keys(kind)
