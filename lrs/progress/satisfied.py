"""The LRS's own cmi5 "satisfied" statements, issued once per (learner, item, cohort).

The statement id is a UUIDv5 of learner, item and cohort and its content depends only on the
projection (timestamp = the moment the criteria were met), so issuing it again (a replay, a rebuild)
is an identical re-post, which the store treats as a no-op. The statement is written in the caller's
transaction, the worker's: `record_statements` opens its own, which on SQLite (one writer) would wait
for the worker's transaction forever.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.errors import Conflict
from lrs.progress import verbs
from lrs.progress.projection import BLOCK, MODULE, PROGRAMME, ItemProgress
from lrs.progress.transitions import Owner
from lrs.statement_service import system_writer
from lrs.storage.statements import complete_statements, store_statements
from lrs.xapi.timestamps import format_timestamp

log = logging.getLogger(__name__)

SATISFIED_NAMESPACE = uuid.UUID("6f1d6a52-3c0e-4d43-9a43-2f4c7d1b6e01")
BLOCK_TYPE = "https://w3id.org/xapi/cmi5/activitytype/block"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
_STATEMENT_VERSION = "1.0.3"


@dataclass(frozen=True)
class SatisfiedItem:
    progress: ItemProgress
    activity_iri: str  # the module's activity, the block's activity, or the programme's course IRI


def satisfied_statement_id(owner: Owner, kind: str, item_id: str) -> str:
    name = f"{owner.learner_id}|{owner.programme_id}|{owner.cohort_id}|{kind}:{item_id}"
    return str(uuid.uuid5(SATISFIED_NAMESPACE, name))


def programme_iri(base_url: str, programme_id: str) -> str:
    return f"{base_url.rstrip('/')}/xapi/activities/programmes/{programme_id}"


def block_iri(base_url: str, programme_id: str, block_id: str) -> str:
    return f"{programme_iri(base_url, programme_id)}/blocks/{block_id}"


def cohort_iri(base_url: str, programme_id: str, cohort_id: str) -> str:
    return f"{programme_iri(base_url, programme_id)}/cohorts/{cohort_id}"


def agent_from_ifi(ifi: str) -> dict[str, Any]:
    kind, _, value = ifi.partition(":")
    if kind == "account":
        home_page, _, name = value.partition("|")
        return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}
    return {"objectType": "Agent", kind: value}


def preferred_ifi(ifis: Sequence[str]) -> str:
    """The learner's e-mail identity when there is one (stable whatever order identities were added)."""
    mailboxes = sorted(ifi for ifi in ifis if ifi.startswith("mbox:"))
    return mailboxes[0] if mailboxes else sorted(ifis)[0]


def satisfied_statement(owner: Owner, actor_ifi: str, item: SatisfiedItem, base_url: str) -> dict[str, Any]:
    progress = item.progress
    assert progress.satisfied_at is not None
    target: dict[str, Any] = {"objectType": "Activity", "id": item.activity_iri}
    if progress.kind in (BLOCK, PROGRAMME):
        kind = BLOCK_TYPE if progress.kind == BLOCK else COURSE_TYPE
        target["definition"] = {"type": kind}
    grouping = {"objectType": "Activity", "id": cohort_iri(base_url, owner.programme_id, owner.cohort_id)}
    return {
        "id": satisfied_statement_id(owner, progress.kind, progress.item_id),
        "actor": agent_from_ifi(actor_ifi),
        "verb": {"id": verbs.SATISFIED, "display": {"en": "satisfied"}},
        "object": target,
        "context": {"contextActivities": {"grouping": [grouping]}},
        "timestamp": format_timestamp(progress.satisfied_at),
    }


async def issue_satisfied(
    session: AsyncSession,
    owner: Owner,
    actor_ifi: str,
    items: Sequence[SatisfiedItem],
    *,
    base_url: str,
    now: datetime,
) -> None:
    """Store the satisfied statements for `items` in the caller's transaction (no-ops if stored)."""
    writer = system_writer(base_url)
    stored = now.replace(microsecond=now.microsecond - now.microsecond % 1000)
    for item in items:
        if item.progress.kind not in (MODULE, BLOCK, PROGRAMME) or item.progress.satisfied_at is None:
            continue
        statement = satisfied_statement(owner, actor_ifi, item, base_url)
        completed = complete_statements([statement], writer=writer, stored=stored, version=_STATEMENT_VERSION)
        try:
            async with session.begin_nested():
                await store_statements(
                    session, completed, (), writer=writer, stored=stored, version=_STATEMENT_VERSION
                )
        except Conflict:
            # Satisfied once, voided back, satisfied again at another moment: the first one stands.
            log.info("satisfied statement %s already stored with other content", statement["id"])
