"""Errors the Microsoft connectors raise, and the one place they become DeliveryResults."""

from __future__ import annotations

from connectors.base import DeliveryResult


class ConnectorError(Exception):
    """Base of every error the Microsoft connectors raise (messages never carry secrets)."""


class TransientError(ConnectorError):
    """Throttled, unavailable or unreachable after the in-connector retries: try again later."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PermanentError(ConnectorError):
    """The service refused the request (4xx other than 429): retrying the same request cannot help."""

    def __init__(
        self, detail: str, *, status: int | None = None, code: str = "", address_invalid: bool = False
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.address_invalid = address_invalid


class UnknownUserError(PermanentError):
    def __init__(self, email: str) -> None:
        super().__init__(f"no Entra user for {email}", status=404, code="UserNotFound", address_invalid=True)
        self.email = email


class AuthenticationError(PermanentError):
    """msal could not get a token (bad secret, certificate or tenant)."""


class ConfigurationError(PermanentError):
    """A set-up mistake (an untrusted TLS certificate, ...): retrying cannot help until it is fixed."""


def delivery_result_for(error: ConnectorError) -> DeliveryResult:
    if isinstance(error, TransientError):
        return DeliveryResult.retry(error.retry_after, str(error))
    if isinstance(error, PermanentError):
        return DeliveryResult.failed(str(error), address_invalid=error.address_invalid)
    return DeliveryResult.failed(str(error))
