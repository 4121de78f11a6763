"""Micro benchmark: how many typical statements per second ``validate_statement`` handles on one core.

Run: .venv/bin/python bench/xapi_validation.py [--seconds 3] [--version 2.0.0]
"""

from __future__ import annotations

import argparse
import json
import time
import uuid
from typing import Any

from lrs.xapi.statements import validate_statement


def typical_statement(index: int) -> dict[str, Any]:
    """A statement shaped like programme traffic; parsed from JSON so it has no shared sub-objects."""
    data = {
        "id": str(uuid.UUID(int=index, version=4)),
        "actor": {
            "objectType": "Agent",
            "name": f"Learner {index}",
            "mbox": f"mailto:learner{index}@example.gov.uk",
        },
        "verb": {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-GB": "completed"}},
        "object": {
            "objectType": "Activity",
            "id": f"https://lrs.example.gov.uk/programmes/ddl/modules/{index % 12}",
            "definition": {
                "name": {"en-GB": "Leading digital change"},
                "description": {"en-GB": "Module workshop"},
                "type": "http://adlnet.gov/expapi/activities/module",
            },
        },
        "result": {
            "score": {"scaled": 0.8, "raw": 8, "min": 0, "max": 10},
            "completion": True,
            "duration": "PT1H30M",
        },
        "context": {
            "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
            "contextActivities": {
                "parent": [{"id": "https://lrs.example.gov.uk/programmes/ddl/cohort-3"}],
                "category": [{"id": "https://w3id.org/xapi/cmi5/context/categories/cmi5"}],
            },
            "platform": "cohort-lrs",
            "language": "en-GB",
            "extensions": {"https://lrs.example.gov.uk/ext/council": "Somerset"},
        },
        "timestamp": "2024-05-01T10:15:00.123+01:00",
    }
    parsed: dict[str, Any] = json.loads(json.dumps(data))
    return parsed


def measure(version: str, seconds: float) -> float:
    statements = [typical_statement(index) for index in range(1000)]
    for item in statements:
        validate_statement(item, version=version)
    validated = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        for item in statements:
            validate_statement(item, version=version)
        validated += len(statements)
    return validated / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--version", choices=("1.0.3", "2.0.0"), default=None)
    arguments = parser.parse_args()
    for version in (arguments.version,) if arguments.version else ("1.0.3", "2.0.0"):
        print(f"xAPI {version}: {measure(version, arguments.seconds):,.0f} statements/s")


if __name__ == "__main__":
    main()
