"""Subject-access export (UK GDPR article 15): everything the LRS holds about one person, as JSON,
with a readable HTML summary beside it."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.privacy.subject import Subject, find_subject
from lrs.storage.document_models import Document
from lrs.storage.engine import Database
from lrs.storage.models import Statement, StatementAgent
from lrs.storage.notification_models import Delivery
from lrs.storage.programme_models import EnrolmentRow, LearnerIdentityRow, LearnerRow, OrganisationRow
from lrs.storage.progress_models import ConfidenceResult, ProgressRecord
from lrs.storage.statements import load_statements_by_id

_PAGE = 500
_TEXT_TYPES = ("application/json", "text/")


async def subject_access(database: Database, *, email: str, now: datetime) -> dict[str, Any]:
    async with database.read_session() as session:
        subject = await find_subject(session, email=email)
        return {
            "generated_at": now.isoformat(),
            "request": {"email": subject.email, "identities": list(subject.ifis)},
            "learner": await _learner(session, subject),
            "progress": await _progress(session, subject),
            "documents": await _documents(session, subject),
            "messages": await _messages(session, subject),
            "statements": [statement async for statement in _statements(session, subject)],
        }


async def _learner(session: AsyncSession, subject: Subject) -> dict[str, Any] | None:
    if subject.learner_id is None:
        return None
    learner = await session.get(LearnerRow, subject.learner_id)
    assert learner is not None
    organisation = await session.get(OrganisationRow, learner.organisation_id)
    enrolments = await session.scalars(select(EnrolmentRow).where(EnrolmentRow.learner_id == learner.id))
    identities = await session.scalars(
        select(LearnerIdentityRow.ifi).where(LearnerIdentityRow.learner_id == learner.id)
    )
    return {
        "id": learner.id,
        "name": learner.name,
        "work_email": learner.email,
        "employee_number": learner.employee_number,
        "organisation": {"id": learner.organisation_id, "name": organisation.name if organisation else ""},
        "role": learner.role,
        "created_at": learner.created_at.isoformat(),
        "updated_at": learner.updated_at.isoformat(),
        "identities": list(identities),
        "enrolments": [
            {
                "cohort": row.cohort_id,
                "status": row.status,
                "enrolled_at": row.enrolled_at.isoformat(),
                "registration": row.registration,
            }
            for row in enrolments
        ],
    }


async def _progress(session: AsyncSession, subject: Subject) -> dict[str, Any]:
    if subject.learner_id is None:
        return {"items": [], "confidence": []}
    items = await session.scalars(
        select(ProgressRecord).where(ProgressRecord.learner_id == subject.learner_id)
    )
    answers = await session.scalars(
        select(ConfidenceResult).where(ConfidenceResult.learner_id == subject.learner_id)
    )
    return {
        "items": [
            {
                "cohort": row.cohort_id,
                "item": f"{row.item_kind}:{row.item_id}",
                "status": row.status,
                "completed_at": _iso(row.completed_at),
                "satisfied_at": _iso(row.satisfied_at),
                "score_scaled": row.score_scaled,
            }
            for row in items
        ],
        "confidence": [
            {"cohort": row.cohort_id, "phase": row.phase, "score_scaled": row.score_scaled} for row in answers
        ],
    }


async def _documents(session: AsyncSession, subject: Subject) -> list[dict[str, Any]]:
    if not subject.person_ids:
        return []
    rows = await session.scalars(select(Document).where(Document.person_id.in_(subject.person_ids)))
    return [
        {
            "kind": row.kind,
            "activity": row.activity_iri,
            "id": row.document_id,
            "content_type": row.content_type,
            "updated": row.updated.isoformat(),
            **_content(row.content, row.content_type),
        }
        for row in rows
    ]


def _content(content: bytes, content_type: str) -> dict[str, str]:
    if content_type.startswith(_TEXT_TYPES):
        try:
            return {"content": content.decode()}
        except UnicodeDecodeError:
            pass
    return {"content_base64": base64.b64encode(content).decode()}


async def _messages(session: AsyncSession, subject: Subject) -> list[dict[str, Any]]:
    rows = await session.scalars(select(Delivery).where(subject.deliveries()).order_by(Delivery.id))
    return [
        {
            "channel": row.channel,
            "status": row.status,
            "created_at": row.created_at.isoformat(),
            "delivered_at": _iso(row.delivered_at),
        }
        for row in rows
    ]


async def _statements(session: AsyncSession, subject: Subject) -> AsyncIterator[dict[str, Any]]:
    """Every statement naming the person in any position, oldest first, a page at a time."""
    if not subject.person_ids:
        return
    after = -1
    while True:
        page = (
            await session.execute(
                select(Statement.pk, Statement.statement_id)
                .join(StatementAgent, StatementAgent.statement_pk == Statement.pk)
                .where(StatementAgent.person_id.in_(subject.person_ids), Statement.pk > after)
                .group_by(Statement.pk, Statement.statement_id)
                .order_by(Statement.pk)
                .limit(_PAGE)
            )
        ).all()
        if not page:
            return
        found = await load_statements_by_id(session, [statement_id for _, statement_id in page])
        for _, statement_id in page:
            yield found[statement_id]
        after = page[-1][0]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


_SUMMARY = jinja2.Environment(autoescape=True).from_string(
    """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Subject access export</title>
<style>body{font-family:Arial,sans-serif;max-width:60em;margin:2em auto;line-height:1.4}
table{border-collapse:collapse}td,th{border:1px solid #b1b4b6;padding:.3em .6em;text-align:left}</style>
</head><body>
<h1>What cohort-lrs holds about {{ data.request.email }}</h1>
<p>Generated {{ data.generated_at }}. The full record, with every statement, is in the JSON file.</p>
{% if data.learner %}<h2>Learner record</h2><table>
<tr><th scope="row">Name</th><td>{{ data.learner.name }}</td></tr>
<tr><th scope="row">Work email</th><td>{{ data.learner.work_email }}</td></tr>
<tr><th scope="row">Employee number</th><td>{{ data.learner.employee_number or "" }}</td></tr>
<tr><th scope="row">Organisation</th><td>{{ data.learner.organisation.name }}</td></tr>
<tr><th scope="row">Role</th><td>{{ data.learner.role }}</td></tr></table>
<h2>Enrolments</h2><table><tr><th>Cohort</th><th>Status</th><th>Enrolled</th></tr>
{% for e in data.learner.enrolments %}
<tr><td>{{ e.cohort }}</td><td>{{ e.status }}</td><td>{{ e.enrolled_at }}</td></tr>{% endfor %}
</table>{% endif %}
<h2>Progress</h2><table><tr><th>Cohort</th><th>Item</th><th>Status</th><th>Completed</th></tr>
{% for p in data.progress["items"] %}<tr><td>{{ p.cohort }}</td><td>{{ p.item }}</td><td>{{ p.status }}</td>
<td>{{ p.completed_at or "" }}</td></tr>{% endfor %}</table>
<h2>Learning records</h2><p>{{ data.statements|length }} xAPI statements name this person.</p>
<h2>Stored documents</h2><p>{{ data.documents|length }} state or profile documents.</p>
<h2>Messages</h2><p>{{ data.messages|length }} messages sent or attempted.</p>
</body></html>
"""
)


def write_export(data: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """The JSON at `out` and the HTML summary beside it (same name, .html)."""
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    summary = out.with_suffix(".html")
    summary.write_text(_SUMMARY.render(data=data), encoding="utf-8")
    return out, summary
