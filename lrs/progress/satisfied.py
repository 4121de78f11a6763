"""The LRS's own cmi5 "satisfied" statements, kept in step with the projection.

The rule (docs/events.md, "Satisfied statements"): for every module, block and programme whose
projection row has a `satisfied_at`, exactly one non-voided satisfied statement of the LRS exists for
the learner in that cohort, and its content is a function of the projection: timestamp =
`satisfied_at`, the enrolment's `context.registration`, the cmi5 category, the cohort as grouping.
Its id is a UUIDv5 of that content, so when anything in it changes (a late earlier statement, a void
and redo, a definition change, a statement issued by an older release) the id changes: the LRS voids
the statement it issued before and stores the new one. When the reason goes, the statement is voided.
A content that was voided before and is wanted again gets the next id of its series (`#1`, `#2`...),
since a voided id cannot be stored again. Re-running on a consistent store stores nothing.

Everything is written in the caller's transaction, the worker's: `record_statements` opens its own,
which on SQLite (one writer) would wait for the worker's transaction forever.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.progress import verbs
from lrs.progress.projection import BLOCK, MODULE, PROGRAMME, ItemProgress
from lrs.progress.transitions import Owner
from lrs.statement_service import system_writer
from lrs.storage.activities import ensure_activities_sync
from lrs.storage.models import Statement, StatementAgent
from lrs.storage.statements import complete_statements, store_statements
from lrs.xapi.timestamps import format_timestamp

SATISFIED_NAMESPACE = uuid.UUID("6f1d6a52-3c0e-4d43-9a43-2f4c7d1b6e01")
BLOCK_TYPE = "https://w3id.org/xapi/cmi5/activitytype/block"
COURSE_TYPE = "https://w3id.org/xapi/cmi5/activitytype/course"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
_STATEMENT_VERSION = "1.0.3"
KINDS = (MODULE, BLOCK, PROGRAMME)


@dataclass(frozen=True)
class SatisfiedItem:
    progress: ItemProgress
    activity_iri: str  # the module's activity, the block's activity, or the programme's course IRI


@dataclass(frozen=True)
class Issuer:
    """Whose satisfied statements these are: the learner (actor), in which enrolment."""

    owner: Owner
    actor_ifi: str
    registration: str | None
    persons: Sequence[int]  # the learner's person ids (to find what was issued before)


@dataclass(frozen=True)
class Reconciled:
    stored: int
    voided: int


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


def satisfied_content(issuer: Issuer, item: SatisfiedItem, base_url: str) -> dict[str, Any]:
    """The statement without its id: a function of the projection row and the enrolment only."""
    progress = item.progress
    assert progress.satisfied_at is not None
    target: dict[str, Any] = {"objectType": "Activity", "id": item.activity_iri}
    if progress.kind in (BLOCK, PROGRAMME):
        target["definition"] = {"type": BLOCK_TYPE if progress.kind == BLOCK else COURSE_TYPE}
    owner = issuer.owner
    grouping = {"objectType": "Activity", "id": cohort_iri(base_url, owner.programme_id, owner.cohort_id)}
    context: dict[str, Any] = {
        "contextActivities": {
            "grouping": [grouping],
            "category": [{"objectType": "Activity", "id": CMI5_CATEGORY}],
        }
    }
    if issuer.registration is not None:
        context["registration"] = issuer.registration
    return {
        "actor": agent_from_ifi(issuer.actor_ifi),
        "verb": {"id": verbs.SATISFIED, "display": {"en": "satisfied"}},
        "object": target,
        "context": context,
        "timestamp": format_timestamp(progress.satisfied_at),
    }


def satisfied_statement_id(owner: Owner, item: ItemProgress, content: dict[str, Any], series: int) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    name = f"{owner.learner_id}|{owner.programme_id}|{owner.cohort_id}|{item.kind}:{item.item_id}|{canonical}"
    return str(uuid.uuid5(SATISFIED_NAMESPACE, name if series == 0 else f"{name}#{series}"))


def voiding_statement(target_id: str, authority: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid5(SATISFIED_NAMESPACE, f"void|{target_id}")),
        "actor": authority,
        "verb": {"id": verbs.VOIDED, "display": {"en": "voided"}},
        "object": {"objectType": "StatementRef", "id": target_id},
        "timestamp": format_timestamp(now),
    }


def shared_activities(programme: Programme, base_url: str) -> dict[str, Mapping[str, Any] | None]:
    """The activities every learner's satisfied statements mention (course, blocks, modules, cohorts,
    the cmi5 category), with the definitions those statements carry."""
    found: dict[str, Mapping[str, Any] | None] = {CMI5_CATEGORY: None}
    found[programme_iri(base_url, programme.id)] = {"type": COURSE_TYPE}
    for block in programme.blocks:
        found[block.activity_iri or block_iri(base_url, programme.id, block.id)] = {"type": BLOCK_TYPE}
    for module in programme.modules:
        found.setdefault(module.activity_iri, None)
    for cohort in programme.cohorts:
        found[cohort_iri(base_url, programme.id, cohort.id)] = None
    return found


async def ensure_shared_activities(session: AsyncSession, programme: Programme, base_url: str) -> None:
    """Store those activities ahead of time (at worker start and on `programme.saved`), so that a
    worker issuing satisfied statements under a learner lock never inserts a row another worker is
    inserting too: such a wait, behind a learner lock, is how two workers deadlock."""
    connection = await session.connection()
    await connection.run_sync(ensure_activities_sync, shared_activities(programme, base_url), may_define=True)


async def issued_satisfied(
    session: AsyncSession, issuers: Sequence[Issuer], base_url: str
) -> list[dict[str, bool]]:
    """For each issuer, the satisfied statements the LRS issued for that learner in that cohort:
    id -> voided (one query per 500 persons)."""
    persons = sorted({person for issuer in issuers for person in issuer.persons})
    by_person: dict[int, list[tuple[str, bool, dict[str, Any]]]] = {}
    for start in range(0, len(persons), 500):
        rows = await session.execute(
            select(StatementAgent.person_id, Statement.statement_id, Statement.voided, Statement.body)
            .join(StatementAgent, StatementAgent.statement_pk == Statement.pk)
            .where(
                StatementAgent.person_id.in_(persons[start : start + 500]),
                StatementAgent.direct.is_(True),
                Statement.verb_iri == verbs.SATISFIED,
                Statement.credential_id.is_(None),
            )
            .distinct()
        )
        for person_id, statement_id, voided, body in rows:
            by_person.setdefault(person_id, []).append((statement_id, voided, json.loads(body)))
    found: list[dict[str, bool]] = []
    for issuer in issuers:
        grouping = cohort_iri(base_url, issuer.owner.programme_id, issuer.owner.cohort_id)
        found.append(
            {
                statement_id: voided
                for person in issuer.persons
                for statement_id, voided, body in by_person.get(person, [])
                if _grouped_by(body, grouping)
            }
        )
    return found


def _grouped_by(body: dict[str, Any], grouping: str) -> bool:
    found = ((body.get("context") or {}).get("contextActivities") or {}).get("grouping") or []
    return any(isinstance(item, dict) and item.get("id") == grouping for item in found)


async def reconcile_satisfied(
    session: AsyncSession,
    wanted: Sequence[tuple[Issuer, Sequence[SatisfiedItem]]],
    *,
    base_url: str,
    now: datetime,
) -> Reconciled:
    """Make the LRS's satisfied statements for each learner and cohort match its items (the satisfied
    modules, blocks and programme of the projection): store what is missing, void what is not wanted,
    all in one write."""
    if not wanted:
        return Reconciled(stored=0, voided=0)
    issued_by = await issued_satisfied(session, [issuer for issuer, _ in wanted], base_url)
    writer = system_writer(base_url)
    stale: list[str] = []
    fresh: list[dict[str, Any]] = []
    for (issuer, items), issued in zip(wanted, issued_by, strict=True):
        statements = _wanted_statements(issuer, items, issued, base_url)
        wanted_ids = {statement["id"] for statement in statements}
        stale += sorted(sid for sid, voided in issued.items() if not voided and sid not in wanted_ids)
        fresh += [statement for statement in statements if statement["id"] not in issued]
    batch = [*(voiding_statement(sid, dict(writer.authority), now) for sid in stale), *fresh]
    if batch:
        stored = now.replace(microsecond=now.microsecond - now.microsecond % 1000)
        completed = complete_statements(batch, writer=writer, stored=stored, version=_STATEMENT_VERSION)
        await store_statements(
            session, completed, (), writer=writer, stored=stored, version=_STATEMENT_VERSION
        )
    return Reconciled(stored=len(fresh), voided=len(stale))


def _wanted_statements(
    issuer: Issuer, items: Sequence[SatisfiedItem], issued: Mapping[str, bool], base_url: str
) -> list[dict[str, Any]]:
    wanted: list[dict[str, Any]] = []
    for item in items:
        if item.progress.kind not in KINDS or item.progress.satisfied_at is None:
            continue
        content = satisfied_content(issuer, item, base_url)
        series = 0
        while issued.get(
            statement_id := satisfied_statement_id(issuer.owner, item.progress, content, series)
        ):
            series += 1  # this content was voided once: the next id of its series
        wanted.append({"id": statement_id, **content})
    return wanted
