"""Query parameters of the document resources (State, Activity Profile, Agent Profile), read strictly:
a missing required parameter, an unknown or repeated one, or a malformed value is a 400 naming it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from multidict import MultiMapping

from lrs.errors import InvalidRequest
from lrs.scopes import Access
from lrs.storage.documents import DocumentKind, DocumentScope
from lrs.xapi.agents import agent_ifi, validate_agent
from lrs.xapi.datatypes import check_iri, check_uuid
from lrs.xapi.timestamps import parse_timestamp

# Activity IRIs and document ids are stored in columns of this width.
MAX_ID_LENGTH = 2000


@dataclass(frozen=True)
class DocumentResource:
    """How one document resource is addressed and who may use it."""

    kind: DocumentKind
    id_param: str  # "stateId" | "profileId"
    scope_params: tuple[str, ...]  # required on every request
    optional_params: tuple[str, ...]  # allowed on every request
    read: Access
    write: Access
    deletes_many: bool  # DELETE without an id removes every document of the scope


STATE = DocumentResource(
    DocumentKind.STATE,
    "stateId",
    ("activityId", "agent"),
    ("registration",),
    Access.STATE_READ,
    Access.STATE_WRITE,
    deletes_many=True,
)
ACTIVITY_PROFILE = DocumentResource(
    DocumentKind.ACTIVITY_PROFILE,
    "profileId",
    ("activityId",),
    (),
    Access.PROFILE_READ,
    Access.PROFILE_WRITE,
    deletes_many=False,
)
AGENT_PROFILE = DocumentResource(
    DocumentKind.AGENT_PROFILE,
    "profileId",
    ("agent",),
    (),
    Access.PROFILE_READ,
    Access.PROFILE_WRITE,
    deletes_many=False,
)


@dataclass(frozen=True)
class DocumentTarget:
    scope: DocumentScope
    document_id: str | None  # None: every document of the scope (GET lists, DELETE clears)
    since: datetime | None = None


def document_target(
    resource: DocumentResource, query: MultiMapping[str], *, method: str, version: str
) -> DocumentTarget:
    """The scope and document a request addresses. GET may omit the id (and then filter by
    `since`); DELETE may omit it where the resource deletes many; PUT and POST need it."""
    id_optional = method == "GET" or (method == "DELETE" and resource.deletes_many)
    allowed = {*resource.scope_params, *resource.optional_params, resource.id_param}
    if method == "GET":
        allowed.add("since")
    params = single_values(query, allowed)
    for name in resource.scope_params if id_optional else (*resource.scope_params, resource.id_param):
        if not params.get(name):
            raise InvalidRequest(name, "is required")
    if params.get(resource.id_param) == "":
        raise InvalidRequest(resource.id_param, "must not be empty")
    for name in ("activityId", resource.id_param):
        if len(params.get(name, "")) > MAX_ID_LENGTH:
            raise InvalidRequest(name, f"is longer than {MAX_ID_LENGTH} characters")
    scope = DocumentScope(
        resource.kind,
        activity_iri=check_iri(params["activityId"], "activityId") if "activityId" in params else None,
        agent_ifi=agent_param(params["agent"], version=version)[1] if "agent" in params else None,
        registration=check_uuid(params["registration"], "registration").lower()
        if "registration" in params
        else None,
    )
    since = parse_timestamp(params["since"], field="since") if "since" in params else None
    return DocumentTarget(scope, params.get(resource.id_param), since)


def single_values(query: MultiMapping[str], allowed: set[str]) -> dict[str, str]:
    """The query as a plain dict; unknown or repeated parameters are refused."""
    values: dict[str, str] = {}
    for name, value in query.items():
        if name not in allowed:
            raise InvalidRequest(name, "is not a parameter of this resource")
        if name in values:
            raise InvalidRequest(name, "is given more than once")
        values[name] = value
    return values


def agent_param(raw: str, *, version: str, field: str = "agent") -> tuple[dict[str, Any], str]:
    """An `agent` parameter: JSON for an Agent or identified Group; returns it with its canonical IFI."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):
        raise InvalidRequest(field, "must be an Agent as JSON") from None
    agent = validate_agent(data, version=version, field=field)
    ifi = agent_ifi(agent)
    if ifi is None:
        raise InvalidRequest(field, "must be identified by mbox, mbox_sha1sum, openid or account")
    return agent, ifi
