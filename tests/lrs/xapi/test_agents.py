"""Agents and Groups and their canonical IFIs."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.xapi.agents import agent_ifi, validate_agent
from lrs.xapi.errors import XapiValidationError

from .samples import group


@pytest.mark.parametrize(
    ("data", "ifi"),
    [
        ({"mbox": "mailto:Jo.Bloggs@Example.ORG"}, "mbox:mailto:Jo.Bloggs@example.org"),
        ({"mbox": "MAILTO:jo@example.org"}, "mbox:mailto:jo@example.org"),
        (
            {"mbox_sha1sum": "CD9B00A5611F94EAA7B1661EDAB976068E364975"},
            "mbox_sha1sum:cd9b00a5611f94eaa7b1661edab976068e364975",
        ),
        ({"openid": "http://openid.example.org/12345"}, "openid:http://openid.example.org/12345"),
        (
            {"account": {"homePage": "https://idp.example.gov.uk", "name": "u|1"}},
            "account:https://idp.example.gov.uk|u|1",
        ),
        ({"objectType": "Group", "member": [{"mbox": "mailto:a@b.org"}]}, None),
    ],
)
def test_agent_ifi(data: dict[str, Any], ifi: str | None) -> None:
    assert agent_ifi(data) == ifi


def test_validate_agent_for_query_parameters() -> None:
    assert validate_agent({"mbox": "mailto:a@b.org"}, version="1.0.3", field="agent") == {
        "mbox": "mailto:a@b.org"
    }
    with pytest.raises(XapiValidationError) as caught:
        validate_agent({"mbox": "a@b.org"}, version="2.0.0", field="agent")
    assert caught.value.field == "agent.mbox"
    with pytest.raises(XapiValidationError) as caught:
        validate_agent("mailto:a@b.org", version="2.0.0", field="agent")
    assert caught.value.field == "agent"


def test_group_copies_members() -> None:
    data = group()
    copied = validate_agent(data, version="1.0.3", field="actor")
    copied["member"][0]["name"] = "changed"
    assert data["member"][0]["name"] == "A Learner"
