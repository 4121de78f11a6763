"""Actors (Data 2.4.2): Agents, Groups, their identifiers (IFIs) and the agents a statement names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .datatypes import (
    check_iri,
    check_list,
    check_mbox,
    check_object,
    check_sha1_hex,
    check_string,
    fail,
    require,
)

IFI_KEYS = ("mbox", "mbox_sha1sum", "openid", "account")
_AGENT_KEYS = frozenset(("objectType", "name", *IFI_KEYS))
_GROUP_KEYS = frozenset((*_AGENT_KEYS, "member"))
_ACCOUNT_KEYS = frozenset(("homePage", "name"))


def validate_agent(data: object, *, version: str, field: str) -> dict[str, Any]:
    """Validate an Agent or a Group (objectType "Group") and return a copy."""
    if type(data) is dict and data.get("objectType") == "Group":
        return validate_group(data, version=version, field=field)
    return _validate_agent_only(data, field)


def validate_group(data: object, *, version: str, field: str) -> dict[str, Any]:
    """Validate a Group: ``objectType`` "Group", at most one IFI, and ``member`` when anonymous."""
    if type(data) is dict and data.get("objectType") != "Group":
        raise fail(f"{field}.objectType", 'must be "Group"')
    group = check_object(data, field, _GROUP_KEYS)
    copied = _copy_identity(group, field, allow_anonymous=True)
    if "member" in group:
        members = check_list(group["member"], f"{field}.member")
        copied["member"] = [
            _validate_agent_only(member, f"{field}.member[{index}]") for index, member in enumerate(members)
        ]
    elif not any(key in group for key in IFI_KEYS):
        raise fail(f"{field}.member", "is required for an anonymous Group")
    if not any(key in group for key in IFI_KEYS) and not copied["member"]:
        raise fail(f"{field}.member", "an anonymous Group needs at least one member")
    return copied


def _validate_agent_only(data: object, field: str) -> dict[str, Any]:
    if type(data) is dict and data.get("objectType", "Agent") != "Agent":
        raise fail(f"{field}.objectType", 'must be "Agent"')
    agent = check_object(data, field, _AGENT_KEYS)
    return _copy_identity(agent, field, allow_anonymous=False)


def _copy_identity(actor: dict[str, Any], field: str, *, allow_anonymous: bool) -> dict[str, Any]:
    """Check objectType/name and the inverse functional identifier; copy those properties."""
    ifis = [key for key in IFI_KEYS if key in actor]
    if len(ifis) > 1:
        raise fail(field, f"must have exactly one identifier, got {', '.join(ifis)}")
    if not ifis and not allow_anonymous:
        raise fail(field, "must have one identifier: mbox, mbox_sha1sum, openid or account")
    copied: dict[str, Any] = {}
    for key, value in actor.items():
        if key == "member":
            continue
        if key == "name":
            check_string(value, f"{field}.name")
        elif key == "mbox":
            check_mbox(value, f"{field}.mbox")
        elif key == "mbox_sha1sum":
            check_sha1_hex(value, f"{field}.mbox_sha1sum")
        elif key == "openid":
            check_iri(value, f"{field}.openid")
        elif key == "account":
            value = _validate_account(value, f"{field}.account")
        copied[key] = value
    return copied


def _validate_account(data: object, field: str) -> dict[str, Any]:
    account = check_object(data, field, _ACCOUNT_KEYS)
    check_iri(require(account, "homePage", field), f"{field}.homePage")
    check_string(require(account, "name", field), f"{field}.name")
    return dict(account)


def validate_authority(data: object, *, version: str, field: str) -> dict[str, Any]:
    """An authority is an Agent, or an anonymous two-member Group for 3-legged OAuth (Data 2.4.9)."""
    authority = validate_agent(data, version=version, field=field)
    if authority.get("objectType") == "Group":
        if any(key in authority for key in IFI_KEYS):
            raise fail(field, "an authority Group must be anonymous (OAuth consumer and user)")
        if len(authority["member"]) != 2:
            raise fail(f"{field}.member", "an authority Group must have exactly two members")
    return authority


def agent_ifi(agent: Mapping[str, Any]) -> str | None:
    """The canonical inverse functional identifier of an Agent or identified Group, or None if anonymous.

    Forms: ``mbox:mailto:local@domain``, ``mbox_sha1sum:<hex>``, ``openid:<iri>``,
    ``account:<homePage>|<name>``. The ``mailto`` scheme and the e-mail domain are lower-cased because
    both are case-insensitive (RFC 3986 3.1, RFC 5321 2.4; Data 2.3.1 names the domain as an example of
    case-insensitive text); the local part is kept as sent because RFC 5321 lets servers treat it as
    case-sensitive. SHA-1 hex is lower-cased. openid and account are compared exactly.
    """
    mbox = agent.get("mbox")
    if isinstance(mbox, str):
        return "mbox:" + canonical_mbox(mbox)
    sha1 = agent.get("mbox_sha1sum")
    if isinstance(sha1, str):
        return "mbox_sha1sum:" + sha1.lower()
    openid = agent.get("openid")
    if isinstance(openid, str):
        return "openid:" + openid
    account = agent.get("account")
    if isinstance(account, dict):
        return f"account:{account.get('homePage')}|{account.get('name')}"
    return None


def canonical_mbox(mbox: str) -> str:
    """``mailto:`` + local part as sent + lower-cased domain."""
    address = mbox.partition(":")[2]
    local, _, domain = address.rpartition("@")
    return f"mailto:{local}@{domain.lower()}"
