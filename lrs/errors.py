"""Domain errors. Raised where the problem is found; `lrs.http.middleware` maps them to HTTP in one place."""

from __future__ import annotations


class LrsError(Exception):
    """Base class: `str(err)` is the message shown to the client."""


class InvalidRequest(LrsError):
    """The request is malformed (400). `field` names the offending parameter or property."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Conflict(LrsError):
    """The request conflicts with stored data (409), e.g. a statement id reused with other content."""


class NotFound(LrsError):
    """The resource does not exist (404)."""


class PreconditionFailed(LrsError):
    """An If-Match / If-None-Match precondition failed (412)."""


class PreconditionRequired(LrsError):
    """A concurrency header was required but missing (409 in xAPI 1.0.3, 428 where the spec allows)."""


class PayloadTooLarge(LrsError):
    """The request body or an attachment is over the configured limit (413)."""


class NotAuthenticated(LrsError):
    """No or wrong credentials (401)."""


class NotPermitted(LrsError):
    """Authenticated, but the credential's scopes do not allow this (403)."""
