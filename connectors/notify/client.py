"""GOV.UK Notify over notifications-python-client, with its errors translated where they enter.

The official client is synchronous (`requests`) and not thread-safe, so each call runs on a worker
thread with a client of its own, taken from a small pool.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import requests
from notifications_python_client.errors import APIError
from notifications_python_client.notifications import NotificationsAPIClient
from requests.adapters import HTTPAdapter

from connectors.notify.settings import NotifySettings
from connectors.throttling import note_throttled

Result = TypeVar("Result")


class NotifyError(Exception):
    """Base of the errors the Notify client raises; `str()` never contains the API key."""


class NotifyTransientError(NotifyError):
    """429 (rate or daily limit), 5xx, or no answer at all: try again later."""

    def __init__(self, detail: str, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class NotifyRejected(NotifyError):
    """400/403 and other 4xx: the request will not succeed as sent."""

    def __init__(self, detail: str, status_code: int, *, address_invalid: bool) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.address_invalid = address_invalid


@dataclass(frozen=True)
class SentNotification:
    notification_id: str
    reference: str | None


class _CaPinnedClient(NotificationsAPIClient):
    """The official client, passing `verify=` on every request.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a Session's `verify`, but not a
    per-request one, so a configured CA file must travel with each request to be honoured.
    """

    def __init__(self, settings: NotifySettings) -> None:
        super().__init__(  # type: ignore[no-untyped-call]  # the official client has no annotations
            settings.api_key, base_url=settings.base_url, timeout=settings.timeout_seconds
        )
        self._verify: str | bool = settings.ca_file or True

    def _create_request_objects(self, url: str, data: Any, params: Any) -> tuple[str, dict[str, Any]]:
        url, kwargs = super()._create_request_objects(url, data, params)  # type: ignore[no-untyped-call]
        kwargs["verify"] = self._verify
        return url, kwargs


class NotifyClient:
    def __init__(self, settings: NotifySettings) -> None:
        self._settings = settings
        self._idle: list[_CaPinnedClient] = []
        self._slots = asyncio.Semaphore(settings.max_concurrency)

    async def send_email(
        self,
        *,
        email_address: str,
        personalisation: Mapping[str, str],
        reference: str,
        one_click_unsubscribe_url: str | None,
    ) -> SentNotification:
        def call(client: _CaPinnedClient) -> Any:
            return client.send_email_notification(  # type: ignore[no-untyped-call]
                email_address=email_address,
                template_id=self._settings.template_id,
                personalisation=dict(personalisation),
                reference=reference,
                email_reply_to_id=self._settings.email_reply_to_id,
                one_click_unsubscribe_url=one_click_unsubscribe_url,
            )

        response = await self._run(call)
        try:
            return SentNotification(str(response["id"]), response.get("reference"))
        except (TypeError, KeyError) as err:
            raise NotifyTransientError(f"unexpected Notify response: {response!r:.200}") from err

    async def get_template(self) -> Mapping[str, Any]:
        """The configured template (an authenticated, side-effect free request)."""

        def call(client: _CaPinnedClient) -> Any:
            return client.get_template(self._settings.template_id)  # type: ignore[no-untyped-call]

        response = await self._run(call)
        if not isinstance(response, Mapping):
            raise NotifyTransientError(f"unexpected Notify response: {response!r:.200}")
        return response

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            _close_session(client.request_session)

    async def _run(self, call: Callable[[_CaPinnedClient], Result]) -> Result:
        async with self._slots:
            client = self._idle.pop() if self._idle else _CaPinnedClient(self._settings)
            try:
                return await asyncio.to_thread(_translated, call, client)
            finally:
                self._idle.append(client)


def _close_session(session: requests.Session) -> None:
    """Close the session's pooled sockets now. urllib3 2 closes them only when a pool is garbage
    collected, and an error response kept by an exception keeps its pool alive until then."""
    for adapter in session.adapters.values():
        if isinstance(adapter, HTTPAdapter):
            pools = adapter.poolmanager.pools
            for key in pools.keys():  # noqa: SIM118  (the container refuses plain iteration)
                pools[key].close()
    session.close()


def _translated(call: Callable[[_CaPinnedClient], Result], client: _CaPinnedClient) -> Result:
    try:
        return call(client)
    except APIError as err:
        domain_error = _domain_error(err)
        raise domain_error from err


def _domain_error(err: APIError) -> NotifyError:
    status = err.status_code
    detail = f"{status} {_describe(err.message)}"
    if status == 429 or status >= 500:
        retry_after = _retry_after(err)
        if status == 429 or retry_after is not None:
            note_throttled()
        return NotifyTransientError(detail, retry_after)
    return NotifyRejected(detail, status, address_invalid="email_address" in detail)


def _describe(message: Any) -> str:
    """Notify errors come as [{"error": "BadRequestError", "message": "..."}]."""
    if isinstance(message, list):
        return "; ".join(
            f"{item.get('error', 'Error')}: {item.get('message', '')}"
            if isinstance(item, Mapping)
            else str(item)
            for item in message
        )
    return str(message)


def _retry_after(err: APIError) -> float | None:
    headers = getattr(err.response, "headers", None) or {}
    try:
        return float(headers["Retry-After"])
    except (KeyError, TypeError, ValueError):
        return None
