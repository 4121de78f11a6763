"""Prometheus metrics on GET /metrics, behind a token of their own (`metrics_token`, sent as
`Authorization: Bearer ...`); with no token set the route answers 404, so nothing is exposed by default.

Per process: request latency by route and statements ingested. From the database at each scrape
(the same for every process): outbox backlog, oldest pending age and dead letters, and deliveries
by channel and state, and connector throttling by channel (`lrs_connector_throttled_total`: replies
with HTTP 429 or Retry-After, as the workers stored them). No label carries personal data: routes
are the route patterns, not paths.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from lrs.events.consumer import ConsumerOptions
from lrs.http.context import CLOCK, DATABASE, SETTINGS
from lrs.http.middleware_types import Handler
from lrs.storage.notification_models import Delivery
from lrs.storage.readiness import dead_letters, outbox_backlog
from lrs.storage.throttles import throttled_by_channel

METRICS_PATH = "/metrics"
_REQUEST_LABELS = ("method", "route", "status")


@dataclass(eq=False)  # the registry keys collectors by identity
class ThrottleCollector(Collector):
    """A counter whose totals live in the database (connector_throttles), read at each scrape."""

    totals: dict[str, int] = field(default_factory=dict)

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "lrs_connector_throttled",
            "Provider replies that throttled a connector (HTTP 429 or Retry-After), by channel",
            labels=["connector"],
        )
        for channel, count in sorted(self.totals.items()):
            family.add_metric([channel], count)
        yield family


@dataclass(frozen=True)
class Metrics:
    registry: CollectorRegistry
    latency: Histogram
    ingested: Counter
    outbox_pending: Gauge
    outbox_oldest: Gauge
    outbox_dead: Gauge
    deliveries: Gauge
    throttles: ThrottleCollector


METRICS = web.AppKey("metrics", Metrics)


def install_metrics(app: web.Application) -> None:
    registry = CollectorRegistry()
    throttles = ThrottleCollector()
    registry.register(throttles)
    app[METRICS] = Metrics(
        registry=registry,
        latency=Histogram(
            "lrs_request_seconds",
            "Request latency by route",
            ["method", "route", "status"],
            registry=registry,
        ),
        ingested=Counter("lrs_statements_ingested", "Statements stored by this process", registry=registry),
        outbox_pending=Gauge("lrs_outbox_pending", "Outbox events waiting for a worker", registry=registry),
        outbox_oldest=Gauge(
            "lrs_outbox_oldest_pending_seconds", "Age of the oldest waiting outbox event", registry=registry
        ),
        outbox_dead=Gauge("lrs_outbox_dead_letters", "Outbox events out of attempts", registry=registry),
        deliveries=Gauge(
            "lrs_deliveries", "Deliveries by channel and state", ["channel", "state"], registry=registry
        ),
        throttles=throttles,
    )
    app.router.add_get(METRICS_PATH, get_metrics)


def count_ingested(request: web.Request, statements: int) -> None:
    metrics = request.app.get(METRICS)
    if metrics is not None:
        metrics.ingested.inc(statements)


@web.middleware
async def latency_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as err:
        status = err.status
        raise
    finally:
        route = request.match_info.route.resource
        name = route.canonical if route is not None else "unmatched"
        request.app[METRICS].latency.labels(request.method, name, str(status)).observe(
            time.perf_counter() - started
        )


async def get_metrics(request: web.Request) -> web.Response:
    token = request.app[SETTINGS].metrics_token
    if not token:
        raise web.HTTPNotFound()
    offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(offered.encode(), token.encode()):
        return web.json_response({"error": True, "message": "metrics need the metrics token"}, status=401)
    await _refresh_from_database(request.app)
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def _refresh_from_database(app: web.Application) -> None:
    metrics, max_attempts = app[METRICS], ConsumerOptions().max_attempts
    async with app[DATABASE].read_session() as session:
        backlog = await outbox_backlog(session, app[CLOCK](), max_attempts=max_attempts)
        dead = await dead_letters(session, max_attempts=max_attempts)
        rows = await session.execute(
            select(Delivery.channel, Delivery.status, func.count()).group_by(
                Delivery.channel, Delivery.status
            )
        )
        metrics.deliveries.clear()
        for channel, state, count in rows:
            metrics.deliveries.labels(channel, state).set(count)
        metrics.throttles.totals = await throttled_by_channel(session)
    metrics.outbox_pending.set(backlog.pending)
    metrics.outbox_oldest.set(backlog.oldest_age_seconds)
    metrics.outbox_dead.set(dead)
