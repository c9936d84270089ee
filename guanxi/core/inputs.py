"""Typed service inputs: every write service takes a `TypedDict` declared with `total=False` next to
it, so an absent key means "not sent" (keep the stored value) and `None` means "clear it".

Callers that hold an untyped mapping (a form's `cleaned_data`, an API payload's
`model_dump(exclude_unset=True)`, a staged import row) build the input with `typed_input`, which keeps
only the keys the input declares; the service validates every value as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar, cast

T = TypeVar("T")


def input_keys(cls: type[object]) -> frozenset[str]:
    """The keys a `TypedDict` input declares (inherited ones included)."""
    required: frozenset[str] = getattr(cls, "__required_keys__", frozenset())
    optional: frozenset[str] = getattr(cls, "__optional_keys__", frozenset())
    if not required and not optional:
        raise TypeError(f"{cls.__name__} is not a TypedDict")
    return required | optional


def typed_input(cls: type[T], values: Mapping[str, object]) -> T:
    """`values` as the `TypedDict` input `cls`: the keys it declares that `values` holds, nothing else.

    A key `values` lacks stays absent (a partial update leaves that field alone)."""
    keys = input_keys(cls)
    return cast(T, {key: value for key, value in values.items() if key in keys})
