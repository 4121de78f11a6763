"""A string that never shows itself in a repr, str, log line or error message."""

from __future__ import annotations


class Secret:
    """Wraps a credential or a URL that grants access (a Workflows webhook URL with its `sig`)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)
