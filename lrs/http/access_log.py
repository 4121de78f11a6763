"""The access log: one line per request, with a request id and no credentials or personal data.

Query strings carry secrets (the demo link's `auth=Basic ...`, a check-in link's `token=`) and
learners' emails (`agent=` on state, profile and agent queries; `more` cursors repeat them). Only the
values of parameters known to be harmless are logged; every other value becomes `[redacted]`, and any
email left anywhere in the logged path is replaced too. Every line carries the request's id, which is
also sent back as `X-Request-Id` and set on every log record written while the request runs.
"""

from __future__ import annotations

import contextvars
import logging
import re
import secrets
from urllib.parse import quote

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse
from yarl import URL

from lrs.http.middleware_types import Handler

REQUEST_ID_HEADER = "X-Request-Id"
REQUEST_ID = web.RequestKey("request_id", str)
REDACTED = "[redacted]"
# Parameters whose values are logged as sent: identifiers of content and paging, never of people.
LOGGED_VALUES = frozenset(
    {
        "activity",
        "activityId",
        "ascending",
        "attachments",
        "format",
        "limit",
        "method",
        "profileId",
        "registration",
        "related_activities",
        "related_agents",
        "saved",
        "since",
        "stateId",
        "statementId",
        "until",
        "verb",
        "voidedStatementId",
    }
)
_EMAIL = re.compile(r"[^\s/?&=:;,%\"'<>]+(@|%40)[^\s/?&=;,%\"'<>]+", re.IGNORECASE)
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


def logged_path(url: URL) -> str:
    """`url`'s path and query as the log shows them: unknown parameter values and emails redacted."""
    parts = []
    for name, value in url.query.items():
        shown = value if name in LOGGED_VALUES else REDACTED
        parts.append(f"{quote(name, safe='')}={quote(shown, safe=':/[]')}")
    path = url.raw_path + ("?" + "&".join(parts) if parts else "")
    return _EMAIL.sub(REDACTED, path)


_SECRET_PARAMETER = re.compile(
    r"([?&](?:auth|token|agent|more|secret|password|code|actor)=)[^&\s'\"]*", re.IGNORECASE
)


def scrubbed(text: str) -> str:
    """Free text (an error message quoting a request line) with secret parameter values and emails
    redacted, for log lines that `logged_path` does not shape, such as aiohttp's own errors."""
    return _EMAIL.sub(REDACTED, _SECRET_PARAMETER.sub(r"\1" + REDACTED, text))


def current_request_id() -> str:
    """The id of the request being handled by this task ("-" outside a request)."""
    return _current_request_id.get()


class RequestIdFilter(logging.Filter):
    """Puts `record.request_id` on every record, so a log format may name it, and scrubs secrets and
    emails from messages and tracebacks (aiohttp quotes a refused request line in its errors)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        message = record.getMessage()
        clean = scrubbed(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = scrubbed(_TRACEBACKS.formatException(record.exc_info))
        return True


_TRACEBACKS = logging.Formatter()


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id = _incoming_id(request.headers.get(REQUEST_ID_HEADER)) or secrets.token_hex(8)
    request[REQUEST_ID] = request_id
    token = _current_request_id.set(request_id)
    try:
        try:
            response = await handler(request)
        except web.HTTPException as err:
            err.headers[REQUEST_ID_HEADER] = request_id
            raise
        if not response.prepared:
            response.headers[REQUEST_ID_HEADER] = request_id
        return response
    finally:
        _current_request_id.reset(token)


def _incoming_id(value: str | None) -> str | None:
    """A proxy's id (nginx `$request_id`) is kept so both logs match, if it is a plain token."""
    return value if value is not None and _PLAIN_ID.fullmatch(value) else None


class RedactingAccessLogger(AbstractAccessLogger):
    """aiohttp's access logger, with `logged_path` in place of the raw request line."""

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        request_id = request.get(REQUEST_ID) or response.headers.get(REQUEST_ID_HEADER) or "-"
        self.logger.info(
            "%s %s %s %s %d %.1fms",
            request_id,
            request.remote or "-",
            request.method,
            logged_path(request.rel_url),
            response.status,
            time * 1000,
            extra={"request_id": request_id},
        )


SERVER_OPTIONS = {"access_log_class": RedactingAccessLogger}
