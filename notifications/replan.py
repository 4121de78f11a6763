"""Re-planning after a programme change: diff the saved definition against the one the schedule was
last planned from (`PlanBasis`), and re-plan only the sessions and modules that changed.

Per cohort: what changed (sessions added, removed or edited; modules whose date can differ) becomes
a `CalendarScope`; the cohort's calendar is worked out for that scope only, and each of its entries is
written set-wise for every enrolled learner it goes to (`notifications.calendar_rows`: moved rows
moved, missing ones inserted, those of learners it no longer goes to cancelled, a few statements an
entry); then the planned ones the programme no longer holds are cancelled. A first plan (no basis
yet) or a change of the calendar rules re-plans every cohort whole.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from lrs.programme.model import Programme, Session, SessionKind
from lrs.programme.store import parsed_definition
from lrs.storage.planned_message_models import PlanBasis
from lrs.storage.programme_models import ProgrammeRow
from notifications import schedule
from notifications.calendar_rows import CohortRows
from notifications.invites import cancellation, sent_invitations
from notifications.rules import NotificationRules, format_duration
from notifications.timeline import BEGINNING, CALENDAR_RULES, WHOLE, CalendarScope, CohortCalendar

RulesFor = Callable[[Programme], NotificationRules]
UNCHANGED = CalendarScope(frozenset(), frozenset())
_BLOCK_KINDS = {SessionKind.BLOCK_DAY, SessionKind.RESIDENTIAL}  # they date the review-day invitation


def rules_fingerprint(rules: NotificationRules) -> str:
    """The calendar-relevant settings of `rules` as text: equal text, equal calendar."""
    return json.dumps(
        {
            name: [
                setting.enabled,
                {key: [format_duration(o) for o in value] for key, value in setting.offsets.items()},
            ]
            for name, setting in rules.rules.items()
        },
        sort_keys=True,
    )


def cohort_change(old: Programme, new: Programme, cohort_id: str) -> CalendarScope:
    """The sessions and modules of the cohort whose calendar items can differ between `old` and `new`."""
    old_cohort = next((item for item in old.cohorts if item.id == cohort_id), None)
    if old_cohort is None:
        return WHOLE
    before = {item.id: item for item in old.sessions_of(cohort_id)}
    after = {item.id: item for item in new.sessions_of(cohort_id)}
    sessions = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
    edited: Iterable[Session] = [
        *(before[k] for k in sessions if k in before),
        *(after[k] for k in sessions if k in after),
    ]
    if any(item.kind in _BLOCK_KINDS for item in edited):
        everyone = [*before.values(), *after.values()]
        sessions |= {item.id for item in everyone if item.kind is SessionKind.REVIEW_DAY}
    if old_cohort != new.cohort(cohort_id):
        modules = {item.id for item in (*old.modules, *new.modules)}
    else:
        old_modules = {item.id: item for item in old.modules}
        new_modules = {item.id: item for item in new.modules}
        keys = old_modules.keys() | new_modules.keys()
        modules = {key for key in keys if old_modules.get(key) != new_modules.get(key)}
    return CalendarScope(frozenset(sessions), frozenset(modules))


async def replan_programme(
    session: AsyncSession, stored: ProgrammeRow, rules_for: RulesFor, *, now: datetime
) -> int:
    """Bring every cohort's planned calendar in line with the stored programme; return how many rows
    changed. Invitations planned now carry the programme's version as their SEQUENCE."""
    programme, version = parsed_definition(stored.definition), stored.version
    rules = rules_for(programme)
    basis = await session.get(PlanBasis, programme.id)
    fingerprint = rules_fingerprint(rules)
    old = parsed_definition(basis.definition) if basis is not None and basis.rules == fingerprint else None
    changed = 0
    for cohort in programme.cohorts:
        scope = WHOLE if old is None else cohort_change(old, programme, cohort.id)
        if scope != UNCHANGED:
            plan = _CohortReplan(programme, old, cohort.id, scope, rules)
            changed += await plan.run(session, version=version, now=now)
    definition = stored.definition
    if basis is None:
        session.add(
            PlanBasis(
                programme_id=programme.id,
                version=version,
                definition=definition,
                rules=fingerprint,
                planned_at=now,
            )
        )
    else:
        basis.version, basis.definition, basis.rules, basis.planned_at = version, definition, fingerprint, now
    return changed


class _CohortReplan:
    def __init__(
        self,
        programme: Programme,
        old: Programme | None,
        cohort_id: str,
        scope: CalendarScope,
        rules: NotificationRules,
    ) -> None:
        self.programme, self.old, self.cohort_id, self.scope, self.rules = (
            programme,
            old,
            cohort_id,
            scope,
            rules,
        )

    async def run(self, session: AsyncSession, *, version: int, now: datetime) -> int:
        calendar = CohortCalendar(
            self.programme, self.cohort_id, self.rules, now, sequence=version, scope=self.scope
        )
        rows = CohortRows(session, self.programme.id, self.cohort_id, now)
        changed = 0
        for entry in calendar.entries:
            changed += await rows.write(entry)
        changed += await self._cancel_the_rest(rows, calendar.occurrences())
        return changed + await self._cancel_invitations_of_removed_sessions(session, now)

    async def _cancel_the_rest(self, rows: CohortRows, kept: set[tuple[str, str]]) -> int:
        """Cancel the planned messages of the scope (all the cohort's calendar when whole) that the
        calendar no longer holds."""
        if self.scope is WHOLE:
            return sum(
                [
                    await rows.cancel(rule, {o for r, o in kept if r == rule}, all_but=True)
                    for rule in CALENDAR_RULES
                ]
            )
        gone = self._occurrences() - kept
        return sum(
            [
                await rows.cancel(rule, {o for r, o in gone if r == rule})
                for rule in sorted({r for r, _ in gone})
            ]
        )

    def _occurrences(self) -> set[tuple[str, str]]:
        """(rule, occurrence) of the scope's items under the old and the new programme, for anyone."""
        found = set()
        for programme in (self.old, self.programme):
            if programme is not None and any(item.id == self.cohort_id for item in programme.cohorts):
                calendar = CohortCalendar(programme, self.cohort_id, self.rules, BEGINNING, scope=self.scope)
                found |= calendar.occurrences()
        return found

    async def _cancel_invitations_of_removed_sessions(self, session: AsyncSession, now: datetime) -> int:
        present = {item.id for item in self.programme.sessions_of(self.cohort_id)}
        if self.old is not None and self.scope.sessions is not None and self.scope.sessions <= present:
            return 0  # no session left the cohort: no invitation that went out needs a CANCEL
        gone = [
            cancellation(context, self.programme.id, self.cohort_id, learner_id, now)
            for learner_id, context in await sent_invitations(session, self.cohort_id, now)
            if context["session_id"] not in present
        ]
        return await schedule.plan(session, gone, now)
