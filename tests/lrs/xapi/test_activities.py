"""Activity definitions, interaction components, and the activities a statement names."""

from __future__ import annotations

from typing import Any

import pytest

from lrs.xapi.activities import object_kind, statement_activities, validate_activity
from lrs.xapi.errors import XapiValidationError

from .samples import ACTIVITY_ID, activity, agent, statement

CHOICES = [{"id": "golf", "description": {"en-US": "Golf Example"}}, {"id": "tetris"}]
INTERACTIONS_VALID: list[dict[str, Any]] = [
    {"interactionType": "true-false", "correctResponsesPattern": ["true"]},
    {"interactionType": "choice", "correctResponsesPattern": ["golf[,]tetris"], "choices": CHOICES},
    {"interactionType": "sequencing", "choices": CHOICES},
    {"interactionType": "fill-in", "correctResponsesPattern": ["Bob's your uncle"]},
    {"interactionType": "long-fill-in", "correctResponsesPattern": []},
    {"interactionType": "likert", "scale": [{"id": "likert_0", "description": {"en-US": "Poor"}}]},
    {"interactionType": "matching", "source": CHOICES, "target": [{"id": "1"}]},
    {"interactionType": "performance", "steps": [{"id": "pong"}]},
    {"interactionType": "numeric", "correctResponsesPattern": ["4[:]"]},
    {"interactionType": "other", "correctResponsesPattern": ["(35.937432,-86.868896)"]},
]


@pytest.mark.parametrize("definition", INTERACTIONS_VALID, ids=lambda d: d["interactionType"])
def test_valid_interactions(definition: dict[str, Any]) -> None:
    assert validate_activity(activity(**definition), field="object")["definition"] == definition


@pytest.mark.parametrize(
    ("definition", "field"),
    [
        ({"interactionType": "should fail"}, "object.definition.interactionType"),
        ({"interactionType": 12345}, "object.definition.interactionType"),
        (
            {"interactionType": "http://adlnet.gov/expapi/activities/cmi.interaction"},
            "object.definition.interactionType",
        ),
        ({"interactionType": {"key": "value"}}, "object.definition.interactionType"),
        ({"interactionType": "choice", "scale": CHOICES}, "object.definition.scale"),
        ({"interactionType": "true-false", "choices": CHOICES}, "object.definition.choices"),
        ({"interactionType": "likert", "steps": CHOICES}, "object.definition.steps"),
        ({"interactionType": "performance", "source": CHOICES}, "object.definition.source"),
        ({"choices": CHOICES}, "object.definition.choices"),
        ({"correctResponsesPattern": ["a"]}, "object.definition.interactionType"),
        (
            {"interactionType": "choice", "correctResponsesPattern": "golf"},
            "object.definition.correctResponsesPattern",
        ),
        (
            {"interactionType": "choice", "correctResponsesPattern": [1]},
            "object.definition.correctResponsesPattern[0]",
        ),
        (
            {"interactionType": "choice", "choices": [{"description": {"en-US": "x"}}]},
            "object.definition.choices[0].id",
        ),
        ({"interactionType": "choice", "choices": [{"id": 1}]}, "object.definition.choices[0].id"),
        ({"interactionType": "choice", "choices": [{"id": "a", "x": 1}]}, "object.definition.choices[0].x"),
        (
            {"interactionType": "choice", "choices": [{"id": "a"}, {"id": "a"}]},
            "object.definition.choices[1].id",
        ),
        (
            {"interactionType": "likert", "scale": [{"id": "a", "description": {"a12345": "x"}}]},
            "object.definition.scale[0].description.a12345",
        ),
        ({"interactionType": "matching", "source": {"id": "a"}}, "object.definition.source"),
        ({"name": {"en-US": 1}}, "object.definition.name.en-US"),
        ({"description": "text"}, "object.definition.description"),
        ({"moreInfo": "not a url"}, "object.definition.moreInfo"),
        ({"foo": "bar"}, "object.definition.foo"),
    ],
)
def test_invalid_definitions(definition: dict[str, Any], field: str) -> None:
    with pytest.raises(XapiValidationError) as caught:
        validate_activity(activity(**definition), field="object")
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"objectType": "Activity"}, "object.id"),
        ({"id": ACTIVITY_ID, "objectType": "Agent"}, "object.objectType"),
        ({"id": ACTIVITY_ID, "definition": "x"}, "object.definition"),
        ({"id": ACTIVITY_ID, "extra": 1}, "object.extra"),
        ("activity", "object"),
    ],
)
def test_invalid_activity(data: object, field: str) -> None:
    with pytest.raises(XapiValidationError) as caught:
        validate_activity(data, field="object")
    assert caught.value.field == field


def test_statement_activities_roles_including_substatement() -> None:
    sub = {
        "objectType": "SubStatement",
        "actor": agent(),
        "verb": {"id": "http://e.com/v"},
        "object": {"id": "http://e.com/sub-object"},
        "context": {"contextActivities": {"other": {"id": "http://e.com/sub-other"}}},
    }
    data = statement(
        object=sub,
        context={
            "contextActivities": {
                "parent": [{"id": "http://e.com/parent"}],
                "grouping": {"id": "http://e.com/grouping"},
                "category": [{"id": "http://e.com/c1"}, {"id": "http://e.com/c2"}],
            }
        },
    )
    assert statement_activities(data) == [
        ("substatement.object", "http://e.com/sub-object"),
        ("substatement.other", "http://e.com/sub-other"),
        ("parent", "http://e.com/parent"),
        ("grouping", "http://e.com/grouping"),
        ("category", "http://e.com/c1"),
        ("category", "http://e.com/c2"),
    ]
    assert object_kind(data) == "SubStatement"


def test_statement_activities_plain_and_object_kind_default() -> None:
    data = statement(object={"id": ACTIVITY_ID})
    assert statement_activities(data) == [("object", ACTIVITY_ID)]
    assert object_kind(data) == "Activity"
    assert statement_activities(statement(object=agent())) == []
    assert object_kind(statement(object=agent())) == "Agent"
