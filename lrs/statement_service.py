"""Recording statements: the one entry point for the HTTP API, the facilitator register, Teams
attendance and the LRS's own `satisfied` statements. One transaction per call."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from lrs.clock import Clock
from lrs.storage.engine import Database
from lrs.storage.statements import AttachmentContent, Writer, complete_statements, store_statements


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
    """Validate-free store of already validated statements: sets id/stored/authority/version, writes the
    statements, their indexes and outbox events in one transaction, and returns the ids."""
    async with database.write_session() as session, session.begin():
        # `stored` is taken inside the transaction so that, with one writer on SQLite, stored order is
        # commit order.
        now = clock()
        stored = now.replace(microsecond=now.microsecond - now.microsecond % 1000)  # millisecond precision
        completed = complete_statements(statements, writer=writer, stored=stored, version=version)
        return await store_statements(
            session, completed, attachments, writer=writer, stored=stored, version=version
        )


def system_writer(base_url: str) -> Writer:
    """The writer for statements the LRS issues itself (satisfied, register marks)."""
    return Writer(
        credential_id=None,
        authority=credential_authority(base_url, "cohort-lrs", "cohort-lrs"),
        may_define=True,
    )


def attachment_contents(parts: Mapping[str, Any]) -> list[AttachmentContent]:
    return [AttachmentContent(sha2, part.content_type, part.data) for sha2, part in parts.items()]
