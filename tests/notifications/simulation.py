"""The simulated cohort of test_cohort_simulation.py: 50 learners on the shipped Holmbridge Place Digital
Academy (1 October 2025 to 30 June 2026: one module due 29 October, eight monthly sessions), what each
of them does, and what the engine must therefore do, worked out here from the issue's rules alone
(never from the engine's output).

Behaviour, by learner index (councils rotate over the programme's four organisations):
- 0-9 EARLY finish the module on 3 October and attend every session;
- 10-15 QUIET never do anything; 16-17 FADING attend session 1, open the module on 16 October and go
  quiet (so three nudges fall within a week and the third is folded into a catch-up digest);
- 18-19 WITHDRAWN are regular until they leave on 15 November; 20 has no Teams app; 21 is quiet and
  has opted out of nudges; 22-29 MISSERS finish the module on 20 October and miss sessions 2 and 3;
- the rest are REGULAR: module on 27 October (after its reminder), every session.
Session 5 moves from 10 to 17 February on 20 January.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from lrs.programme.loader import parse_programme
from lrs.programme.model import Programme
from notifications.rules import DEFAULTS_FILE

PROGRAMME_FILE = DEFAULTS_FILE.parent / "programmes" / "holmbridge-digital-academy.toml"
COHORT, MODULE = "holmbridge-2025-26", "working-in-the-open"
TEAM = "academy-team@holmbridge.example"
EMAILS = [f"learner{index:02d}@holmbridge.example" for index in range(50)]
ORGANISATIONS = ["holmbridge-council", "holmbridge-police", "holmbridge-nhs", "holmbridge-fire"]
EARLY, QUIET, FADING = EMAILS[:10], EMAILS[10:16], EMAILS[16:18]
WITHDRAWN, NO_APP, OPTED_OUT, MISSERS = EMAILS[18:20], EMAILS[20], EMAILS[21], EMAILS[22:30]
REGULAR = [NO_APP, *EMAILS[30:]]
ENROLLED_AT = datetime(2025, 9, 26, 10, tzinfo=UTC)
WITHDRAWN_AT = datetime(2025, 11, 15, 10, tzinfo=UTC)
MOVED_AT = datetime(2026, 1, 20, 10, tzinfo=UTC)
END = datetime(2026, 7, 1, tzinfo=UTC)
INACTIVE_AFTER, CAP, WINDOW = timedelta(days=14), 2, timedelta(days=7)
SEND_AT, LONDON = time(9, 0), ZoneInfo("Europe/London")  # module dates go at 09:00 local


def definition(*, moved: bool = False) -> dict[str, Any]:
    """The shipped file, with the programme team named for the digest (and session 5 moved)."""
    with PROGRAMME_FILE.open("rb") as file:
        raw = tomllib.load(file)
    raw["notifications"] = {"team_digest": {"to": [TEAM]}}
    if moved:
        session = next(item for item in raw["sessions"] if item["id"] == "session-5")
        session["start"], session["end"] = datetime(2026, 2, 17, 9, 30), datetime(2026, 2, 17, 12, 30)
    return raw


@cache
def programme(*, moved: bool = False) -> Programme:
    return parse_programme(definition(moved=moved))


def name_of(email: str) -> str:
    return f"Learner {email[7:9]}"


def organisation_of(email: str) -> str:
    return ORGANISATIONS[EMAILS.index(email) % 4]


@dataclass
class Behaviour:
    """What one learner does: when they finish the module, which sessions they attend, other activity."""

    module_done: datetime | None = None
    attends: frozenset[str] = frozenset()
    touches: tuple[datetime, ...] = ()  # activity that satisfies nothing (opening the module)
    leaves: datetime | None = None


def behaviour(email: str) -> Behaviour:
    every = frozenset(f"session-{n}" for n in range(1, 9))
    if email in EARLY:
        return Behaviour(datetime(2025, 10, 3, 10, tzinfo=UTC), every)
    if email in QUIET or email == OPTED_OUT:
        return Behaviour()
    if email in FADING:
        return Behaviour(None, frozenset({"session-1"}), (datetime(2025, 10, 16, 10, tzinfo=UTC),))
    if email in MISSERS:
        return Behaviour(datetime(2025, 10, 20, 10, tzinfo=UTC), every - {"session-2", "session-3"})
    leaves = WITHDRAWN_AT if email in WITHDRAWN else None
    return Behaviour(datetime(2025, 10, 27, 10, tzinfo=UTC), every, leaves=leaves)


def attended_at(start: datetime) -> datetime:
    return start + timedelta(hours=1)  # marked present during the session


@dataclass
class Expected:
    """Final state of every planned message of the learners, by key."""

    states: dict[str, str] = field(default_factory=dict)

    def add(self, learner: int, rule: str, occurrence: str, state: str) -> None:
        self.states[f"{rule}:{COHORT}:learner-{learner}:{occurrence}"] = state


def _sessions(now: datetime) -> list[tuple[str, datetime, datetime]]:
    """(id, start, end) of every session as the learner lived it (session 5 moved on 20 January)."""
    found = programme(moved=now >= MOVED_AT).sessions_of(COHORT)
    return [(item.id, item.start, item.end) for item in found]


def activity(email: str) -> list[datetime]:
    """When the learner does something (statements), up to leaving the programme."""
    plan = behaviour(email)
    times = [attended_at(start) for sid, start, _end in _sessions(END) if sid in plan.attends]
    times += [plan.module_done] if plan.module_done else []
    return sorted(moment for moment in [*times, *plan.touches] if plan.leaves is None or moment < plan.leaves)


def completion(email: str) -> datetime | None:
    """Module satisfied and six academy sessions attended (the programme's completion rule)."""
    plan = behaviour(email)
    attended = sorted(attended_at(start) for sid, start, _end in _sessions(END) if sid in plan.attends)
    attended = [moment for moment in attended if plan.leaves is None or moment < plan.leaves]
    if plan.module_done is None or len(attended) < 6:
        return None
    return max(plan.module_done, attended[5])


def inactivity(email: str, cohort_start: datetime, cohort_end: date) -> list[datetime]:
    """The `since` of each learner.inactive: 14 days after the last activity, once per quiet spell,
    while enrolled, before completion and within the cohort's dates."""
    plan, done = behaviour(email), completion(email)
    stop = min(moment for moment in (plan.leaves, done, END) if moment is not None)
    spells, since = [], max(cohort_start, ENROLLED_AT)
    for moment in [*activity(email), END]:
        fires = since + INACTIVE_AFTER
        if fires < moment and fires < stop and fires.date() <= cohort_end:
            spells.append(since)
        since = max(since, moment)
    return spells


def apply_cap(nudges: list[tuple[datetime, str, str]], expected: Expected, learner: int) -> None:
    """At most two nudges in any seven days; one over the cap waits, folded into a catch-up digest sent
    when the oldest nudge of the window has left it."""
    sent: list[datetime] = []
    waiting: list[tuple[str, str]] = []
    digest_at: datetime | None = None
    for when, rule, occurrence in sorted(nudges):
        if digest_at is not None and digest_at <= when:
            expected.add(learner, "catch_up_digest", f"after:{digest_at.date()}", "delivered")
            for folded in waiting:
                expected.add(learner, *folded, "folded")
            sent.append(digest_at)
            waiting, digest_at = [], None
        recent = [moment for moment in sent if moment > when - WINDOW]
        if len(recent) >= CAP:
            waiting.append((rule, occurrence))
            digest_at = digest_at or min(recent) + WINDOW
            continue
        sent.append(when)
        expected.add(learner, rule, occurrence, "delivered")
    assert not waiting, "the scenario ends with a digest still to come"


def weekly_mondays(start: date, end: date) -> list[date]:
    first = start + timedelta(days=(0 - start.weekday()) % 7)
    return [first + timedelta(weeks=n) for n in range((end - first).days // 7 + 1)]


OPT_OUT_STATE = "cancelled"  # a nudge to a learner who opted out of nudges is never sent


def expected_messages(learners: dict[str, int]) -> Expected:
    """Every learner message the scenario calls for, with its final state."""
    expected = Expected()
    cohort = programme().cohort(COHORT)
    start = datetime.combine(cohort.start, time(), UTC)
    due = cohort.start + timedelta(weeks=4)  # the module's due = "P4W"
    due_nudge = datetime.combine(due - timedelta(days=7), SEND_AT, LONDON).astimezone(UTC)
    overdue_nudge = datetime.combine(due + timedelta(days=1), SEND_AT, LONDON).astimezone(UTC)
    for email, learner in learners.items():
        plan = behaviour(email)
        expected.add(learner, "welcome", "enrolment", "delivered")
        _calendar(expected, learner, plan)
        nudges = [
            (at, rule, f"{MODULE}:{offset}")
            for rule, offset, at in (
                ("module_due", "P7D", due_nudge),
                ("module_overdue", "P1D", overdue_nudge),
            )
            if plan.module_done is None or plan.module_done > at
        ]
        for rule, offset, at in (("module_due", "P7D", due_nudge), ("module_overdue", "P1D", overdue_nudge)):
            if plan.module_done is not None and plan.module_done < at:
                expected.add(learner, rule, f"{MODULE}:{offset}", "cancelled")
        nudges += [
            (end + timedelta(hours=2), "missed_session", sid)
            for sid, _start, end in _sessions(END)
            if sid not in plan.attends and (plan.leaves is None or end < plan.leaves)
        ]
        nudges += [
            (since + INACTIVE_AFTER, "inactivity", f"since:{since.isoformat()}")
            for since in inactivity(email, start, cohort.end)
        ]
        if email == OPTED_OUT:
            for _at, rule, occurrence in nudges:
                expected.add(learner, rule, occurrence, OPT_OUT_STATE)
        else:
            apply_cap(nudges, expected, learner)
        if plan.module_done is not None:
            expected.add(learner, "congratulations", f"module:{MODULE}", "delivered")
        if completion(email) is not None:
            expected.add(learner, "congratulations", "programme", "delivered")
    return expected


def _calendar(expected: Expected, learner: int, plan: Behaviour) -> None:
    """Invitations (and the moved session's update, or the withdrawn's cancellations) and reminders."""
    for sid, start, _end in _sessions(ENROLLED_AT):
        expected.add(learner, "session_invite", f"{sid}@{start:%Y%m%dT%H%MZ}", "delivered")
        if plan.leaves is not None and start > plan.leaves:
            expected.add(learner, "session_invite", f"{sid}@cancelled", "delivered")
    if plan.leaves is None:
        moved = next(start for sid, start, _end in _sessions(END) if sid == "session-5")
        expected.add(learner, "session_invite", f"session-5@{moved:%Y%m%dT%H%MZ}", "delivered")
    for sid, start, _end in _sessions(END):
        for days in (7, 1):
            left = plan.leaves is not None and start - timedelta(days=days) > plan.leaves
            expected.add(learner, "session_reminder", f"{sid}:P{days}D", "cancelled" if left else "delivered")


def behind(email: str, at: datetime, cohort_start: datetime) -> list[str]:
    """Why a learner is behind at `at` (the team digest's reasons): inactive 14 days or more, the module
    overdue (after its due day), or a session missed."""
    plan = behaviour(email)
    if plan.leaves is not None and plan.leaves <= at:
        return []
    last = max([cohort_start, ENROLLED_AT, *(moment for moment in activity(email) if moment <= at)])
    reasons = [f"inactive {(at - last).days} days"] if (at - last).days >= 14 else []
    due_end = datetime.combine(cohort_start.date() + timedelta(weeks=4, days=1), time(), UTC)
    if due_end <= at and (plan.module_done is None or plan.module_done > at):
        reasons.append(f"overdue module: {programme().module(MODULE).title}")
    titles = {item.id: item.title for item in programme().sessions}
    reasons += [
        f"missed session: {titles[sid]}"
        for sid, _start, end in sorted(_sessions(at), key=lambda item: item[1])
        if end <= at and sid not in plan.attends
    ]
    return reasons
