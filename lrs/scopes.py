"""xAPI authorisation scopes (xAPI 1.0.3 / 2.0.0 "OAuth Authorization Scope") and what each permits."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class Scope(enum.StrEnum):
    STATEMENTS_WRITE = "statements/write"
    STATEMENTS_READ = "statements/read"
    STATEMENTS_READ_MINE = "statements/read/mine"
    STATE = "state"
    DEFINE = "define"
    PROFILE = "profile"
    ALL_READ = "all/read"
    ALL = "all"
    REPORTS_READ = "reports/read"  # HR completions (GET /api/v1/completions) only


class Access(enum.StrEnum):
    """What a request needs."""

    STATEMENTS_WRITE = "statements-write"
    STATEMENTS_READ = "statements-read"
    STATE_READ = "state-read"
    STATE_WRITE = "state-write"
    PROFILE_READ = "profile-read"
    PROFILE_WRITE = "profile-write"
    DEFINE = "define"  # update activity definitions from statements
    READ = "read"  # about/activities/agents and other read-only resources
    ADMIN = "admin"  # programme administration and reporting
    REPORTS_READ = "reports-read"  # HR completion records


_GRANTS: dict[Scope, frozenset[Access]] = {
    Scope.STATEMENTS_WRITE: frozenset({Access.STATEMENTS_WRITE}),
    Scope.STATEMENTS_READ: frozenset({Access.STATEMENTS_READ, Access.READ}),
    Scope.STATEMENTS_READ_MINE: frozenset({Access.STATEMENTS_READ, Access.READ}),
    Scope.STATE: frozenset({Access.STATE_READ, Access.STATE_WRITE}),
    Scope.DEFINE: frozenset({Access.DEFINE}),
    Scope.PROFILE: frozenset({Access.PROFILE_READ, Access.PROFILE_WRITE, Access.READ}),
    Scope.ALL_READ: frozenset({Access.STATEMENTS_READ, Access.STATE_READ, Access.PROFILE_READ, Access.READ}),
    Scope.ALL: frozenset(Access),
    Scope.REPORTS_READ: frozenset({Access.REPORTS_READ}),
}


def parse_scopes(raw: str | Iterable[str]) -> frozenset[Scope]:
    """Parse a space/comma separated scope list; unknown scopes are a ValueError naming them."""
    items = raw.replace(",", " ").split() if isinstance(raw, str) else list(raw)
    unknown = [item for item in items if item not in Scope._value2member_map_]
    if unknown:
        allowed = ", ".join(scope.value for scope in Scope)
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; allowed: {allowed}")
    if not items:
        raise ValueError("at least one scope is required")
    return frozenset(Scope(item) for item in items)


def permits(scopes: Iterable[Scope], access: Access) -> bool:
    return any(access in _GRANTS[scope] for scope in scopes)


def reads_only_own_statements(scopes: Iterable[Scope]) -> bool:
    """statements/read/mine without a broader read scope: only statements this credential stored."""
    held = set(scopes)
    broader = {Scope.STATEMENTS_READ, Scope.ALL_READ, Scope.ALL}
    return Scope.STATEMENTS_READ_MINE in held and not held & broader
