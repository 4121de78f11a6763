"""Health for load balancers and orchestrators, open (no credential) and free of personal data.

GET /healthz  liveness: the process answers (no database call).
GET /readyz   readiness: 200 when the database is reachable, migrated to this code's head, and the
              event pipeline keeps up: pending events and the oldest due event's wait, the numbers
              `lrs events status` shows (lrs.events.status), are within `ready_max_outbox_pending`
              and `ready_max_outbox_age_seconds`; 503 with the failing checks otherwise.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from lrs.events.status import pipeline_status
from lrs.http.context import CLOCK, DATABASE, SETTINGS
from lrs.storage.readiness import database_reachable, migrations_current

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
    status = await pipeline_status(database, app[CLOCK])
    oldest = status.oldest_due_age_seconds or 0.0
    checks["outbox"] = {
        "ok": status.pending <= settings.ready_max_outbox_pending
        and oldest <= settings.ready_max_outbox_age_seconds,
        "pending": status.pending,
        "oldest_pending_seconds": round(oldest, 1),
        "max_pending": settings.ready_max_outbox_pending,
        "max_oldest_pending_seconds": settings.ready_max_outbox_age_seconds,
        "dead_letters": status.dead_letters,
        "drain_per_second": round(status.drain_per_second, 1),
    }
    return checks
