"""Activities resource: GET /xapi/activities?activityId=... returns the canonical Activity object
(Communication 2.5), merged from the statements that mention it. An activity the store has never seen
still gets an Activity object with just its id (IEEE 9274.1.1 4.1.6.4: the LRS shall still return one)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from lrs.errors import InvalidRequest
from lrs.http.auth import require
from lrs.http.context import DATABASE
from lrs.http.document_params import MAX_ID_LENGTH, single_values
from lrs.scopes import Access
from lrs.storage.activities import activity_definition
from lrs.xapi.datatypes import check_iri


async def get_activity(request: web.Request) -> web.StreamResponse:
    require(request, Access.READ)
    params = single_values(request.query, {"activityId"})
    if not params.get("activityId"):
        raise InvalidRequest("activityId", "is required")
    iri = check_iri(params["activityId"], "activityId")
    if len(iri) > MAX_ID_LENGTH:
        raise InvalidRequest("activityId", f"is longer than {MAX_ID_LENGTH} characters")
    async with request.app[DATABASE].read_session() as session, session.begin():
        definition = await activity_definition(session, iri)
    activity: dict[str, Any] = {"objectType": "Activity", "id": iri}
    if definition:
        activity["definition"] = definition
    return web.json_response(activity)
