"""A learner's latest answer to a session invitation, read from the RSVP statements the LRS stored."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.progress import verbs
from lrs.storage.models import Activity, Person, Statement, StatementActivity, StatementAgent
from lrs.storage.programme_models import LearnerIdentityRow

ANSWERS = {
    verbs.RSVP_ACCEPTED: "accepted",
    verbs.RSVP_DECLINED: "declined",
    verbs.RSVP_TENTATIVE: "tentative",
}
NOT_ANSWERED = "not answered"


async def rsvp_state(session: AsyncSession, learner_id: int, session_iri: str) -> str:
    """accepted, declined, tentative or "not answered" (the latest non-voided answer wins)."""
    query = (
        select(Statement.verb_iri)
        .join(StatementActivity, StatementActivity.statement_pk == Statement.pk)
        .join(Activity, Activity.id == StatementActivity.activity_id)
        .join(StatementAgent, StatementAgent.statement_pk == Statement.pk)
        .join(Person, Person.id == StatementAgent.person_id)
        .join(LearnerIdentityRow, LearnerIdentityRow.ifi == Person.ifi)
        .where(
            Activity.iri == session_iri,
            StatementActivity.direct.is_(True),
            StatementAgent.direct.is_(True),
            LearnerIdentityRow.learner_id == learner_id,
            Statement.verb_iri.in_(list(ANSWERS)),
            Statement.voided.is_(False),
        )
        .order_by(Statement.stored_us.desc(), Statement.pk.desc())
        .limit(1)
    )
    verb = await session.scalar(query)
    return NOT_ANSWERED if verb is None else ANSWERS[verb]


async def rsvp_states(
    session: AsyncSession, wanted: Collection[tuple[int, str]]
) -> dict[tuple[int, str], str]:
    """`rsvp_state` of many (learner, session IRI) pairs in one query."""
    if not wanted:
        return {}
    query = (
        select(LearnerIdentityRow.learner_id, Activity.iri, Statement.verb_iri)
        .join(StatementActivity, StatementActivity.statement_pk == Statement.pk)
        .join(Activity, Activity.id == StatementActivity.activity_id)
        .join(StatementAgent, StatementAgent.statement_pk == Statement.pk)
        .join(Person, Person.id == StatementAgent.person_id)
        .join(LearnerIdentityRow, LearnerIdentityRow.ifi == Person.ifi)
        .where(
            Activity.iri.in_(sorted({iri for _learner, iri in wanted})),
            StatementActivity.direct.is_(True),
            StatementAgent.direct.is_(True),
            LearnerIdentityRow.learner_id.in_(sorted({learner for learner, _iri in wanted})),
            Statement.verb_iri.in_(list(ANSWERS)),
            Statement.voided.is_(False),
        )
        .order_by(Statement.stored_us.desc(), Statement.pk.desc())
    )
    latest: dict[tuple[int, str], str] = {}
    for learner, iri, verb in await session.execute(query):
        latest.setdefault((learner, iri), ANSWERS[verb])
    return {pair: latest.get(pair, NOT_ANSWERED) for pair in wanted}
