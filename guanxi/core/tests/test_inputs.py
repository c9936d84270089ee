"""typed_input: a service input built from an untyped mapping keeps absent keys absent."""

from typing import TypedDict

import pytest

from guanxi.core.inputs import input_keys, typed_input


class _Base(TypedDict):
    code: str


class _Input(_Base, total=False):
    name: str
    parent_id: int | None


def test_typed_input_keeps_declared_keys_and_leaves_absent_ones_absent() -> None:
    assert typed_input(_Input, {"code": "a", "parent_id": None, "version": 3}) == {"code": "a", "parent_id": None}
    assert "name" not in typed_input(_Input, {"code": "a"})
    assert input_keys(_Input) == frozenset({"code", "name", "parent_id"})


def test_typed_input_refuses_a_class_that_is_not_a_typed_dict() -> None:
    with pytest.raises(TypeError):
        typed_input(dict, {"code": "a"})
