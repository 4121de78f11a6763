"""Dehydrating a new (validated) statement and listing the people it names, in one walk.

The body has every identified Agent/Group position replaced by a reference (members too); the list
holds (role, IFI) pairs for the `statement_agents` index rows, in order: the statement's own
positions, those of a SubStatement object, context, authority last. Roles: actor, object, authority,
instructor, team, context_agent, context_group, and the same prefixed with `substatement.` inside a
SubStatement; group members carry their group's role. Each IFI comes from the agent's form, so
listing costs no second traversal.
"""

from __future__ import annotations

from typing import Any

from lrs.storage.agents import AgentRefs

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
    deeper than one level, dehydrated without being listed (and its authority too)."""
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
    return result
