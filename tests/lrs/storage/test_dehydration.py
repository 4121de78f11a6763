"""Dehydrating a statement lists the people it names: (role, IFI) pairs for the agent index rows."""

from __future__ import annotations

from typing import Any

from lrs.storage.agents import REF, AgentRefs
from lrs.storage.dehydration import dehydrate_with_agents
from tests.lrs.xapi.samples import agent, group, statement


def _agents(data: dict[str, Any]) -> list[tuple[str, str]]:
    body, found = dehydrate_with_agents(data, AgentRefs())
    assert REF in body["actor"]  # and the body holds references, not the people
    return found


def test_the_walk_lists_every_role() -> None:
    sub = {
        "objectType": "SubStatement",
        "actor": agent("mailto:sub-actor@example.org"),
        "verb": {"id": "http://e.com/v"},
        "object": agent("mailto:sub-object@example.org"),
        "context": {"instructor": agent("mailto:sub-instructor@example.org")},
    }
    data = statement(
        actor=group(mbox="mailto:team@example.org"),
        object=sub,
        authority=agent("mailto:authority@example.org"),
        context={
            "instructor": agent("mailto:instructor@example.org"),
            "team": {"objectType": "Group", "member": [agent("mailto:t1@example.org")]},
            "contextAgents": [{"objectType": "contextAgent", "agent": agent("mailto:ca@example.org")}],
            "contextGroups": [{"objectType": "contextGroup", "group": group(openid="http://openid.e.com/g")}],
        },
    )
    pairs = _agents(data)
    assert pairs == [
        ("actor", "mbox:mailto:team@example.org"),
        ("actor", "mbox:mailto:one@example.org"),
        ("actor", "account:https://idp.example.gov.uk|u2"),
        ("substatement.actor", "mbox:mailto:sub-actor@example.org"),
        ("substatement.object", "mbox:mailto:sub-object@example.org"),
        ("substatement.instructor", "mbox:mailto:sub-instructor@example.org"),
        ("instructor", "mbox:mailto:instructor@example.org"),
        ("team", "mbox:mailto:t1@example.org"),
        ("context_agent", "mbox:mailto:ca@example.org"),
        ("context_group", "openid:http://openid.e.com/g"),
        ("context_group", "mbox:mailto:one@example.org"),
        ("context_group", "account:https://idp.example.gov.uk|u2"),
        ("authority", "mbox:mailto:authority@example.org"),
    ]


def test_the_walk_lists_an_agent_object() -> None:
    assert _agents(statement(object=agent("mailto:o@example.org"))) == [
        ("actor", "mbox:mailto:learner@example.org"),
        ("object", "mbox:mailto:o@example.org"),
    ]
