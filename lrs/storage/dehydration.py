"""Dehydrating a new statement and listing the agents it names, in one walk (the write path).

The result is exactly `dehydrate` (every Agent/Group position a reference, members too) paired with
`lrs.xapi.agents.statement_agents` (the (role, IFI) pairs, in its order: a statement's own positions,
those of a SubStatement object, context, authority last; group members carry their group's role).
Walking once and taking each IFI from the agent's form saves a second traversal per statement.
"""

from __future__ import annotations

from typing import Any

from lrs.storage.agents import AgentRefs
from lrs.xapi.agents import agent_ifi

Found = list[tuple[str, str]]


def dehydrate_with_agents(statement: dict[str, Any], refs: AgentRefs) -> tuple[dict[str, Any], Found]:
    found: Found = []
    body = _statement(statement, refs, "", found)
    authority = statement.get("authority")
    if isinstance(authority, dict):
        body["authority"] = _actor(authority, refs, "authority", found)
    return body, found


def _statement(
    statement: dict[str, Any], refs: AgentRefs, prefix: str | None, found: Found
) -> dict[str, Any]:
    """A copy with its positions but `authority` dehydrated; `prefix` None: a SubStatement nested
    deeper than statement_agents looks, dehydrated without being listed (and its authority too)."""
    body = dict(statement)
    actor = body.get("actor")
    if isinstance(actor, dict):
        body["actor"] = _actor(actor, refs, None if prefix is None else prefix + "actor", found)
    target = body.get("object")
    if isinstance(target, dict):
        kind = target.get("objectType")
        if kind == "Agent" or kind == "Group":
            body["object"] = _actor(target, refs, None if prefix is None else prefix + "object", found)
        elif kind == "SubStatement":
            inner = _statement(target, refs, "substatement." if prefix == "" else None, found)
            authority = inner.get("authority")
            if isinstance(authority, dict):
                inner["authority"] = _actor(authority, refs, None, found)
            body["object"] = inner
    context = body.get("context")
    if isinstance(context, dict):
        body["context"] = _context(context, refs, prefix, found)
    return body


def _context(context: dict[str, Any], refs: AgentRefs, prefix: str | None, found: Found) -> dict[str, Any]:
    context = dict(context)
    for role in ("instructor", "team"):
        actor = context.get(role)
        if isinstance(actor, dict):
            context[role] = _actor(actor, refs, None if prefix is None else prefix + role, found)
    for key, inner, role in (
        ("contextAgents", "agent", "context_agent"),
        ("contextGroups", "group", "context_group"),
    ):
        entries = context.get(key)
        listed = None if prefix is None else prefix + role
        if isinstance(entries, list):
            context[key] = [_entry(entry, inner, refs, listed, found) for entry in entries]
        elif listed is not None:
            _list_only(entries or (), inner, listed, found)  # not JSON: listed as statement_agents does
    return context


def _entry(entry: Any, inner: str, refs: AgentRefs, role: str | None, found: Found) -> Any:
    if not isinstance(entry, dict):
        return entry
    copy = dict(entry)
    actor = copy.get(inner)
    if isinstance(actor, dict):
        copy[inner] = _actor(actor, refs, role, found)
    return copy


def _actor(
    actor: dict[str, Any], refs: AgentRefs, role: str | None, found: Found, *, members_listed: bool = True
) -> dict[str, Any]:
    """The dehydrated actor; with a role, its IFI is listed, and its members' (one level deep)."""
    result, ifi = refs.refer(actor)
    if result is None:
        result = dict(actor)
    if role is not None and ifi is not None:
        found.append((role, ifi))
    member_role = role if members_listed else None
    members = actor.get("member")
    if isinstance(members, list):
        result["member"] = [
            _actor(member, refs, member_role, found, members_listed=False)
            if isinstance(member, dict)
            else member
            for member in members
        ]
    elif member_role is not None:
        for member in members or ():  # not JSON: listed as statement_agents does, not dehydrated
            if isinstance(member, dict) and (member_ifi := agent_ifi(member)) is not None:
                found.append((member_role, member_ifi))
    return result


def _list_only(entries: Any, inner: str, role: str, found: Found) -> None:
    """Context agents/groups given as something other than a JSON list (never in a validated
    statement): listed as statement_agents iterates them, not dehydrated."""
    for entry in entries:
        actor = entry.get(inner) if isinstance(entry, dict) else None
        if isinstance(actor, dict):
            if (ifi := agent_ifi(actor)) is not None:
                found.append((role, ifi))
            for member in actor.get("member") or ():
                if isinstance(member, dict) and (member_ifi := agent_ifi(member)) is not None:
                    found.append((role, member_ifi))
