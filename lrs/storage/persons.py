"""Person objects (Communication 2.4 Agents Resource): what the store knows about one agent.

A person here is one inverse functional identifier (the `persons` row); the forms it was sent in
(`agent_forms`) give its names and the IFI spellings used. The LRS links no two IFIs together, so a
Person carries exactly one kind of identifier.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from lrs.storage.models import AgentForm, Person
from lrs.xapi.agents import IFI_KEYS, agent_ifi


async def person_object(session: AsyncSession, agent: Mapping[str, Any]) -> dict[str, Any]:
    """The Person for `agent` (an identified Agent or Group): names and identifiers from every stored
    form of the same IFI, or just the agent's own when the store has never seen it."""
    ifi = agent_ifi(agent)
    forms: list[dict[str, Any]] = []
    if ifi is not None:
        rows = await session.execute(
            select(AgentForm.body)
            .join(Person, Person.id == AgentForm.person_id)
            .where(Person.ifi == ifi)
            .order_by(AgentForm.id)
        )
        forms = [json.loads(body) for (body,) in rows]
    return combine_forms([agent, *forms])


def combine_forms(forms: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """A Person object: every property an array of the distinct values seen, in first-seen order;
    properties without values are left out."""
    person: dict[str, Any] = {"objectType": "Person"}
    for key in ("name", *IFI_KEYS):
        values: list[Any] = []
        for form in forms:
            value = form.get(key)
            if value is not None and value not in values:
                values.append(value)
        if values:
            person[key] = values
    return person
