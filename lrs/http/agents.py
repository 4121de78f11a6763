"""Agents resource: GET /xapi/agents?agent=... returns the Person object (Communication 2.4)."""

from __future__ import annotations

from aiohttp import web

from lrs.errors import InvalidRequest
from lrs.http.auth import require
from lrs.http.context import DATABASE, XAPI_VERSION
from lrs.http.document_params import agent_param, single_values
from lrs.scopes import Access
from lrs.storage.persons import person_object


async def get_person(request: web.Request) -> web.StreamResponse:
    require(request, Access.READ)
    params = single_values(request.query, {"agent"})
    if not params.get("agent"):
        raise InvalidRequest("agent", "is required")
    agent, _ifi = agent_param(params["agent"], version=request[XAPI_VERSION])
    async with request.app[DATABASE].read_session() as session, session.begin():
        person = await person_object(session, agent)
    return web.json_response(person)
