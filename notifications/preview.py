"""What a rule would send a learner, rendered in every format, without sending anything.

The learner's own planned message for the rule is used when there is one (the next due at or after
`at`), so the preview shows exactly what will go; otherwise an occurrence is taken from the programme
(the first dated module, the next session).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme
from lrs.programme.store import stored_programme
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import CohortRow, EnrolmentRow, LearnerRow
from notifications.content import Content, Render, override_folder
from notifications.context import render_context
from notifications.facts import LinkSigner, learner_facts
from notifications.rules import RULE_CATEGORIES


class PreviewProblem(ValueError):
    """The preview cannot be made; the message names the argument."""


@dataclass(frozen=True)
class Preview:
    channel: str
    key: str
    content: Content


async def preview(
    session: AsyncSession,
    render: Render,
    *,
    rule: str,
    email: str,
    cohort_id: str,
    channels: list[str],
    at: datetime,
    links: LinkSigner,
    templates_root: Path,
) -> list[Preview]:
    if rule not in RULE_CATEGORIES:
        raise PreviewProblem(f"RULE: unknown rule {rule!r} (known: {', '.join(RULE_CATEGORIES)})")
    learner = await session.scalar(select(LearnerRow).where(LearnerRow.email_key == email.strip().lower()))
    programme_id = await session.scalar(
        select(CohortRow.programme_id)
        .join(EnrolmentRow, EnrolmentRow.cohort_id == CohortRow.id)
        .where(EnrolmentRow.learner_id == (learner.id if learner else -1), CohortRow.id == cohort_id)
    )
    if learner is None or programme_id is None:
        raise PreviewProblem(f"--learner: {email} is not enrolled in cohort {cohort_id!r}")
    row = await _planned(session, rule, learner.id, cohort_id, at)
    programme = await stored_programme(session, programme_id)
    row = row or _sample(programme, rule, learner.id, cohort_id, at)
    facts = await learner_facts(session, row, programme, links, at)
    context = render_context(row, programme, facts, links.base_url)
    folder = override_folder(programme, templates_root)
    return [
        Preview(
            channel, row.key, render(rule, channel, context, language=facts.language, override_dir=folder)
        )
        for channel in channels
    ]


async def _planned(
    session: AsyncSession, rule: str, learner_id: int, cohort_id: str, at: datetime
) -> PlannedMessage | None:
    query = (
        select(PlannedMessage)
        .where(
            PlannedMessage.rule == rule,
            PlannedMessage.learner_id == learner_id,
            PlannedMessage.cohort_id == cohort_id,
            PlannedMessage.due_at >= at,
        )
        .order_by(PlannedMessage.due_at)
        .limit(1)
    )
    return await session.scalar(query)


def _sample(programme: Programme, rule: str, learner_id: int, cohort_id: str, at: datetime) -> PlannedMessage:
    context: dict[str, Any] = {}
    if rule in {"module_due", "module_overdue"}:
        dated = [module for module in programme.modules if module.due is not None] or list(programme.modules)
        if not dated:
            raise PreviewProblem(f"RULE: programme {programme.id!r} has no modules for {rule}")
        context["module_id"] = dated[0].id
    elif rule in {"session_reminder", "session_invite", "missed_session", "review_day_invite"}:
        sessions = sorted(programme.sessions_of(cohort_id), key=lambda item: item.start)
        upcoming = [item for item in sessions if item.start >= at] or sessions
        if not upcoming:
            raise PreviewProblem(f"--cohort: cohort {cohort_id!r} has no sessions for {rule}")
        context["session_id"] = upcoming[0].id
    return PlannedMessage(
        key=f"{rule}:{cohort_id}:learner-{learner_id}:preview",
        rule=rule,
        category=RULE_CATEGORIES[rule].value,
        programme_id=programme.id,
        cohort_id=cohort_id,
        learner_id=learner_id,
        occurrence="preview",
        due_at=at,
        state="planned",
        context=json.dumps(context),
    )
