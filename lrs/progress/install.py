"""Wiring the progress projection into an event bus (used by the in-process worker and `lrs worker`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from sqlalchemy import select

from lrs.clock import Clock
from lrs.events.bus import EventBus, Unsubscribe
from lrs.events.consumer import options_for
from lrs.events.worker import OutboxWorker, PurgeSchedule
from lrs.privacy.retention import install_retention
from lrs.programme.store import stored_programme
from lrs.progress.satisfied import ensure_shared_activities
from lrs.progress.service import ProgressOptions, ProgressProjector, arm_session_timers
from lrs.settings import Settings
from lrs.storage.engine import Database
from lrs.storage.programme_models import ProgrammeRow

DEFAULT_INACTIVE_AFTER_DAYS = 14


def progress_options(settings: Settings) -> ProgressOptions:
    days = int(settings.notifications.get("inactive_after_days", DEFAULT_INACTIVE_AFTER_DAYS))
    if days < 1:
        raise ValueError("notifications.inactive_after_days must be at least 1")
    return ProgressOptions(base_url=settings.base_url, inactive_after_days=days)


def install_progress(bus: EventBus, settings: Settings, *, clock: Clock) -> Unsubscribe:
    return ProgressProjector(progress_options(settings), clock=clock).subscribe(bus)


async def arm_all_session_timers(database: Database, base_url: str | None = None) -> None:
    """Make sure every stored session has its end-of-session timer (idempotent) and, given the
    public URL, that the activities of satisfied statements are stored (see ensure_shared_activities)."""
    async with database.write_session() as session, session.begin():
        for programme_id in list(await session.scalars(select(ProgrammeRow.id).order_by(ProgrammeRow.id))):
            programme = await stored_programme(session, programme_id)
            await arm_session_timers(session, programme)
            if base_url is not None:
                await ensure_shared_activities(session, programme, base_url)


def event_worker(
    settings: Settings,
    database: Database,
    *,
    clock: Clock,
    listeners: Sequence[Callable[[EventBus], Unsubscribe]] = (),
    extra_steps: Sequence[Callable[[], Awaitable[int]]] = (),
) -> OutboxWorker:
    """A worker whose bus carries the progress projection plus `listeners` (e.g. notifications)."""
    bus = EventBus()
    install_progress(bus, settings, clock=clock)
    if settings.personal_data_retention_days > 0:
        install_retention(bus, settings)
    for install in listeners:
        install(bus)
    if settings.worker_lease_seconds <= 0:
        raise ValueError("worker_lease_seconds must be positive")
    if settings.outbox_keep_processed_hours < 0:
        raise ValueError("outbox_keep_processed_hours must not be negative")
    options = options_for(
        database.is_sqlite,
        lease=timedelta(seconds=settings.worker_lease_seconds),
        batch_size=settings.worker_batch_size,
        group_seconds=settings.worker_group_seconds,
    )
    if settings.delivery_attempts_keep_days < 0:
        raise ValueError("delivery_attempts_keep_days must not be negative")
    purge = PurgeSchedule(
        keep=timedelta(hours=settings.outbox_keep_processed_hours),
        attempts_keep=timedelta(days=settings.delivery_attempts_keep_days)
        if settings.delivery_attempts_keep_days
        else None,
    )
    return OutboxWorker(
        database,
        bus,
        clock=clock,
        poll_seconds=settings.worker_poll_seconds,
        options=options,
        extra_steps=extra_steps,
        purge=purge,
    )
