"""URL map. The xAPI base is /xapi/ (a stable interface for integrators)."""

from __future__ import annotations

from aiohttp import web

from lrs.http.about import get_about
from lrs.http.activities import get_activity
from lrs.http.agents import get_person
from lrs.http.checkin import add_checkin_routes
from lrs.http.document_params import ACTIVITY_PROFILE, AGENT_PROFILE, STATE
from lrs.http.documents import document_routes
from lrs.http.notify_callback import NOTIFY_CALLBACK_PATH, post_notify_callback
from lrs.http.register import post_register
from lrs.http.statements import post_statements, put_statement, statements_get


def add_xapi_routes(app: web.Application) -> None:
    app.router.add_get("/xapi/about", get_about)
    app.router.add_put("/xapi/statements", put_statement)
    app.router.add_post("/xapi/statements", post_statements)
    app.router.add_get("/xapi/statements", statements_get)
    app.router.add_routes(document_routes("/xapi/activities/state", STATE))
    app.router.add_routes(document_routes("/xapi/activities/profile", ACTIVITY_PROFILE))
    app.router.add_routes(document_routes("/xapi/agents/profile", AGENT_PROFILE))
    app.router.add_get("/xapi/activities", get_activity)
    app.router.add_get("/xapi/agents", get_person)
    app.router.add_post("/admin/sessions/{session}/register", post_register)
    add_checkin_routes(app)
    app.router.add_post(NOTIFY_CALLBACK_PATH, post_notify_callback)
