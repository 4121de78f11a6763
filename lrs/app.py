"""Application factory: `create_app(settings)` builds everything; `cleanup_ctx` owns every resource."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web

from lrs.clock import Clock, utc_now
from lrs.dashboard.demo_admin import demo_admin_ctx
from lrs.dashboard.routes import add_dashboard_routes
from lrs.demo import demo_credentials_ctx, with_demo_defaults
from lrs.http.access_log import request_id_middleware
from lrs.http.admin import add_admin_routes, load_programme_dir, programmes_ctx
from lrs.http.admin_notifications import add_notification_admin_routes
from lrs.http.alternate import alternate_syntax_middleware
from lrs.http.audit import add_audit_routes
from lrs.http.auth import auth_middleware, install_auth
from lrs.http.connections import BODY_TIMEOUT, body_deadline_middleware
from lrs.http.context import CLOCK, DATABASE, HASH_KEY, SETTINGS
from lrs.http.cors import cors_middleware
from lrs.http.demo import add_demo_routes
from lrs.http.errors import error_middleware
from lrs.http.health import add_health_routes
from lrs.http.metrics import install_metrics, latency_middleware
from lrs.http.openapi import add_openapi_route
from lrs.http.people import add_people_routes
from lrs.http.preferences_page import add_learner_notification_routes
from lrs.http.query_guard import query_guard_middleware
from lrs.http.rate_limits import install_rate_limits, rate_limit_middleware
from lrs.http.reports import add_report_routes
from lrs.http.routes import add_xapi_routes
from lrs.http.versioning import version_middleware
from lrs.privacy.retention import arm_retention
from lrs.progress.install import arm_all_session_timers, event_worker
from lrs.settings import Settings
from lrs.storage.credentials import load_hash_key
from lrs.storage.engine import open_database
from lrs.storage.public_url import record_served_url
from lrs.storage.schema import migrate
from notifications.install import notification_engine

log = logging.getLogger(__name__)


def create_app(settings: Settings, *, clock: Clock = utc_now) -> web.Application:
    settings = with_demo_defaults(settings)
    app = web.Application(
        client_max_size=settings.max_body_bytes,
        # Outermost first: CORS wraps everything (errors need its headers too); the alternate syntax is
        # rewritten before version and auth read the headers it carries in its form.
        middlewares=[
            request_id_middleware,
            latency_middleware,
            body_deadline_middleware,
            cors_middleware,
            error_middleware,
            alternate_syntax_middleware,
            query_guard_middleware,
            version_middleware,
            auth_middleware,
            rate_limit_middleware,
        ],
    )
    app[SETTINGS] = settings
    app[CLOCK] = clock
    app[BODY_TIMEOUT] = settings.body_timeout_seconds
    install_auth(app)
    install_rate_limits(app)
    app.cleanup_ctx.append(_database_ctx)
    app.cleanup_ctx.append(programmes_ctx)
    if settings.demo:
        app.cleanup_ctx.append(demo_credentials_ctx)
        app.cleanup_ctx.append(demo_admin_ctx)
    if settings.worker_in_process:
        app.cleanup_ctx.append(_worker_ctx)
    add_xapi_routes(app)
    add_admin_routes(app)
    add_notification_admin_routes(app)
    add_learner_notification_routes(app)
    add_people_routes(app)
    add_demo_routes(app)
    add_health_routes(app)
    add_audit_routes(app)
    install_metrics(app)
    add_report_routes(app)
    add_openapi_route(app)
    add_dashboard_routes(app)
    return app


async def _database_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        async with database.write_session() as session, session.begin():
            app[HASH_KEY] = await load_hash_key(session, settings.secret_key, Path(settings.hash_key_file))
        await record_served_url(database, settings)
        app[DATABASE] = database
        yield
    finally:
        await database.dispose()


async def prepare_store(settings: Settings) -> None:
    """What the first start of a store creates: the schema, the hash key and the programmes."""
    database = open_database(settings.database_url)
    try:
        await migrate(database)
        async with database.write_session() as session, session.begin():
            await load_hash_key(session, settings.secret_key, Path(settings.hash_key_file))
        await load_programme_dir(database, Path(settings.programmes_dir), now=utc_now())
    finally:
        await database.dispose()


async def _worker_ctx(app: web.Application) -> AsyncIterator[None]:
    """The embedded outbox worker (settings.worker_in_process), stopped with the app."""
    await arm_all_session_timers(app[DATABASE], app[SETTINGS].base_url)
    await arm_retention(app[DATABASE], app[SETTINGS], app[CLOCK])
    async with notification_engine(app[SETTINGS], app[DATABASE], clock=app[CLOCK]) as engine:
        worker = event_worker(
            app[SETTINGS],
            app[DATABASE],
            clock=app[CLOCK],
            listeners=engine.listeners,
            extra_steps=engine.steps,
        )
        task = asyncio.create_task(worker.run())
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
