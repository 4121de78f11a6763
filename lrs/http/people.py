"""Data-protection requests over HTTP (scope "all"):

DELETE /admin/people/{id}     erase learner {id} everywhere (?dry_run=true counts without erasing);
                              the answer is the erasure receipt, which names no one.
"""

from __future__ import annotations

from aiohttp import web

from lrs.dashboard.outbox import outbox_folder
from lrs.digits import is_whole_number
from lrs.errors import InvalidRequest
from lrs.http.auth import caller_for, require
from lrs.http.context import CALLER, CLOCK, DATABASE, SETTINGS
from lrs.privacy.erase import erase_person
from lrs.scopes import Access
from lrs.storage.audit import record_audit_alone

_MAX_ID = 2**63 - 1


def add_people_routes(app: web.Application) -> None:
    app.router.add_delete("/admin/people/{person}", delete_person)


async def delete_person(request: web.Request) -> web.Response:
    request[CALLER] = await caller_for(request)
    require(request, Access.ADMIN)
    raw = request.match_info["person"]
    if not is_whole_number(raw) or int(raw) > _MAX_ID:
        raise InvalidRequest("id", "must be a learner id (a whole number, as /admin/cohorts/{id} lists)")
    dry_run = request.query.get("dry_run", "false")
    if dry_run not in ("true", "false"):
        raise InvalidRequest("dry_run", "must be true or false")
    receipt = await erase_person(
        request.app[DATABASE],
        learner_id=int(raw),
        base_url=request.app[SETTINGS].base_url,
        now=request.app[CLOCK](),
        dry_run=dry_run == "true",
        local_outbox=outbox_folder(request.app[SETTINGS].connectors),
    )
    if not receipt.dry_run:
        await record_audit_alone(
            request.app[DATABASE],
            at=request.app[CLOCK](),
            actor=f"credential:{request[CALLER].key}",
            action="person.erase",
            target=f"learner:{raw}",
        )
    return web.json_response(receipt.as_json())
