"""Statement builders shared by the xAPI tests: small valid shapes that each test bends one way."""

from __future__ import annotations

from typing import Any

VERSIONS = ("1.0.3", "2.0.0")
ACTIVITY_ID = "http://www.example.com/meetings/occurances/34534"


def agent(mbox: str = "mailto:learner@example.org", **extra: Any) -> dict[str, Any]:
    return {"objectType": "Agent", "name": "A Learner", "mbox": mbox, **extra}


def group(**extra: Any) -> dict[str, Any]:
    return {
        "objectType": "Group",
        "name": "Cohort 3",
        "member": [
            agent("mailto:one@example.org"),
            {"account": {"homePage": "https://idp.example.gov.uk", "name": "u2"}},
        ],
        **extra,
    }


def activity(**definition: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"objectType": "Activity", "id": ACTIVITY_ID}
    if definition:
        result["definition"] = definition
    return result


def statement(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
        "actor": agent(),
        "verb": {
            "id": "http://adlnet.gov/expapi/verbs/attended",
            "display": {"en-GB": "attended", "en-US": "attended"},
        },
        "object": activity(),
    }
    base.update(overrides)
    return base


def typical_statement() -> dict[str, Any]:
    """A statement shaped like real programme traffic: definition, result, context, timestamp."""
    return statement(
        object=activity(
            name={"en-GB": "Module 1: Leading digital change"},
            description={"en-GB": "Workshop"},
            type="http://adlnet.gov/expapi/activities/meeting",
        ),
        result={
            "score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10},
            "success": True,
            "completion": True,
            "duration": "PT1H30M",
        },
        context={
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "contextActivities": {
                "parent": [{"id": "https://lrs.example.gov.uk/programmes/ddl/cohort-3"}],
                "category": {"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"},
            },
            "platform": "cohort-lrs",
            "language": "en-GB",
            "extensions": {"https://lrs.example.gov.uk/ext/council": "Somerset"},
        },
        timestamp="2024-05-01T10:15:00.123+01:00",
    )
