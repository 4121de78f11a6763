"""statements_equivalent: what the spec says to ignore, and what it does not."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from lrs.xapi.equivalence import statements_equivalent

from .samples import agent, group, statement, typical_statement

Change = Callable[[dict[str, Any]], None]


def _base() -> dict[str, Any]:
    data = typical_statement()
    data["actor"] = group(mbox="mailto:team@example.org")
    data["actor"]["member"].append(agent("mailto:third@example.org"))
    data["result"]["duration"] = "PT1H30M0.5S"
    return data


IGNORED: list[tuple[str, Change]] = [
    ("stored added", lambda s: s.update(stored="2024-05-02T00:00:00Z")),
    ("authority added", lambda s: s.update(authority=agent("mailto:lrs@example.org"))),
    ("version added", lambda s: s.update(version="1.0.0")),
    ("id removed", lambda s: s.pop("id")),
    ("id upper-cased", lambda s: s.update(id=s["id"].upper())),
    ("timestamp removed", lambda s: s.pop("timestamp")),
    ("timestamp in UTC", lambda s: s.update(timestamp="2024-05-01T09:15:00.123Z")),
    ("timestamp extra precision", lambda s: s.update(timestamp="2024-05-01T09:15:00.1234999Z")),
    ("attachments added", lambda s: s.update(attachments=[{"usageType": "http://e.com/u"}])),
    ("verb display changed", lambda s: s["verb"].update(display={"fr": "a assisté"})),
    ("activity definition removed", lambda s: s["object"].pop("definition")),
    ("activity objectType removed", lambda s: s["object"].pop("objectType")),
    ("member order", lambda s: s["actor"]["member"].reverse()),
    ("member objectType dropped", lambda s: s["actor"]["member"][0].pop("objectType")),
    ("mbox domain case", lambda s: s["actor"].update(mbox="MAILTO:team@EXAMPLE.org")),
    (
        "context activity array form",
        lambda s: s["context"]["contextActivities"].update(
            category=[{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}]
        ),
    ),
    ("registration case", lambda s: s["context"].update(registration=s["context"]["registration"].upper())),
    ("language tag case", lambda s: s["context"].update(language="EN-gb")),
    ("duration beyond 0.01s", lambda s: s["result"].update(duration="PT1H30M0.509S")),
    ("key order", lambda s: s.update(dict(reversed(list(s.items()))))),
]

DIFFERENT: list[tuple[str, Change]] = [
    ("verb id", lambda s: s["verb"].update(id="http://adlnet.gov/expapi/verbs/completed")),
    ("object id", lambda s: s["object"].update(id="http://e.com/other")),
    ("actor name", lambda s: s["actor"].update(name="Another")),
    ("mbox local part case", lambda s: s["actor"].update(mbox="mailto:Team@example.org")),
    ("member removed", lambda s: s["actor"]["member"].pop()),
    ("timestamp instant", lambda s: s.update(timestamp="2024-05-01T10:15:00.123Z")),
    ("result score", lambda s: s["result"]["score"].update(raw=7, scaled=0.7)),
    ("duration", lambda s: s["result"].update(duration="PT1H31M")),
    ("duration units", lambda s: s["result"].update(duration="PT90M")),
    (
        "context extension",
        lambda s: s["context"]["extensions"].update({"https://lrs.example.gov.uk/ext/council": "Devon"}),
    ),
    (
        "context activity order",
        lambda s: s["context"]["contextActivities"].update(
            parent=[{"id": "http://e.com/a"}, {"id": "http://e.com/b"}]
        ),
    ),
    ("result removed", lambda s: s.pop("result")),
    ("id changed", lambda s: s.update(id="fd41c918-b88b-4b20-a0a5-a4c32391aaa1")),
    ("version changed", lambda s: s.update(version="1.0.1")),
]


@pytest.mark.parametrize("change", [pytest.param(c, id=name) for name, c in IGNORED])
def test_ignored_differences(change: Change) -> None:
    original = _base()
    other = copy.deepcopy(original)
    change(other)
    assert statements_equivalent(original, other)
    assert statements_equivalent(other, original)


@pytest.mark.parametrize("change", [pytest.param(c, id=name) for name, c in DIFFERENT])
def test_differences_that_count(change: Change) -> None:
    original = _base()
    original["version"] = "1.0.0"
    other = copy.deepcopy(original)
    change(other)
    assert not statements_equivalent(original, other)


def test_substatement_compared_recursively() -> None:
    sub = {
        "objectType": "SubStatement",
        "actor": agent(),
        "verb": {"id": "http://e.com/v"},
        "object": {"id": "http://e.com/a"},
    }
    first = statement(object=copy.deepcopy(sub))
    second = statement(
        object={**copy.deepcopy(sub), "object": {"objectType": "Activity", "id": "http://e.com/a"}}
    )
    assert statements_equivalent(first, second)
    third = statement(object={**copy.deepcopy(sub), "verb": {"id": "http://e.com/w"}})
    assert not statements_equivalent(first, third)


def test_agent_object_needs_same_kind() -> None:
    assert not statements_equivalent(
        statement(object={"objectType": "Agent", "mbox": "mailto:a@b.org"}),
        statement(object={"objectType": "Group", "mbox": "mailto:a@b.org"}),
    )
