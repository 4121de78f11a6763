"""The "local" channel: each message becomes an .eml (real MIME, the ICS attached for an invitation)
and a .json record under a folder (default var/outbox/). Used when no other channel is configured."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.base import CheckResult, DeliveryResult, RenderedMessage, SuppressionList
from connectors.local.client import OutboxFolder
from connectors.local.messages import eml_bytes, file_stem_for, json_record
from connectors.local.settings import LocalSettings

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LocalConnector:
    channel = "local"

    def __init__(self, settings: LocalSettings, *, clock: Clock = _utc_now) -> None:
        self.settings = settings
        self.outbox = OutboxFolder(settings.folder)
        self._clock = clock

    async def send(self, message: RenderedMessage) -> DeliveryResult:
        return await asyncio.to_thread(self._write, message)

    def _write(self, message: RenderedMessage) -> DeliveryResult:
        stem = file_stem_for(message.idempotency_key)
        if self.outbox.already_written(stem):
            return DeliveryResult.delivered(stem, "already written")
        written_at = self._clock()
        try:
            eml = eml_bytes(message, self.settings, written_at=written_at)
        except ValueError as err:  # an invitation with naive times or an unknown zone
            return DeliveryResult.failed(f"cannot build the message: {err}")
        record = json_record(message, written_at=written_at, eml_name=f"{stem}.eml")
        try:
            path = self.outbox.write(stem, eml, record)
        except OSError as err:
            return DeliveryResult.failed(f"cannot write to {self.settings.folder}: {err.strerror or err}")
        return DeliveryResult.delivered(stem, f"written to {path}")

    async def check(self) -> CheckResult:
        problem = self.outbox.problem()
        if problem:
            return CheckResult(
                self.channel, False, f"cannot write messages to {self.settings.folder}: {problem}"
            )
        return CheckResult(
            self.channel, True, f"messages are written as .eml and .json files to {self.settings.folder}"
        )

    async def close(self) -> None:
        return None


def create_connector(
    config: Mapping[str, Any], *, suppression: SuppressionList | None = None
) -> LocalConnector:
    del suppression  # nothing leaves the machine, so nothing can bounce
    return LocalConnector(LocalSettings.from_mapping(config))
