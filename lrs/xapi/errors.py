"""The one error type of the xAPI layer: a rejected value and the path of the field that holds it."""

from __future__ import annotations


class XapiValidationError(ValueError):
    """A statement, header or request value breaks an xAPI rule.

    ``field`` is a dotted/indexed path such as ``statement.actor.mbox`` or
    ``statements[3].context.registration`` so that a client can find the culprit.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __reduce__(self) -> tuple[type[XapiValidationError], tuple[str, str]]:
        return (type(self), (self.field, self.message))
