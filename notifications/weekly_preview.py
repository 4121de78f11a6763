"""`lrs notifications preview cohort_update|team_digest --cohort ID`: the week's message as it would go
at `--at` (default now), in every format, without sending.

The cohort's own planned message is used when there is one (the next due at or after `at`; for the
digest, the one to `--learner`, the programme team address, when given); otherwise the week of `at`.
`--learner` is not needed: a cohort post goes to the channel, the digest to the programme team.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.store import stored_programme
from lrs.storage.planned_message_models import PlannedMessage
from lrs.storage.programme_models import CohortRow
from notifications.content import override_folder
from notifications.keys import planned_key
from notifications.rules import RULE_CATEGORIES, NotificationRules, ProgrammeRules
from notifications.templates import RenderedContent
from notifications.weekly import iso_week, recipient_token, weekly_schedule
from notifications.weekly_send import render_weekly, weekly_message

DEFAULT_CHANNELS = {"cohort_update": ("teams_channel",), "team_digest": ("email",)}


class WeeklyPreviewProblem(ValueError):
    """The preview cannot be made; the message names the argument."""


@dataclass(frozen=True)
class WeeklyPreview:
    channel: str
    key: str
    content: RenderedContent
    note: str | None  # why the message would be cancelled rather than sent, if it would be


async def preview_weekly(
    session: AsyncSession,
    site_rules: NotificationRules,
    *,
    rule: str,
    cohort_id: str,
    email: str | None,
    channels: Sequence[str],
    at: datetime,
    base_url: str,
    templates_root: Path | None = None,
) -> list[WeeklyPreview]:
    programme_id = await session.scalar(select(CohortRow.programme_id).where(CohortRow.id == cohort_id))
    if programme_id is None:
        raise WeeklyPreviewProblem(f"--cohort: no cohort {cohort_id!r}")
    programme = await stored_programme(session, programme_id)
    rules = ProgrammeRules(site_rules)(programme)
    row = await _planned(session, rule, cohort_id, email, at) or _sample(
        rule, programme_id, cohort_id, email, rules, at
    )
    message = await weekly_message(session, row, programme, rules, at, base_url)
    note = f"would be cancelled: {message.reason_gone}" if message.reason_gone else None
    folder = override_folder(programme, templates_root) if templates_root is not None else None
    return [
        WeeklyPreview(
            channel,
            row.key,
            render_weekly(rule, channel, message.context, language=message.language, override_dir=folder),
            note,
        )
        for channel in channels
    ]


async def _planned(
    session: AsyncSession, rule: str, cohort_id: str, email: str | None, at: datetime
) -> PlannedMessage | None:
    query = select(PlannedMessage).where(
        PlannedMessage.rule == rule, PlannedMessage.cohort_id == cohort_id, PlannedMessage.due_at >= at
    )
    if rule == "team_digest" and email:
        query = query.where(PlannedMessage.occurrence.endswith(":" + recipient_token(email)))
    return await session.scalar(query.order_by(PlannedMessage.due_at, PlannedMessage.id).limit(1))


def _sample(
    rule: str, programme_id: str, cohort_id: str, email: str | None, rules: NotificationRules, at: datetime
) -> PlannedMessage:
    week = iso_week(at.date())
    context: dict[str, str] = {"week": week, "week_of": at.date().isoformat()}
    occurrence = week
    if rule == "team_digest":
        to = email or next(iter(weekly_schedule(rules, rule).to), None)
        if to is None:
            raise WeeklyPreviewProblem(
                "--learner: give the programme team address to preview for "
                "(the programme names none in [notifications.team_digest] to)"
            )
        context["to"], occurrence = to, f"{week}:{recipient_token(to)}"
    return PlannedMessage(
        key=planned_key(rule, cohort_id, None, occurrence),
        rule=rule,
        category=RULE_CATEGORIES[rule].value,
        programme_id=programme_id,
        cohort_id=cohort_id,
        learner_id=None,
        occurrence=occurrence,
        due_at=at,
        state="planned",
        context=json.dumps(context),
    )
