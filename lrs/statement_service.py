"""Recording statements: the one entry point for the HTTP API, the facilitator register, Teams
attendance and the LRS's own `satisfied` statements. One transaction per call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from lrs.clock import Clock
from lrs.storage.engine import Database
from lrs.storage.statements import AttachmentContent, Writer, complete_statements, store_statements_sync

log = logging.getLogger(__name__)

# A concurrent request may insert the same new statement id (unique violation) or, in rare lock
# orders, be chosen as a deadlock victim; the whole transaction is then simply run again.
_RETRIES = 5
_RETRYABLE_SQLSTATES = frozenset({"23505", "40001", "40P01"})


def credential_authority(base_url: str, key: str, name: str) -> dict[str, Any]:
    """The authority the LRS records for statements stored with a credential."""
    return {"objectType": "Agent", "name": name, "account": {"homePage": base_url, "name": key}}


async def record_statements(
    database: Database,
    statements: Sequence[dict[str, Any]],
    *,
    writer: Writer,
    clock: Clock,
    version: str,
    attachments: Sequence[AttachmentContent] = (),
) -> list[str]:
    """Store already validated statements: sets id/stored/authority, writes the statements, their
    indexes and outbox events in one transaction (all or nothing), and returns the ids."""
    for attempt in range(1, _RETRIES + 1):
        try:
            return await _record_once(database, statements, writer, clock, version, attachments)
        except DBAPIError as err:
            if attempt == _RETRIES or not _retryable(err):
                raise
            log.info("retrying statement batch after %s (attempt %d)", _sqlstate(err), attempt)
            await asyncio.sleep(0.01 * attempt)
    raise AssertionError("unreachable")


async def _record_once(
    database: Database,
    statements: Sequence[dict[str, Any]],
    writer: Writer,
    clock: Clock,
    version: str,
    attachments: Sequence[AttachmentContent],
) -> list[str]:
    def work(connection: Connection) -> list[str]:
        # `stored` is taken inside the transaction: with one writer on SQLite, stored order is
        # commit order.
        now = clock()
        stored = now.replace(microsecond=now.microsecond - now.microsecond % 1000)  # millisecond precision
        completed = complete_statements(statements, writer=writer, stored=stored, version=version)
        return store_statements_sync(
            connection,
            completed,
            attachments,
            writer=writer,
            stored=stored,
            version=version,
            known=database.known_ids,
        )

    # One write transaction; on SQLite it runs in one worker-thread hop (see Database).
    return await database.write_transaction(work)


def _sqlstate(err: DBAPIError) -> str:
    original = err.orig
    return str(getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or "")


def _retryable(err: DBAPIError) -> bool:
    if isinstance(err, IntegrityError) and err.orig is not None and "UNIQUE" in str(err.orig).upper():
        return True
    return _sqlstate(err) in _RETRYABLE_SQLSTATES


def system_writer(base_url: str) -> Writer:
    """The writer for statements the LRS issues itself (satisfied, register marks)."""
    return Writer(
        credential_id=None,
        authority=credential_authority(base_url, "cohort-lrs", "cohort-lrs"),
        may_define=True,
    )


def attachment_contents(parts: Mapping[str, Any]) -> list[AttachmentContent]:
    return [AttachmentContent(sha2, part.content_type, part.data) for sha2, part in parts.items()]
