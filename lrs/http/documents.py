"""State, Activity Profile and Agent Profile resources: PUT / POST / GET / DELETE of documents.

Documents of any content type are stored byte for byte with their Content-Type; POST merges JSON
objects (Communication 2.2). Single-document GETs carry an ETag and Last-Modified.
"""

from __future__ import annotations

from email.utils import format_datetime
from typing import Any

from aiohttp import web

from lrs.errors import InvalidRequest, NotFound
from lrs.http.auth import require
from lrs.http.bodies import media_type, parse_json, read_body
from lrs.http.context import CLOCK, DATABASE, SETTINGS, XAPI_VERSION
from lrs.http.document_params import DocumentResource, DocumentTarget, document_target
from lrs.http.etags import MissingHeaders, etag_header, preconditions
from lrs.storage.documents import (
    JSON_MEDIA_TYPE,
    Compose,
    DocumentKind,
    Guard,
    StoredDocument,
    delete_document,
    delete_documents,
    document_ids,
    merged_json,
    read_document,
    save_document,
)

DEFAULT_CONTENT_TYPE = "application/octet-stream"


def document_routes(path: str, resource: DocumentResource) -> list[web.RouteDef]:
    """PUT, POST, GET (and so HEAD) and DELETE on `path` for one document resource."""
    endpoints = DocumentEndpoints(resource)
    return [
        web.put(path, endpoints.put),
        web.post(path, endpoints.post),
        web.get(path, endpoints.get),
        web.delete(path, endpoints.delete),
    ]


class DocumentEndpoints:
    def __init__(self, resource: DocumentResource) -> None:
        self.resource = resource

    async def get(self, request: web.Request) -> web.StreamResponse:
        require(request, self.resource.read)
        target = self._target(request)
        async with request.app[DATABASE].read_session() as session, session.begin():
            if target.document_id is None:
                ids, latest = await document_ids(session, target.scope, target.since)
                response = web.json_response(ids)
                if latest is not None:
                    response.headers["Last-Modified"] = format_datetime(latest, usegmt=True)
                return response
            document = await read_document(session, target.scope, target.document_id)
        if document is None:
            raise NotFound(f"no document {target.document_id!r} here")
        return _document_response(document)

    async def put(self, request: web.Request) -> web.StreamResponse:
        require(request, self.resource.write)
        target = self._target(request)
        content = await read_body(request)
        content_type = _content_type(request)
        guard = preconditions(request.headers, missing=self._put_without_preconditions(request))
        await self._save(request, target, guard.check, lambda _current: (content, content_type))
        return web.Response(status=204)

    async def post(self, request: web.Request) -> web.StreamResponse:
        require(request, self.resource.write)
        target = self._target(request)
        content = await read_body(request)
        content_type = _content_type(request)
        posted = _posted_object(request, content) if media_type(request) == JSON_MEDIA_TYPE else None

        def compose(current: StoredDocument | None) -> tuple[bytes, str]:
            if current is None:
                return content, content_type
            if posted is None:
                raise InvalidRequest(
                    "Content-Type", "only an application/json document can be merged into a stored one"
                )
            return merged_json(current, posted), JSON_MEDIA_TYPE

        guard = preconditions(request.headers)
        await self._save(request, target, guard.check, compose)
        return web.Response(status=204)

    async def delete(self, request: web.Request) -> web.StreamResponse:
        require(request, self.resource.write)
        target = self._target(request)
        guard = preconditions(request.headers)
        async with request.app[DATABASE].write_session() as session, session.begin():
            if target.document_id is None:
                await delete_documents(session, target.scope)
            else:
                await delete_document(session, target.scope, target.document_id, guard=guard.check)
        return web.Response(status=204)

    def _target(self, request: web.Request) -> DocumentTarget:
        return document_target(
            self.resource, request.query, method=request.method, version=request[XAPI_VERSION]
        )

    def _put_without_preconditions(self, request: web.Request) -> MissingHeaders:
        # 1.0.3 Communication 3.1 exempts the State Resource and makes the headers a client MUST for
        # the profile resources; IEEE 9274.1.1 4.1.4 covers all three but only forbids overwriting.
        if request[XAPI_VERSION] != "1.0.3":
            return MissingHeaders.CONFLICT_IF_EXISTS
        if self.resource.kind == DocumentKind.STATE:
            return MissingHeaders.ALLOWED
        return MissingHeaders.REQUIRED

    async def _save(
        self, request: web.Request, target: DocumentTarget, guard: Guard, compose: Compose
    ) -> None:
        assert target.document_id is not None  # document_target requires it for PUT and POST
        async with request.app[DATABASE].write_session() as session, session.begin():
            await save_document(
                session,
                target.scope,
                target.document_id,
                guard=guard,
                compose=compose,
                now=request.app[CLOCK](),
            )


def _content_type(request: web.Request) -> str:
    value = request.headers.get("Content-Type", "").strip() or DEFAULT_CONTENT_TYPE
    if len(value) > 255:
        raise InvalidRequest("Content-Type", "is longer than 255 characters")
    return value


def _posted_object(request: web.Request, content: bytes) -> dict[str, Any]:
    settings = request.app[SETTINGS]
    data = parse_json(
        content, field="document", max_depth=settings.max_json_depth, max_items=settings.max_json_items
    )
    if not isinstance(data, dict):
        raise InvalidRequest("document", "a POSTed application/json document must be a JSON object")
    return data


def _document_response(document: StoredDocument) -> web.Response:
    return web.Response(
        body=document.content,
        headers={
            "Content-Type": document.content_type,
            "ETag": etag_header(document.etag),
            "Last-Modified": format_datetime(document.updated, usegmt=True),
        },
    )
