"""Health for load balancers and orchestrators, open (no credential) and free of personal data.

GET /healthz  liveness: the process answers (no database call).
GET /readyz   readiness: 200 when the database is reachable, migrated to this code's head, and the
              outbox backlog (pending events, oldest pending age) is under the configured thresholds;
              503 with the failing checks otherwise.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from lrs.events.consumer import ConsumerOptions
from lrs.http.context import CLOCK, DATABASE, SETTINGS
from lrs.storage.readiness import database_reachable, migrations_current, outbox_backlog

HEALTH_PATHS = frozenset({"/healthz", "/readyz"})


def add_health_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", get_healthz)
    app.router.add_get("/readyz", get_readyz)


async def get_healthz(_request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def get_readyz(request: web.Request) -> web.Response:
    checks = await readiness_checks(request.app)
    ready = all(check["ok"] for check in checks.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks}, status=200 if ready else 503
    )


async def readiness_checks(app: web.Application) -> dict[str, dict[str, Any]]:
    database, settings = app[DATABASE], app[SETTINGS]
    if not await database_reachable(database):
        return {"database": {"ok": False}}
    checks: dict[str, dict[str, Any]] = {
        "database": {"ok": True},
        "migrations": {"ok": await migrations_current(database)},
    }
    async with database.read_session() as session:
        backlog = await outbox_backlog(session, app[CLOCK](), max_attempts=ConsumerOptions().max_attempts)
    checks["outbox"] = {
        "ok": backlog.pending <= settings.ready_max_outbox_pending
        and backlog.oldest_age_seconds <= settings.ready_max_outbox_age_seconds,
        "pending": backlog.pending,
        "oldest_pending_seconds": round(backlog.oldest_age_seconds, 1),
    }
    return checks
