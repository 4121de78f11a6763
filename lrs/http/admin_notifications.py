"""GET /admin/notifications?cohort=&learner=&state=&limit=&cursor= (scope "all").

The same records as `lrs notifications log --json` (with their delivery attempts), in id order, a page
at a time: `next` carries the cursor of the following page, absent on the last one.
"""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from lrs.digits import is_whole_number
from lrs.errors import InvalidRequest
from lrs.http.auth import caller_for, require
from lrs.http.context import CALLER, DATABASE
from lrs.scopes import Access
from notifications.records import ScheduleFilter, attempts_by_key, plan_records
from notifications.schedule import PlanState

DEFAULT_PAGE = 100
MAX_PAGE = 500
MAX_ID = 2**63 - 1  # ids are 64-bit: a larger cursor is not one this server gave


def add_notification_admin_routes(app: web.Application) -> None:
    app.router.add_get("/admin/notifications", get_notifications)


async def get_notifications(request: web.Request) -> web.Response:
    request[CALLER] = await caller_for(request)
    require(request, Access.ADMIN)
    wanted = _filter(request)
    limit = wanted.limit or DEFAULT_PAGE
    async with request.app[DATABASE].read_session() as session:
        records = await plan_records(session, replace(wanted, limit=limit + 1))
        page = records[:limit]
        attempts = await attempts_by_key(session, page)
    body: dict[str, object] = {
        "notifications": [{**record.as_json(), "attempts": attempts[record.key]} for record in page]
    }
    if len(records) > limit:
        query = {key: value for key, value in request.query.items() if key != "cursor"}
        body["next"] = str(request.rel_url.with_query({**query, "cursor": str(page[-1].id)}))
    return web.json_response(body)


def _filter(request: web.Request) -> ScheduleFilter:
    query = request.query
    state = query.get("state") or None
    if state is not None and state not in {item.value for item in PlanState}:
        raise InvalidRequest(
            "state", f"{state!r} is not one of {', '.join(item.value for item in PlanState)}"
        )
    return ScheduleFilter(
        cohort=query.get("cohort") or None,
        learner_email=query.get("learner") or None,
        state=state,
        after_id=_whole(query.get("cursor"), "cursor", 0, MAX_ID) if query.get("cursor") else 0,
        limit=_whole(query.get("limit"), "limit", 1, MAX_PAGE) if query.get("limit") else None,
    )


def _whole(text: str | None, name: str, low: int, high: int | None = None) -> int:
    if text is None or not is_whole_number(text):
        raise InvalidRequest(name, f"{text!r} is not a whole number (at most 18 digits)")
    value = int(text)
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InvalidRequest(name, f"must be {bound}, got {value}")
    return value
