"""Domain errors to HTTP, in one place. xAPI errors are JSON: {"message": ..., "field": ...}."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from lrs.errors import (
    Conflict,
    InvalidRequest,
    LrsError,
    NotAuthenticated,
    NotFound,
    NotPermitted,
    PayloadTooLarge,
    PreconditionFailed,
    PreconditionRequired,
)
from lrs.http.context import RESPONSE_HEADERS
from lrs.http.cors import is_cross_origin
from lrs.http.middleware_types import Handler
from lrs.xapi.errors import XapiValidationError

log = logging.getLogger(__name__)

_STATUS: dict[type[LrsError], int] = {
    InvalidRequest: 400,
    NotAuthenticated: 401,
    NotPermitted: 403,
    NotFound: 404,
    Conflict: 409,
    PreconditionRequired: 409,
    PreconditionFailed: 412,
    PayloadTooLarge: 413,
}


def error_response(status: int, message: str, field: str | None = None) -> web.Response:
    body: dict[str, Any] = {"error": True, "message": message}
    if field:
        body["field"] = field
    headers = {"WWW-Authenticate": 'Basic realm="cohort-lrs"'} if status == 401 else None
    return web.Response(
        status=status, text=json.dumps(body), content_type="application/json", headers=headers
    )


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    request[RESPONSE_HEADERS] = {}
    response = await _mapped(request, handler)
    response.headers.update(request[RESPONSE_HEADERS])
    if response.status == 401 and is_cross_origin(request):
        # A Basic challenge makes the browser prompt for a login and then send it to this LRS on
        # every later request, whichever site makes it; content authenticates explicitly instead.
        response.headers.popall("WWW-Authenticate", None)
    return response


async def _mapped(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except XapiValidationError as err:
        return error_response(400, str(err), err.field)
    except InvalidRequest as err:
        return error_response(400, str(err), err.field)
    except LrsError as err:
        return error_response(_STATUS.get(type(err), 400), str(err))
    except web.HTTPRequestEntityTooLarge as err:
        return error_response(413, f"request body is too large: {err.text}")
    except web.HTTPException as err:
        if err.status >= 400 and err.content_type != "application/json":
            return error_response(err.status, err.reason)
        raise
