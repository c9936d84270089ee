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
