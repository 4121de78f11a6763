"""The xAPI 1.0.3 alternate request syntax (Communication 1.3), for clients that can only send POST.

`POST /xapi/<resource>?method=PUT` with an `application/x-www-form-urlencoded` body whose fields carry
the headers (Authorization, X-Experience-API-Version, Content-Type, Content-Length, If-Match,
If-None-Match), the body (`content`) and the resource's parameters is turned into the request it
stands for, then routed again and run through the middleware that follows this one (version, auth),
so handlers never know the difference. xAPI 2.0 removed the syntax: 2.0 clients get 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from aiohttp import web
from aiohttp.typedefs import Middleware
from multidict import CIMultiDict, MultiDictProxy

from lrs.errors import InvalidRequest
from lrs.http.bodies import ALTERNATE_BODY, media_type
from lrs.http.middleware_types import Handler
from lrs.xapi.versions import VERSION_HEADER, negotiate_version

METHOD_PARAMETER = "method"
TARGET_METHODS = frozenset({"GET", "PUT", "POST", "DELETE"})
HEADER_FIELDS = (
    "Authorization",
    VERSION_HEADER,
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
)
CONTENT_FIELD = "content"
FORM_TYPE = "application/x-www-form-urlencoded"
# Headers describing the form body, not the content it carries.
_BODY_HEADERS = ("Content-Type", "Content-Length", "Transfer-Encoding", "Content-Encoding")


@web.middleware
async def alternate_syntax_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/xapi/") or METHOD_PARAMETER not in request.query:
        return await handler(request)
    rewritten = await rewrite_alternate_request(request)
    return await _dispatch(rewritten, after=alternate_syntax_middleware)


async def rewrite_alternate_request(request: web.Request) -> web.Request:
    """The request an alternate-syntax POST stands for; InvalidRequest (400) when it breaks the rules."""
    target = _target_method(request)
    # aiohttp refuses to clone a request whose body was read, so the form is read from a copy.
    form = _single_values(await request.clone().post())
    headers = _rewritten_headers(request.headers, form)
    _refuse_for_2_0(headers.get(VERSION_HEADER))
    body = form.pop(CONTENT_FIELD, "").encode()
    parameters = {name: value for name, value in form.items() if name not in HEADER_FIELDS}
    # A Content-Length form field is taken as a header but cannot be trusted: the length of the
    # decoded content is what the handler will read.
    headers["Content-Length"] = str(len(body))
    rewritten = request.clone(method=target, headers=headers, rel_url=request.rel_url.with_query(parameters))
    rewritten[ALTERNATE_BODY] = body
    return rewritten


def _target_method(request: web.Request) -> str:
    target = request.query[METHOD_PARAMETER].upper()
    if request.method != "POST":
        raise InvalidRequest(METHOD_PARAMETER, "the alternate request syntax must be sent as POST")
    if target not in TARGET_METHODS:
        raise InvalidRequest(METHOD_PARAMETER, f"must be one of {', '.join(sorted(TARGET_METHODS))}")
    extra = sorted(set(request.query) - {METHOD_PARAMETER})
    if extra:
        raise InvalidRequest(
            extra[0],
            "the alternate request syntax allows no query parameter but method; send it as a form field",
        )
    if media_type(request) != FORM_TYPE:
        raise InvalidRequest("Content-Type", f"must be {FORM_TYPE} for the alternate request syntax")
    return target


def _single_values(form: MultiDictProxy[str | bytes | bytearray | web.FileField]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in form.items():
        if not isinstance(value, str):
            raise InvalidRequest(name, "must be a plain form field")
        if name in values:
            raise InvalidRequest(name, "is given more than once")
        values[name] = value
    return values


def _rewritten_headers(original: Mapping[str, str], form: Mapping[str, str]) -> CIMultiDict[str]:
    headers = CIMultiDict(original)
    for name in _BODY_HEADERS:
        headers.popall(name, None)
    for name in HEADER_FIELDS:
        if name in form:
            headers[name] = form[name]
    return headers


def _refuse_for_2_0(version_header: str | None) -> None:
    # A missing or malformed version is left for the version middleware to refuse with its message.
    try:
        version = negotiate_version(version_header)
    except ValueError:
        return
    if version != "1.0.3":
        raise InvalidRequest(METHOD_PARAMETER, "the alternate request syntax was removed in xAPI 2.0")


async def _dispatch(rewritten: web.Request, *, after: Middleware) -> web.StreamResponse:
    """Route the rewritten request afresh and run it through the middlewares listed after `after`."""
    app = rewritten.app
    match_info = await app.router.resolve(rewritten)
    match_info.add_app(app)
    match_info.freeze()
    # Keep request.match_info truthful for the new route; aiohttp offers no public setter.
    rewritten._match_info = match_info
    middlewares = list(app.middlewares)
    handler: Handler = match_info.handler
    for middleware in reversed(middlewares[middlewares.index(after) + 1 :]):
        handler = partial(middleware, handler=handler)
    return await handler(rewritten)
