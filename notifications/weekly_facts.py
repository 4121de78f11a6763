"""What the weekly messages say, worked out at the moment they are sent.

The cohort update is in aggregate only (counts and percentages, never a name): how far the cohort has
got and what comes next. The team digest lists the learners who are behind, grouped by council, with
the reasons the cohort dashboard gives (inactive N days, overdue module, missed session): both read
`lrs.dashboard.roster.cohort_roster`, so the email and the dashboard page always agree.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.dashboard.roster import DONE, Roster, cohort_roster
from lrs.dashboard.scope import CohortScope
from lrs.programme.model import Cohort, Programme
from lrs.storage.programme_models import CohortRow
from lrs.storage.progress_models import ProgressRecord
from notifications.spoken_dates import spoken_date, spoken_time
from notifications.weekly_words import online_words, risk_words


async def roster_of(
    session: AsyncSession, cohort_id: str, now: datetime, inactive_days: int
) -> Roster | None:
    row = await session.get(CohortRow, cohort_id)
    if row is None:
        return None
    return await cohort_roster(session, CohortScope(row, None), now=now, inactive_days=inactive_days)


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


async def cohort_update_facts(
    session: AsyncSession,
    programme: Programme,
    cohort: Cohort,
    roster: Roster,
    now: datetime,
    ahead: timedelta,
    language: str = "en",
) -> dict[str, Any]:
    """The cohort's progress in numbers, with dates in `language` ("en" or "cy")."""
    learners = len(roster.lines)
    learner_ids = [line.learner_id for line in roster.lines]
    on_track = sum(1 for line in roster.lines if not line.risks)
    finished = await _count(session, cohort.id, learner_ids, "programme", None)
    this_week = await _count(session, cohort.id, learner_ids, "module", now - timedelta(days=7))
    modules = []
    for index, item in enumerate(roster.items):
        if item.kind != "module":
            continue
        done = sum(1 for line in roster.lines if line.statuses[index] in DONE)
        module = programme.module(item.item_id)
        due = module.due_date(cohort)
        modules.append(
            {
                "title": item.title,
                "done": done,
                "percent": _percent(done, learners),
                "due_date_local": spoken_date(due, language) if due else "",
            }
        )
    return {
        "learner_count": learners,
        "on_track_count": on_track,
        "on_track_percent": _percent(on_track, learners),
        "completed_count": finished,
        "completed_percent": _percent(finished, learners),
        "modules_completed_this_week": this_week,
        "modules": modules,
        "attendance_percent": _attendance(roster, now),
        "upcoming": upcoming(programme, cohort, now, ahead, language),
        "ahead_days": ahead.days,
    }


def _attendance(roster: Roster, now: datetime) -> int:
    """The share of places taken at the cohort's sessions so far."""
    held = [
        index
        for index, item in enumerate(roster.items)
        if item.kind == "session" and item.due and item.due <= now
    ]
    places = len(held) * len(roster.lines)
    taken = sum(1 for line in roster.lines for index in held if line.statuses[index] in DONE)
    return _percent(taken, places)


async def _count(
    session: AsyncSession, cohort_id: str, learner_ids: list[int], kind: str, since: datetime | None
) -> int:
    if not learner_ids:
        return 0
    query = select(func.count()).where(
        ProgressRecord.cohort_id == cohort_id,
        ProgressRecord.item_kind == kind,
        ProgressRecord.satisfied_at.is_not(None),
        ProgressRecord.learner_id.in_(learner_ids),
    )
    if since is not None:
        query = query.where(ProgressRecord.satisfied_at > since)
    return int(await session.scalar(query) or 0)


def upcoming(
    programme: Programme, cohort: Cohort, now: datetime, ahead: timedelta, language: str = "en"
) -> list[dict[str, str]]:
    """The cohort's sessions and module due dates from now until `ahead` from now, in order."""
    until = now + ahead
    found: list[tuple[str, dict[str, str]]] = []
    for item in programme.sessions_of(cohort.id):
        if now <= item.start < until:
            where = item.location or (online_words(language) if item.online else "")
            entry = {
                "kind": "session",
                "title": item.title,
                "when_local": spoken_time(item.start, item.timezone, language),
                "where": where,
            }
            found.append((item.start.isoformat(), entry))
    for module in programme.modules:
        due = module.due_date(cohort)
        if due is not None and now.date() <= due < until.date():
            when = spoken_date(due, language)
            entry = {"kind": "module", "title": module.title, "when_local": when, "where": ""}
            found.append((due.isoformat() + "T23:59", entry))
    return [entry for _moment, entry in sorted(found, key=lambda pair: pair[0])]


def team_digest_facts(roster: Roster, language: str = "en") -> dict[str, Any]:
    """The learners who are behind, by council (alphabetical), each with their reasons in
    `language` ("en" or "cy")."""
    councils: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in sorted(roster.lines, key=lambda line: (line.organisation.lower(), line.name.lower())):
        if line.risks:
            reasons = [risk_words(risk, language) for risk in line.risks]
            councils[line.organisation].append({"learner_name": line.name, "reasons": reasons})
    groups: list[dict[str, Any]] = [
        {"council": name, "learners": people} for name, people in councils.items()
    ]
    items = [
        {"council": council, "learner_name": person["learner_name"], "reason": "; ".join(person["reasons"])}
        for council, people in councils.items()
        for person in people
    ]
    return {
        "learner_count": len(roster.lines),
        "behind_count": len(items),
        "councils": groups,
        "items": items,
    }
