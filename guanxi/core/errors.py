"""Domain errors every layer understands: views turn them into messages, the API into JSON."""

from __future__ import annotations


class ConflictError(Exception):
    """Someone else changed the record since it was read (optimistic locking)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotPermitted(Exception):
    """The user may see the record but may not do this to it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FieldErrors:
    """Collects a service's field errors, so the user sees all of them at once, then raises them as
    one `ValidationError` keyed by field (which the forms and the API both understand)."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            from django.core.exceptions import ValidationError

            raise ValidationError(self.by_field)
